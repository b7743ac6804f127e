package process

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestShrink2x420MatchesGeneralPath: the fast path for halving a 4:2:0
// image gives exactly the general block average's pixels.
func TestShrink2x420MatchesGeneralPath(t *testing.T) {
	for _, size := range []image.Point{{64, 48}, {65, 49}, {2, 2}, {3, 7}} {
		src := image.NewYCbCr(image.Rect(0, 0, size.X, size.Y), image.YCbCrSubsampleRatio420)
		rng := rand.New(rand.NewSource(int64(size.X*100 + size.Y)))
		rng.Read(src.Y)
		rng.Read(src.Cb)
		rng.Read(src.Cr)
		fast, ok := shrinkYCbCr(src, 2)
		if !ok {
			t.Fatalf("%v: fast path refused", size)
		}
		w, h := size.X/2, size.Y/2
		want := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yy, cb, cr := blockAverage(src, 2*x, 2*y, 2, 2, 2)
				r, g, b := color.YCbCrToRGB(yy, cb, cr)
				i := want.PixOffset(x, y)
				want.Pix[i], want.Pix[i+1], want.Pix[i+2], want.Pix[i+3] = r, g, b, 0xFF
			}
		}
		if diff := cmp.Diff(want.Pix, fast.Pix); diff != "" {
			t.Errorf("%v: fast path differs from the general one", size)
		}
	}
}
