// Package archtest makes the dependency rules executable: process stays a
// leaf, upload does not reach up to albums/share/worker, nothing imports cmd.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/wxalbum/mediad/"

type pkg struct {
	ImportPath string
	Deps       []string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "-deps=false", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestDependencyDirection(t *testing.T) {
	forbidden := map[string][]string{
		mod + "process": {"github.com/jackc/pgx", "github.com/minio/minio-go", "github.com/hibiken/asynq",
			"github.com/gofiber/fiber", "github.com/redis/go-redis", "net/http", mod},
		mod + "upload":         {mod + "albums", mod + "share", mod + "worker", mod + "cmd"},
		mod + "internal/blob":  {mod + "upload", mod + "worker", mod + "albums", mod + "share"},
		mod + "internal/httpx": {mod + "upload", mod + "worker", mod + "albums", mod + "share"},
	}
	pkgs := listPackages(t)
	if len(pkgs) < 8 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		for _, dep := range p.Deps {
			if strings.HasPrefix(dep, mod+"cmd") && !strings.HasPrefix(p.ImportPath, mod+"cmd") {
				t.Errorf("%s imports %s: nothing may import cmd", p.ImportPath, dep)
			}
			for _, bad := range forbidden[p.ImportPath] {
				if strings.HasPrefix(dep, bad) && dep != p.ImportPath {
					t.Errorf("%s depends on %s", p.ImportPath, dep)
				}
			}
		}
	}
}
