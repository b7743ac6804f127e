package process

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeafPackage: process imports nothing of this module and no HTTP,
// database, queue or object-store package (STYLE.md dependency rules).
// (imaging links the TIFF and BMP decoders; TestUnsupportedContent proves
// they are unreachable, since only the detected format's decoder is called.)
func TestLeafPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{"github.com/wxalbum/mediad/", "net/http", "database/sql", "github.com/hibiken/asynq",
		"github.com/minio/", "github.com/jackc/", "github.com/gofiber/", "github.com/redis/"}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/wxalbum/mediad/process" {
			continue
		}
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("process depends on %s", dep)
			}
		}
	}
}
