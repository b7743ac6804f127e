package process

import (
	"context"
	"errors"
	"os"
	"testing"
)

// TestHEICServedAsJPEG: a HEIC with GPS and MakerNotes (made with heif-enc
// from a gps/ sample) is served as a clean full-size JPEG.
func TestHEICServedAsJPEG(t *testing.T) {
	raw, err := os.ReadFile("testdata/gps.heic")
	if err != nil {
		t.Fatal(err)
	}
	if f := Detect(raw); f != FormatHEIC {
		t.Fatalf("Detect = %q", f)
	}
	if w, h, err := heicSize(raw); err != nil || w != 640 || h != 480 {
		t.Fatalf("heicSize = %d, %d, %v", w, h, err)
	}
	res, err := mustProcessor(t).Image(context.Background(), raw)
	if err != nil {
		t.Fatalf("Image: %v (needs heif-convert from libheif-examples)", err)
	}
	if res.OriginalType != "image/jpeg" || !isJPEG(res.Original) || res.Width != 640 || res.Height != 480 {
		t.Errorf("original %s %dx%d", res.OriginalType, res.Width, res.Height)
	}
	assertCleanFiles(t, map[string][]byte{"original.jpg": res.Original, "preview.jpg": res.Preview})
}

// TestHEICLimitsBeforeConvert: the declared size is checked before any
// external decoder runs.
func TestHEICLimitsBeforeConvert(t *testing.T) {
	raw, err := os.ReadFile("testdata/gps.heic")
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.MaxPixels = 640*480 - 1
	o.HeifConvertPath = "/nonexistent/heif-convert" // would fail as internal if reached
	p, _ := New(o)
	if _, err := p.Image(context.Background(), raw); !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("err = %v, want too_many_pixels", err)
	}
	if _, _, err := heicSize(raw[:40]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("truncated: err = %v, want corrupt", err)
	}
}
