package process

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/testenv/metacheck"
)

// testdataDir is the repository's fixture folder, relative to this package.
const testdataDir = "../testdata"

// fixture returns the absolute path of a fixture under testdata/, failing
// clearly when it is missing.
func fixture(t testing.TB, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(testdataDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture missing from the repository's testdata/: %v", err)
	}
	return p
}

// mustRead reads a fixture.
func mustRead(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixture(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtures lists the files of a fixture folder.
func fixtures(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(fixture(t, dir), "*"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	return m
}

// mustProcessor returns a Processor with default options.
func mustProcessor(t testing.TB) *Processor {
	t.Helper()
	p, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// assertClean fails when b, written as name, carries anything the shared
// allow-list oracle does not accept (internal/testenv/metacheck).
func assertClean(t testing.TB, name string, b []byte) {
	t.Helper()
	metacheck.AssertClean(t, map[string][]byte{name: b})
}

// assertCleanFiles checks several outputs with one pair of exiftool runs.
func assertCleanFiles(t testing.TB, files map[string][]byte) {
	t.Helper()
	metacheck.AssertClean(t, files)
}

// within runs f and fails if it does not finish in d: a hang guard, not a
// speed assertion.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not finish within %v (hang?)", d)
	}
}

// jpegSOI is a cheap sanity check for derivative outputs.
func isJPEG(b []byte) bool { return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) }

// recorder captures failures so a test can prove the checker itself detects.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

// TestCleanCheckerDetects: the exiftool oracle flags the dirty inputs, so a
// passing clean test means something.
func TestCleanCheckerDetects(t *testing.T) {
	for _, rel := range []string{"images/gps/DSCN0010.jpg", "images/crafted/iptc_comment_trailer.jpg",
		"images/crafted/png_meta.png", "images/crafted/webp_meta.webp", "images/crafted/xmp_only_gps.jpg",
		"images/crafted/icc_planted_text.jpg", "images/crafted/icc_planted_text.png", "images/crafted/icc_planted_text.webp",
		"video/location_udta.mp4", "video/location_apple_keys.mov"} {
		r := &recorder{TB: t}
		assertCleanFiles(r, map[string][]byte{filepath.Base(rel): mustRead(t, rel)})
		if !r.failed {
			t.Errorf("%s: checker found nothing in a dirty file", rel)
		}
	}
}
