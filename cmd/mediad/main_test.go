//go:build !faults

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestMain holds an exclusive lock for the whole run: the end-to-end tests
// flush and use one Redis database (redisDB) and one MinIO bucket, so two
// `go test ./cmd/mediad` at once (two checkouts, or a developer's and an
// editor's) would flush each other's queues. The second waits instead.
func TestMain(m *testing.M) {
	path := filepath.Join(os.TempDir(), "mediad-e2e-tests.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e lock %s: %v\n", path, err)
		os.Exit(2)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		fmt.Fprintf(os.Stderr, "e2e lock %s: %v\n", path, err)
		os.Exit(2)
	}
	code := m.Run()
	f.Close()
	os.Exit(code)
}
