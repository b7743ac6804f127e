package main

import (
	"os"
	"regexp"
	"testing"
)

// TestReadmeListsEveryVariable keeps the README's configuration table in
// step with the variables config.go reads.
func TestReadmeListsEveryVariable(t *testing.T) {
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
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
