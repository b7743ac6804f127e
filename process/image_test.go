package process

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"path/filepath"
	"testing"
)

// TestImageFixturesClean: every real and crafted photo processes, and the
// original and every derivative are clean according to exiftool.
func TestImageFixturesClean(t *testing.T) {
	p := mustProcessor(t)
	for _, dir := range []string{"images/gps", "images/orientation", "images/phone", "images/crafted"} {
		for _, path := range fixtures(t, dir) {
			name := dir[len("images/"):] + "_" + filepath.Base(path)
			t.Run(name, func(t *testing.T) {
				raw := mustRead(t, dir+"/"+filepath.Base(path))
				res, err := p.Image(context.Background(), raw)
				if err != nil {
					t.Fatalf("Image: %v", err)
				}
				files := map[string][]byte{"original" + filepath.Ext(path): res.Original}
				for n, b := range map[string][]byte{"thumb": res.Thumb, "preview": res.Preview, "card": res.Card} {
					if !isJPEG(b) {
						t.Fatalf("%s is not a JPEG", n)
					}
					files[n+".jpg"] = b
				}
				assertCleanFiles(t, files)
				if res.Width <= 0 || res.Height <= 0 || res.Placeholder == "" {
					t.Errorf("size %dx%d placeholder %q", res.Width, res.Height, res.Placeholder)
				}
			})
		}
	}
}

// TestStripJPEGPixelsIdentical: the stripped JPEG decodes to exactly the
// pixels of the input, because the entropy-coded data is copied verbatim.
func TestStripJPEGPixelsIdentical(t *testing.T) {
	for _, dir := range []string{"images/gps", "images/orientation", "images/phone", "images/crafted"} {
		for _, path := range fixtures(t, dir) {
			if filepath.Ext(path) != ".jpg" {
				continue
			}
			raw := mustRead(t, dir+"/"+filepath.Base(path))
			var out bytes.Buffer
			if err := StripJPEG(&out, raw, 6); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			a, errA := jpeg.Decode(bytes.NewReader(raw))
			b, errB := jpeg.Decode(bytes.NewReader(out.Bytes()))
			if errA != nil || errB != nil {
				t.Fatalf("%s: decode %v / %v", path, errA, errB)
			}
			if !samePixels(a, b) {
				t.Errorf("%s: stripped pixels differ", path)
			}
			if o, _ := ReadOrientation(out.Bytes()); o != 6 {
				t.Errorf("%s: written-back orientation = %d, want 6", path, o)
			}
		}
	}
}

// samePixels compares two decoded JPEGs exactly.
func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	switch x := a.(type) {
	case *image.YCbCr:
		y, ok := b.(*image.YCbCr)
		return ok && bytes.Equal(x.Y, y.Y) && bytes.Equal(x.Cb, y.Cb) && bytes.Equal(x.Cr, y.Cr)
	case *image.Gray:
		y, ok := b.(*image.Gray)
		return ok && bytes.Equal(x.Pix, y.Pix)
	case *image.CMYK:
		y, ok := b.(*image.CMYK)
		return ok && bytes.Equal(x.Pix, y.Pix)
	}
	return false
}
