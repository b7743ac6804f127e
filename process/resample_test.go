package process

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/disintegration/imaging"
)

// TestResampleOpaqueMatchesImaging: the fixed-point resampler draws the
// same picture as imaging.Resize (same taps, rounding apart) for the steps
// the derivatives use, on a real photo.
func TestResampleOpaqueMatchesImaging(t *testing.T) {
	img, err := jpeg.Decode(bytes.NewReader(mustRead(t, benchPhoto)))
	if err != nil {
		t.Fatal(err)
	}
	src := imaging.Resize(img, 1000, 750, imaging.Box) // keep the test quick
	cases := []struct {
		name string
		w, h int
		f    imaging.ResampleFilter
	}{
		{"box, ratio 1.4", 720, 540, imaging.Box},
		{"box, integer ratio 2", 500, 375, imaging.Box},
		{"catmull-rom, ratio 3.1", 320, 240, imaging.CatmullRom},
		{"catmull-rom, one axis", 1000, 600, imaging.CatmullRom},
		{"catmull-rom, up", 1200, 900, imaging.CatmullRom},
	}
	for _, c := range cases {
		want := imaging.Resize(src, c.w, c.h, c.f)
		got := resampleOpaque(src, c.w, c.h, c.f)
		if got.Rect != want.Rect {
			t.Fatalf("%s: size %v, want %v", c.name, got.Rect, want.Rect)
		}
		worst, sum := 0, 0
		for i := range want.Pix {
			d := max(int(want.Pix[i])-int(got.Pix[i]), int(got.Pix[i])-int(want.Pix[i]))
			worst, sum = max(worst, d), sum+d
		}
		if mean := float64(sum) / float64(len(want.Pix)); worst > 2 || mean > 0.01 {
			t.Errorf("%s: differs from imaging.Resize by up to %d (mean %.4f); want rounding only", c.name, worst, mean)
		}
	}
}

// TestResampleKeepsFlatAreasExact: weights sum to exactly one in fixed
// point, so a flat colour stays that colour (no drift, no banding at edges).
func TestResampleKeepsFlatAreasExact(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 97, 61))
	c := color.NRGBA{R: 201, G: 37, B: 255, A: 255}
	for i := 0; i < len(src.Pix); i += 4 {
		src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	for _, f := range []imaging.ResampleFilter{imaging.Box, imaging.CatmullRom} {
		out := resampleOpaque(src, 30, 19, f)
		for y := 0; y < 19; y++ {
			for x := 0; x < 30; x++ {
				if got := out.NRGBAAt(x, y); got != c {
					t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, c)
				}
			}
		}
	}
}

// TestResizeKeepsTransparentImagesOnImaging: an image with alpha is not
// opaque, so resize takes imaging's alpha-weighted path and keeps alpha.
func TestResizeKeepsTransparentImagesOnImaging(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	src.Pix[3] = 0x80
	if isOpaque(src) {
		t.Fatal("isOpaque ignores a transparent pixel")
	}
	out := resize(src, 20, 20, imaging.Box)
	if out.Pix[3] == 0xFF {
		t.Fatal("alpha lost: a transparent image went through the opaque resampler")
	}
	src.Pix[3] = 0xFF
	for i := 3; i < len(src.Pix); i += 4 {
		src.Pix[i] = 0xFF
	}
	if !isOpaque(src) {
		t.Fatal("isOpaque rejects an opaque image")
	}
}
