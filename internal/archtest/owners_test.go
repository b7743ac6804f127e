package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// owners says which package's store writes each table. Every INSERT,
// UPDATE, DELETE and TRUNCATE of a table lives in its owner's non-test
// files; another feature that needs a row changed calls the owner's store
// (inside a shared transaction when the change spans owners, db.InTx).
var owners = map[string]string{
	"users": "auth", "sessions": "auth",
	"media": "upload", "uploads": "upload", "quota_reservations": "upload",
	"albums": "albums", "album_members": "albums", "invites": "albums", "album_dissolutions": "albums",
	"shares": "share", "share_opens": "share",
	"exports": "account", "deletion_receipts": "account",
	"notifications": "notify", "notification_settings": "notify", "notification_subscriptions": "notify",
	"periodic_runs":     "worker",
	"reports":           "reports",
	"schema_migrations": "internal/db",
}

// writeSQL finds the table a statement writes. Keywords are upper case and
// table names lower case in this code base, so "FOR UPDATE OF" and
// "DO UPDATE SET" do not match.
var writeSQL = regexp.MustCompile(`\b(?:INSERT INTO|UPDATE|DELETE FROM|TRUNCATE(?: TABLE)?)\s+([a-z_][a-z0-9_]*)`)

// TestEachTableHasOneWriter fails when a statement writing a table appears
// outside the table's owner (see owners), or writes a table nobody owns.
func TestEachTableHasOneWriter(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	writers := map[string][]string{} // table -> packages
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".devstack" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		pkg := filepath.ToSlash(rel)
		for _, table := range writtenTables(t, p) {
			if !slices.Contains(writers[table], pkg) {
				writers[table] = append(writers[table], pkg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(writers) < 10 {
		t.Fatalf("found writes to only %d tables: %v", len(writers), writers)
	}
	for table, pkgs := range writers {
		owner, known := owners[table]
		if !known {
			t.Errorf("table %s is written by %v but has no owner in owners", table, pkgs)
			continue
		}
		for _, p := range pkgs {
			if p != owner && !strings.HasPrefix(p, "cmd/mediabench") {
				t.Errorf("%s writes table %s, which %s owns", p, table, owner)
			}
		}
	}
}

// writtenTables returns the tables that string literals in a Go file write.
func writtenTables(t *testing.T, file string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	var tables []string
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		for _, m := range writeSQL.FindAllStringSubmatch(s, -1) {
			tables = append(tables, m[1])
		}
		return true
	})
	return tables
}
