package archtest

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The repository stands alone: a clone with nothing beside it must build,
// test and benchmark. TestNoPathLeavesTheRepository reads every Go file
// (tests included), the Makefile and the scripts, and fails on any path
// that points outside the repository:
//
//   - the old fixture folder beside the checkout (a "shared" folder next to
//     the repository, see besideCheckout);
//   - an absolute path under a non-system root (/work, /home, /root, /tmp,
//     ... or any top-level folder of this machine that is not a system
//     location such as /usr, /etc, /proc or /dev, which name installed
//     tools and kernel interfaces, not project data);
//   - a relative path that climbs out of the module root, resolved from
//     the file's folder (go test runs in the package folder) and, for the
//     Makefile and scripts, from the root (where they run).
//
// Fixtures belong in testdata/ (see testdata/README.md).

// besideCheckout are the spellings of the fixture folder that used to sit
// next to the checkout (built from parts so this file does not name it).
var besideCheckout = []string{".." + "/" + "shared", "shared" + "/" + "testdata"}

func namesBeside(s string) bool {
	for _, b := range besideCheckout {
		if strings.Contains(s, b) {
			return true
		}
	}
	return false
}

// systemRoots are top-level folders a project may name: where Debian puts
// programs and configuration, and the kernel's interfaces.
var systemRoots = map[string]bool{"usr": true, "bin": true, "sbin": true, "lib": true, "lib64": true,
	"etc": true, "proc": true, "sys": true, "dev": true, "run": true, "var": true}

// workspaceRoots hold checkouts, home folders and scratch space on common
// machines; naming them is always a path outside the repository, whether
// or not they exist here.
var workspaceRoots = map[string]bool{"work": true, "home": true, "root": true, "tmp": true, "mnt": true,
	"opt": true, "srv": true, "media": true, "data": true, "workspace": true, "Users": true}

func TestNoPathLeavesTheRepository(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var checked int
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".devstack", ".cluster", "node_modules", "testdata":
				if rel != "." {
					return filepath.SkipDir
				}
			}
			return nil
		}
		var bad []string
		switch {
		case strings.HasSuffix(p, ".go"):
			bad = goPaths(t, root, p)
		case d.Name() == "Makefile" || strings.HasPrefix(rel, "scripts"+string(filepath.Separator)) ||
			strings.HasPrefix(rel, ".ci"+string(filepath.Separator)):
			bad = scriptPaths(t, root, p)
		default:
			return nil
		}
		checked++
		for _, b := range bad {
			t.Errorf("%s: %s", rel, b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files under %s", checked, root)
	}
}

// goPaths returns the offending paths in a Go file's string literals and
// in the literal leading arguments of filepath.Join / path.Join calls.
func goPaths(t *testing.T, root, file string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	dir := filepath.Dir(file)
	var bad []string
	check := func(s string) {
		if why := leaves(root, []string{dir}, s); why != "" {
			bad = append(bad, why)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if n.Kind == token.STRING {
				if s, err := strconv.Unquote(n.Value); err == nil {
					check(s)
				}
			}
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Join" {
				if parts := literalPrefix(n.Args); len(parts) > 1 {
					check(filepath.Join(parts...))
				}
			}
		}
		return true
	})
	return bad
}

// literalPrefix returns the string literals at the start of args.
func literalPrefix(args []ast.Expr) []string {
	var out []string
	for _, a := range args {
		lit, ok := a.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			break
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			break
		}
		out = append(out, s)
	}
	return out
}

// pathToken finds path-like words in shell and make text.
var pathToken = regexp.MustCompile(`(?:^|[\s"'=(:,])((?:/|\.\./|\.\.$)[^\s"'$;|&()<>` + "`" + `]*)`)

// scriptPaths returns the offending paths in a Makefile or script.
func scriptPaths(t *testing.T, root, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var bad []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") && !strings.Contains(line, "shared") {
			continue // prose in comments names URLs and examples
		}
		for _, m := range pathToken.FindAllStringSubmatch(line, -1) {
			if why := leaves(root, []string{root, filepath.Dir(file)}, m[1]); why != "" {
				bad = append(bad, "line "+strconv.Itoa(n)+": "+why)
			}
		}
		if namesBeside(line) {
			bad = append(bad, "line "+strconv.Itoa(n)+": names the fixture folder beside the checkout")
		}
	}
	return bad
}

// leaves explains why path s points outside the repository at root, ""
// if it does not. Relative paths are resolved from each of bases.
func leaves(root string, bases []string, s string) string {
	if namesBeside(s) {
		return "names the fixture folder beside the checkout: " + strconv.Quote(s)
	}
	if strings.ContainsAny(s, "\n ") || s == "" {
		return ""
	}
	if strings.HasPrefix(s, "/") {
		first, _, _ := strings.Cut(strings.TrimPrefix(s, "/"), "/")
		if first == "" || first == "." || first == ".." || systemRoots[first] {
			return ""
		}
		if workspaceRoots[first] {
			return "absolute path outside the repository: " + strconv.Quote(s)
		}
		if st, err := os.Stat("/" + first); err == nil && st.IsDir() {
			return "absolute path under /" + first + ", outside the repository: " + strconv.Quote(s)
		}
		return "" // a URL path such as /v1/media, or a deliberately missing file
	}
	if s != ".." && !strings.HasPrefix(s, "../") && !strings.Contains(s, "/../") {
		return ""
	}
	for _, b := range bases {
		p := filepath.Clean(filepath.Join(b, s))
		if r, err := filepath.Rel(root, p); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "relative path climbs out of the repository: " + strconv.Quote(s)
		}
	}
	return ""
}
