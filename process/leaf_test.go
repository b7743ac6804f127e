package process

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeafPackage: process imports nothing of this module but its own
// subpackages, which import nothing of this module at all, and none of
// them reaches an HTTP, database, queue or object-store package (STYLE.md
// dependency rules). (imaging links the TIFF and BMP decoders;
// TestUnsupportedContent proves they are unreachable, since only the
// detected format's decoder is called.)
func TestLeafPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod, self = "github.com/wxalbum/mediad/", "github.com/wxalbum/mediad/process"
	forbidden := []string{mod, "net/http", "database/sql", "github.com/hibiken/asynq",
		"github.com/minio/", "github.com/jackc/", "github.com/gofiber/", "github.com/redis/"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		deps := strings.Fields(line)
		pkg := deps[0]
		for _, dep := range deps[1:] {
			if pkg == self && strings.HasPrefix(dep, self+"/") {
				continue
			}
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
