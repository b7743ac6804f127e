package jpegdec

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeScaled: on any input no scale panics, and every scale fails
// exactly when the full decode fails (the entropy decoding and the checks
// are shared), else returns ceil(size/denom).
func FuzzDecodeScaled(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.jpeg")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width*cfg.Height > 1<<22 {
			return // a mutated header may declare 65535x65535
		}
		full, fullErr := Decode(bytes.NewReader(b))
		for _, d := range []int{2, 4, 8} {
			m, err := DecodeScaled(bytes.NewReader(b), d)
			if (err == nil) != (fullErr == nil) {
				t.Fatalf("1/%d: err = %v, full decode: %v", d, err, fullErr)
			}
			if err != nil {
				continue
			}
			fb := full.Bounds()
			if want := image.Rect(0, 0, (fb.Dx()+d-1)/d, (fb.Dy()+d-1)/d); m.Bounds() != want {
				t.Fatalf("1/%d: bounds %v, want %v", d, m.Bounds(), want)
			}
		}
	})
}
