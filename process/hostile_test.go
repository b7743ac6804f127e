package process

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// TestPNGBombRefusedWithoutDecode: 12000x12000 is refused from the header;
// the allocation proves no pixel buffer (576 MB) was ever made.
func TestPNGBombRefusedWithoutDecode(t *testing.T) {
	p := mustProcessor(t)
	raw := mustRead(t, "images/hostile/png_144mp_bomb.png")
	var err error
	alloc := allocated(func() { _, err = p.Image(context.Background(), raw) })
	if !errors.Is(err, ErrTooManyPixels) || !Permanent(err) {
		t.Fatalf("err = %v, want too_many_pixels", err)
	}
	if alloc > 4<<20 {
		t.Errorf("allocated %d bytes: the bomb was decoded", alloc)
	}
}

// TestUnsupportedContent: formats we do not accept are refused by content,
// whatever their name says.
func TestUnsupportedContent(t *testing.T) {
	p := mustProcessor(t)
	inputs := map[string][]byte{
		"script.svg":     mustRead(t, "images/hostile/script.svg"),
		"html_named.jpg": mustRead(t, "images/hostile/html_named.jpg"),
		"tiff":           encodeWith(t, func(w *bytes.Buffer, m image.Image) error { return tiff.Encode(w, m, nil) }),
		"bmp":            encodeWith(t, func(w *bytes.Buffer, m image.Image) error { return bmp.Encode(w, m) }),
		"empty":          nil,
	}
	for name, raw := range inputs {
		if f := Detect(raw); f != FormatUnknown {
			t.Errorf("%s: Detect = %q", name, f)
		}
		_, err := p.Image(context.Background(), raw)
		if !errors.Is(err, ErrUnsupportedType) || Reason(err) != "unsupported_type" {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func encodeWith(t *testing.T, enc func(w *bytes.Buffer, m image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := enc(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestInvalidJPEGs: broken files either process clean or fail with a
// reasoned *Error; never a panic, never a hang.
func TestInvalidJPEGs(t *testing.T) {
	p := mustProcessor(t)
	for _, path := range fixtures(t, "images/invalid") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw := mustRead(t, "images/invalid/"+filepath.Base(path))
			within(t, 30*time.Second, func() {
				res, err := p.Image(context.Background(), raw)
				var e *Error
				switch {
				case err == nil:
					assertClean(t, "original.jpg", res.Original)
				case !errors.As(err, &e) || e.Reason == ReasonInternal:
					t.Errorf("err = %v, want a reasoned *Error", err)
				default:
					t.Logf("refused: %v", err)
				}
			})
		})
	}
}

// TestTruncatedInputs: every prefix of a real JPEG, PNG, WebP fails cleanly.
func TestTruncatedInputs(t *testing.T) {
	p := mustProcessor(t)
	for _, rel := range []string{"images/gps/DSCN0010.jpg", "images/crafted/png_meta.png", "images/crafted/webp_meta.webp"} {
		raw := mustRead(t, rel)
		for _, n := range []int{3, 20, 100, 700, len(raw) / 2, len(raw) - 3} {
			if _, err := p.Image(context.Background(), raw[:n]); err == nil || Reason(err) == ReasonInternal {
				t.Errorf("%s[:%d]: err = %v", rel, n, err)
			}
		}
	}
}

// TestGIFWithTruncatedColourTableIsCorrupt: a 24-byte GIF whose image
// descriptor announces a local colour table past the end of the file used
// to make the block scanner slice past the end and panic the worker.
func TestGIFWithTruncatedColourTableIsCorrupt(t *testing.T) {
	raw := mustRead(t, "images/hostile/gif_24b_truncated_colour_table.gif")
	var out bytes.Buffer
	if err := StripGIF(&out, raw); Reason(err) != ReasonCorrupt {
		t.Errorf("StripGIF: %v, want corrupt", err)
	}
	if _, err := mustProcessor(t).Image(context.Background(), raw); Reason(err) != ReasonCorrupt {
		t.Errorf("Image: %v, want corrupt", err)
	}
}

// TestAPanickingStepFailsCorrupt: whatever step of the image pipeline
// panics on hostile bytes, the item fails "corrupt" and the worker lives.
func TestAPanickingStepFailsCorrupt(t *testing.T) {
	saved := imagePipeline
	t.Cleanup(func() { imagePipeline = saved })
	for i := range saved {
		imagePipeline = append([]step(nil), saved...)
		imagePipeline[i] = func(*Processor, context.Context, *imageJob) error {
			var b []byte
			_ = b[7] // an index a hostile length made out of range
			return nil
		}
		_, err := mustProcessor(t).Image(context.Background(), mustRead(t, "images/gps/DSCN0010.jpg"))
		if Reason(err) != ReasonCorrupt {
			t.Errorf("panic in step %d: %v, want corrupt", i, err)
		}
	}
}
