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

// domain lists the feature packages. internal/ is plumbing only: none of
// its packages may depend on one of these.
var domain = []string{"upload", "process", "albums", "share", "worker", "account", "auth", "notify", "retention", "review", "reports"}

// forbidden maps a package to what it must not depend on (directly or
// not): the arrows of the house point one way.
var forbidden = map[string][]string{
	mod + "process": {"github.com/jackc/pgx", "github.com/minio/minio-go", "github.com/hibiken/asynq",
		"github.com/gofiber/fiber", "github.com/redis/go-redis", "net/http", mod},
	mod + "upload":    {mod + "albums", mod + "share", mod + "worker", mod + "account", mod + "auth", mod + "notify", mod + "retention", mod + "review"},
	mod + "albums":    {mod + "share", mod + "worker", mod + "account", mod + "auth"},
	mod + "share":     {mod + "worker", mod + "account", mod + "auth"},
	mod + "notify":    {mod + "upload", mod + "albums", mod + "share", mod + "worker", mod + "account", mod + "auth"},
	mod + "retention": {mod},
	mod + "auth":      {mod + "upload", mod + "albums", mod + "share", mod + "worker", mod + "account"},
	mod + "account":   {mod + "worker", mod + "review"},
	// review (content checks) reads items, albums and openids and records
	// notices; the workers reach it through cmd's wiring, not the reverse.
	mod + "review": {mod + "share", mod + "worker", mod + "account", mod + "retention"},
	// reports reads items, albums and link answers (through a function
	// cmd wires) and records notices and holds; account removes a
	// reporter's reports.
	mod + "reports": {mod + "share", mod + "worker", mod + "account", mod + "retention", mod + "auth", mod + "review"},
	mod + "worker":  {mod + "review"},
}

// rules is what path must not depend on. A subpackage of process (its
// private codecs) is held to process's rules, module included: a leaf.
func rules(path string) []string {
	if strings.HasPrefix(path, mod+"process/") {
		return forbidden[mod+"process"]
	}
	return forbidden[path]
}

// ownSubpackage: process may use its own subpackages (rules keeps them leaves).
func ownSubpackage(path, dep string) bool {
	return path == mod+"process" && strings.HasPrefix(dep, mod+"process/")
}

// violations returns every forbidden arrow among pkgs.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		internal := strings.HasPrefix(p.ImportPath, mod+"internal/")
		for _, dep := range p.Deps {
			if !strings.HasPrefix(dep, mod) || dep == p.ImportPath {
				continue
			}
			if strings.HasPrefix(dep, mod+"cmd") && !strings.HasPrefix(p.ImportPath, mod+"cmd") {
				out = append(out, p.ImportPath+" depends on "+dep+": nothing may import cmd")
			}
			for _, d := range domain {
				if internal && (dep == mod+d || strings.HasPrefix(dep, mod+d+"/")) {
					out = append(out, p.ImportPath+" depends on "+dep+": internal/ is plumbing and imports no feature")
				}
			}
		}
		for _, dep := range p.Deps {
			for _, bad := range rules(p.ImportPath) {
				if strings.HasPrefix(dep, bad) && dep != p.ImportPath && !ownSubpackage(p.ImportPath, dep) {
					out = append(out, p.ImportPath+" depends on "+dep)
				}
			}
		}
	}
	return out
}

func TestDependencyDirection(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 12 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestDependencyCheckSeesAViolation feeds the check a graph with arrows
// the house forbids, so a passing TestDependencyDirection means something.
func TestDependencyCheckSeesAViolation(t *testing.T) {
	bad := []pkg{
		{ImportPath: mod + "internal/blob", Deps: []string{mod + "upload", mod + "process"}},
		{ImportPath: mod + "albums", Deps: []string{mod + "share"}},
		{ImportPath: mod + "upload", Deps: []string{mod + "worker"}},
		{ImportPath: mod + "share", Deps: []string{mod + "cmd/mediad"}},
		{ImportPath: mod + "process/internal/jpegdec", Deps: []string{mod + "upload", "net/http"}},
		{ImportPath: mod + "process", Deps: []string{mod + "process/internal/jpegdec"}}, // allowed
	}
	if got := violations(bad); len(got) != 7 {
		t.Errorf("violations found: %d, want 7:\n%s", len(got), strings.Join(got, "\n"))
	}
}
