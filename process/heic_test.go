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

// TestHEICThatLiesAboutItsSize: a 15 KB file declaring 100x100 codes an
// 8000x8000 picture. The coded size (read from the SPS, nothing decoded)
// refuses it before the converter runs; and the converter, run on it as if
// it were 100x100, is killed by its resource limits instead of decoding
// 288 MB.
func TestHEICThatLiesAboutItsSize(t *testing.T) {
	raw := mustRead(t, "images/hostile/heic_declares_100_codes_8000.heic")
	if w, h, err := heicSize(raw); err != nil || w != 100 || h != 100 {
		t.Fatalf("declared size %dx%d, %v: the fixture must lie", w, h, err)
	}
	sizes, items, err := heicCodedSizes(raw)
	if err != nil || len(sizes) != 1 || sizes[0] != [2]int{8000, 8000} || items != 1 {
		t.Fatalf("coded sizes %v, items %d, %v; want one 8000x8000 item", sizes, items, err)
	}
	o := DefaultOptions()
	o.HeifConvertPath = "/nonexistent/heif-convert" // reaching it would fail as internal
	p, _ := New(o)
	if _, err := p.Image(context.Background(), raw); Reason(err) != ReasonTooManyPixels {
		t.Errorf("Image: %v, want too_many_pixels (the coded 64 MP) before any conversion", err)
	}
	// With room for 64 MP, the lie itself is refused: coded far past declared.
	o.MaxPixels, o.DecodeBudgetBytes = 100_000_000, 2<<30
	p, _ = New(o)
	if _, err := p.Image(context.Background(), raw); Reason(err) != ReasonCorrupt {
		t.Errorf("Image with a 100 MP limit: %v, want corrupt (declares 100x100, codes 8000x8000)", err)
	}
	// The converter itself is bounded: told 100x100, it may not decode 64 MP.
	if _, err := mustProcessor(t).heicToJPEG(context.Background(), raw, 100, 100); err == nil {
		t.Error("heif-convert decoded 8000x8000 under the limits of a 100x100 image")
	}
	// The honest 640x480 sample converts under its limits.
	honest := mustReadHEIC(t)
	sizes, _, err = heicCodedSizes(honest)
	if err != nil || len(sizes) == 0 || sizes[0][0] > 640+codedSlack || sizes[0][1] > 480+codedSlack {
		t.Errorf("coded sizes of the honest sample: %v, %v", sizes, err)
	}
	if _, err := mustProcessor(t).heicToJPEG(context.Background(), honest, 640, 480); err != nil {
		t.Errorf("the honest sample under its limits: %v", err)
	}
}

func mustReadHEIC(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/gps.heic")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
