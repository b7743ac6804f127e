package process

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestVideoFixtures: the remuxed output carries no location or device
// metadata (exiftool), passes our box walker while the input fails it, and
// has a duration and poster derivatives.
func TestVideoFixtures(t *testing.T) {
	p := mustProcessor(t)
	for _, name := range []string{"location_udta.mp4", "location_apple_keys.mov"} {
		t.Run(name, func(t *testing.T) {
			in := fixture(t, "video/"+name)
			if err := checkBoxesFile(t, in); !errors.Is(err, ErrStripFailed) {
				t.Errorf("box walker on the input: err = %v, want strip_failed (it must detect)", err)
			}
			out := filepath.Join(t.TempDir(), "out.mp4")
			res, err := p.Video(context.Background(), in, out)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkBoxesFile(t, out); err != nil {
				t.Errorf("box walker on the output: %v", err)
			}
			if res.DurationMS <= 0 || res.Width <= 0 || res.Height <= 0 {
				t.Errorf("result %+v", res)
			}
			video, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{"original.mp4": video}
			for n, b := range map[string][]byte{"poster": res.Poster, "thumb": res.Thumb, "preview": res.Preview, "card": res.Card} {
				if !isJPEG(b) {
					t.Fatalf("%s missing", n)
				}
				files[n+".jpg"] = b
			}
			assertCleanFiles(t, files)
			if res.Placeholder == "" {
				t.Error("no placeholder")
			}
		})
	}
}

// TestVideoRotationKept: a portrait phone clip (display matrix 90°) keeps
// its rotation through the remux, reports display size, and its poster is
// upright.
func TestVideoRotationKept(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "rot.mp4")
	mustRun(t, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=2",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-metadata", "location=+48.8577+002.2950/", src)
	mustRun(t, "exiftool", "-q", "-overwrite_original", "-Rotation=90", src)

	res, err := mustProcessor(t).Video(context.Background(), src, filepath.Join(dir, "out.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rotation != 90 || res.Width != 240 || res.Height != 320 {
		t.Errorf("rotation %d size %dx%d, want 90 and 240x320", res.Rotation, res.Width, res.Height)
	}
	if b := mustDecode(t, res.Poster).Bounds(); b.Dx() != 240 || b.Dy() != 320 {
		t.Errorf("poster is %v, want upright 240x320", b.Size())
	}
}

// TestVideoRejects: non-video content and a missing ffmpeg give the right
// reasons (a missing tool is not the input's fault).
func TestVideoRejects(t *testing.T) {
	dir := t.TempDir()
	notVideo := filepath.Join(dir, "x.mp4")
	os.WriteFile(notVideo, []byte("<html>hello</html>"), 0o600)
	p := mustProcessor(t)
	if _, err := p.Video(context.Background(), notVideo, filepath.Join(dir, "o.mp4")); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("html: err = %v", err)
	}
	o := DefaultOptions()
	o.FFprobePath = "/nonexistent/ffprobe"
	q, _ := New(o)
	out := filepath.Join(dir, "o.mp4")
	_, err := q.Video(context.Background(), fixture(t, "video/location_udta.mp4"), out)
	if err == nil || Permanent(err) {
		t.Errorf("missing ffprobe: err = %v, want a transient error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.Video(ctx, fixture(t, "video/location_udta.mp4"), out)
	if !errors.Is(err, context.Canceled) || Permanent(err) {
		t.Errorf("cancelled: err = %v", err)
	}
	if _, statErr := os.Stat(out); statErr == nil {
		t.Error("output left behind after failure")
	}
}

func checkBoxesFile(t *testing.T, path string) error {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	return CheckVideoBoxes(f, fi.Size())
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// TestVideoSEIIsRemoved: text inside the video bitstream (SEI user data:
// a GPS fix and a serial number planted with h264_metadata, x264's and
// x265's encoder settings) does not survive the remux, and our own NAL
// reader, which sees it in the inputs, finds no SEI unit in the outputs.
func TestVideoSEIIsRemoved(t *testing.T) {
	p := mustProcessor(t)
	for name, planted := range map[string][]string{
		"sei_gps_serial.mp4": {"GPS_31.2304N_121.4737E_SN_ZX81-77", "x264 - core"},
		"hevc_x265.mp4":      {"x265 (build"},
		"location_udta.mp4":  {"x264 - core"},
	} {
		t.Run(name, func(t *testing.T) {
			in := fixture(t, "video/"+name)
			raw := mustRead(t, "video/"+name)
			for _, s := range planted {
				if !bytes.Contains(raw, []byte(s)) {
					t.Fatalf("fixture lacks %q: the test is blind", s)
				}
			}
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := f.Stat()
			if err := CheckVideoSEI(f, fi.Size()); !errors.Is(err, ErrStripFailed) {
				t.Errorf("NAL reader on the input: %v, want strip_failed (it must see the SEI)", err)
			}
			f.Close()
			out := filepath.Join(t.TempDir(), "out.mp4")
			if _, err := p.Video(context.Background(), in, out); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range planted {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("output still carries %q", s)
				}
			}
			if err := CheckVideoSEI(bytes.NewReader(b), int64(len(b))); err != nil {
				t.Errorf("NAL reader on the output: %v", err)
			}
		})
	}
}
