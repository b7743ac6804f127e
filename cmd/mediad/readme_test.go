package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestReadmeListsEveryVariable keeps the README's configuration table in
// step with the variables config.go (and config_*.go) reads.
func TestReadmeListsEveryVariable(t *testing.T) {
	files, err := filepath.Glob("config*.go")
	if err != nil {
		t.Fatal(err)
	}
	var src []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	vars := regexp.MustCompile(`"(MEDIA_[A-Z0-9_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(vars) < 20 {
		t.Fatalf("found only %d variables in config.go", len(vars))
	}
	for _, v := range vars {
		if !regexp.MustCompile("`" + v[1] + "`").Match(readme) {
			t.Errorf("README.md does not document %s", v[1])
		}
	}
}

// TestReadmeDefaultsAreTheDefaults sets every variable the README's table
// gives a default to that default and checks the configuration equals the
// one loaded with nothing set: the README cannot drift from the packages'
// Defaults, which are the only place defaults are written.
func TestReadmeDefaultsAreTheDefaults(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	required := map[string]string{"MEDIA_S3_ACCESS_KEY": "k", "MEDIA_S3_SECRET_KEY": "s",
		"MEDIA_URL_SIGNING_KEY": strings.Repeat("ab", 32)}
	row := regexp.MustCompile("(?m)^\\| ((?:`MEDIA_[A-Z0-9_]+`(?:, )?)+) \\| ([^|]*) \\|")
	code := regexp.MustCompile("`([^`]*)`")
	stated := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		vars, defs := code.FindAllStringSubmatch(m[1], -1), code.FindAllStringSubmatch(m[2], -1)
		if len(defs) != len(vars) {
			continue // "required", "none": nothing to set
		}
		for i, v := range vars {
			stated[v[1]] = defs[i][1]
		}
	}
	if len(stated) < 40 {
		t.Fatalf("read only %d defaults from the README's table", len(stated))
	}
	load := func(env map[string]string) Config {
		t.Helper()
		c, err := LoadConfig(func(k string) string {
			if v, ok := required[k]; ok {
				return v
			}
			return env[k]
		})
		if err != nil {
			t.Fatalf("LoadConfig: %v", err)
		}
		return c
	}
	// Zones loaded twice are equal when they name the same zone.
	sameZone := cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() })
	if diff := cmp.Diff(load(nil), load(stated), sameZone); diff != "" {
		t.Errorf("the README's defaults differ from the real ones (-real +README):\n%s", diff)
	}
}
