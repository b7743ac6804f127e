package process

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sharedDir is the project's shared fixtures, relative to this package.
const sharedDir = "../../shared/testdata"

// fixture returns the absolute path of a shared fixture, failing clearly
// when the shared test data is not where the repository layout puts it.
func fixture(t testing.TB, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(sharedDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared fixture missing (expected /work/shared/testdata next to the repo): %v", err)
	}
	return p
}

// mustRead reads a shared fixture.
func mustRead(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixture(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtures lists the files of a shared fixture folder.
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

// exiftool runs the independent metadata reader; a missing exiftool fails
// the test, because without it "clean" would go unchecked.
func exiftool(t testing.TB, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("exiftool")
	if err != nil {
		t.Fatalf("exiftool is required for metadata tests (apt-get install libimage-exiftool-perl): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		t.Fatalf("exiftool %v: %v", args, err)
	}
	return string(out)
}

// cleanGroups is the allow-list of exiftool -G1 groups a served image may
// show: file-system facts, image structure, colour profile, and an IFD0
// that may hold nothing but Orientation (checked separately).
var cleanGroups = []string{
	"[ExifTool]", "[System]", "[File]", "[JFIF]", "[IFD0]", "[Composite]", "[Adobe]", "[APP14]",
	"[ICC_Profile]", "[ICC-header]", "[ICC-meas]", "[ICC-view]", "[ICC-chrm]",
	"[PNG]", "[PNG-pHYs]", "[RIFF]", "[GIF]", "[Animation]",
}

// banned are words that must not appear in any tag name of a served file.
var banned = []string{"GPS", "XMP", "IPTC", "MakerNote", "Comment", "Serial", "Trailer", "Make", "Model", "Photoshop", "Author", "Creator", "Copyright", "DateTimeOriginal"}

// assertClean writes b to a temp file and fails for any metadata exiftool finds.
func assertClean(t testing.TB, name string, b []byte) {
	t.Helper()
	assertCleanFiles(t, map[string][]byte{name: b})
}

// assertCleanFiles checks several outputs with two exiftool runs (exiftool
// start-up dominates the test time): every tag must pass dirtyLine, and
// -trailer:all must find nothing after the image.
func assertCleanFiles(t testing.TB, files map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	current := ""
	for _, line := range strings.Split(exiftool(t, append([]string{"-a", "-G1", "-s"}, paths...)...), "\n") {
		line = strings.TrimSpace(line)
		if f, ok := strings.CutPrefix(line, "======== "); ok {
			current = filepath.Base(f)
			continue
		}
		if line == "" || strings.HasSuffix(line, "image files read") {
			continue
		}
		if current == "" {
			current = filepath.Base(paths[0])
		}
		if msg := dirtyLine(line); msg != "" {
			t.Errorf("%s: %s: %q", current, msg, line)
		}
	}
	for _, line := range strings.Split(exiftool(t, append([]string{"-a", "-G1", "-s", "-trailer:all"}, paths...)...), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "========") && !strings.HasSuffix(line, "files read") {
			t.Errorf("trailer found: %s", line)
		}
	}
}

// dirtyLine explains why an exiftool line is not acceptable, "" if it is.
func dirtyLine(line string) string {
	group, rest, _ := strings.Cut(line, "]")
	group += "]"
	tag, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
	if strings.HasPrefix(group, "[ICC") {
		// The carried colour profile: its vendor/copyright strings describe
		// the profile (e.g. Apple's Display P3), not the photo or its owner.
		return ""
	}
	for _, w := range banned {
		if strings.Contains(tag, w) && tag != "FileModifyDate" {
			return "banned tag"
		}
	}
	if group == "[IFD0]" && tag != "Orientation" {
		return "IFD0 may hold only Orientation"
	}
	for _, g := range cleanGroups {
		if g == group {
			return ""
		}
	}
	return "group not allowed"
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
		"images/crafted/png_meta.png", "images/crafted/webp_meta.webp", "images/crafted/xmp_only_gps.jpg"} {
		r := &recorder{TB: t}
		assertCleanFiles(r, map[string][]byte{filepath.Base(rel): mustRead(t, rel)})
		if !r.failed {
			t.Errorf("%s: checker found nothing in a dirty file", rel)
		}
	}
}
