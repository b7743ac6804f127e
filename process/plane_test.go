package process

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math/rand"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/google/go-cmp/cmp"
)

func randomPlane(rng *rand.Rand, w, h int) plane {
	p := newPlane(w, h)
	rng.Read(p.pix)
	return p
}

// TestShrinkPlaneIsBlockAverage: the multiply-by-reciprocal average is the
// rounded block mean, for every factor the resampler uses.
func TestShrinkPlaneIsBlockAverage(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for k := 2; k <= maxShrink; k++ {
		p := randomPlane(rng, 5*k+k/2, 3*k+1)
		for i := 0; i < k*k; i++ { // one all-white block: the largest sum
			p.pix[(i/k)*p.stride+i%k] = 255
		}
		got := shrinkPlane(p, k)
		for oy := 0; oy < got.h; oy++ {
			for ox := 0; ox < got.w; ox++ {
				sum := 0
				for y := oy * k; y < oy*k+k; y++ {
					for x := ox * k; x < ox*k+k; x++ {
						sum += int(p.pix[y*p.stride+x])
					}
				}
				if want := uint8((sum + k*k/2) / (k * k)); got.row(oy)[ox] != want {
					t.Fatalf("k=%d (%d,%d): %d, want %d", k, ox, oy, got.row(oy)[ox], want)
				}
			}
		}
	}
}

// TestOrientPlaneIsOrient: every orientation turns a plane exactly as
// orient turns an image.
func TestOrientPlaneIsOrient(t *testing.T) {
	p := randomPlane(rand.New(rand.NewSource(2)), 7, 4)
	gray := &image.Gray{Pix: p.pix, Stride: p.stride, Rect: image.Rect(0, 0, p.w, p.h)}
	for o := 1; o <= 8; o++ {
		want := orient(gray, o)
		got := orientYCC(grayYCC(p), o).y
		if got.w != want.Rect.Dx() || got.h != want.Rect.Dy() {
			t.Fatalf("orientation %d: %dx%d, want %v", o, got.w, got.h, want.Rect.Size())
		}
		for y := 0; y < got.h; y++ {
			for x := 0; x < got.w; x++ {
				if v := want.Pix[want.PixOffset(x, y)]; got.row(y)[x] != v {
					t.Fatalf("orientation %d (%d,%d): %d, want %d", o, x, y, got.row(y)[x], v)
				}
			}
		}
	}
}

// TestResizeYCCLumaIsRGBResize: on a gray picture the plane resampler and
// the RGB one compute the same taps, so the luma equals the RGB result.
// (The source divides by the box factor: where it does not, the plane
// resampler keeps the exact geometry of the dropped remainder and the RGB
// path stretches the shrunk image over it, a difference of 1 at most.)
func TestResizeYCCLumaIsRGBResize(t *testing.T) {
	p := randomPlane(rand.New(rand.NewSource(3)), 300, 210)
	rgb := imaging.Clone(&image.Gray{Pix: p.pix, Stride: p.stride, Rect: image.Rect(0, 0, p.w, p.h)})
	for _, c := range []struct {
		w, h int
		f    imaging.ResampleFilter
	}{{270, 190, imaging.Box}, {200, 150, imaging.Linear}, {96, 60, imaging.CatmullRom}, {300, 210, imaging.CatmullRom}} {
		got := resizeYCC(grayYCC(p), whole(grayYCC(p)), c.w, c.h, c.f).y
		var want *image.NRGBA
		if k := min(p.w/c.w, p.h/c.h, maxShrink); k >= 2 {
			want = resampleOpaque(shrinkRGB(rgb, k), c.w, c.h, c.f)
		} else {
			want = resize(rgb, c.w, c.h, c.f)
		}
		for y := 0; y < c.h; y++ {
			for x := 0; x < c.w; x++ {
				if v := want.Pix[want.PixOffset(x, y)]; got.row(y)[x] != v {
					t.Fatalf("%dx%d (%d,%d): %d, RGB path %d", c.w, c.h, x, y, got.row(y)[x], v)
				}
			}
		}
	}
}

// shrinkRGB is shrinkPlane on the red channel of an opaque gray image.
func shrinkRGB(m *image.NRGBA, k int) *image.NRGBA {
	r := plane{pix: make([]byte, m.Rect.Dx()*m.Rect.Dy()), stride: m.Rect.Dx(), w: m.Rect.Dx(), h: m.Rect.Dy()}
	for i := range r.pix {
		r.pix[i] = m.Pix[4*i]
	}
	s := shrinkPlane(r, k)
	return imaging.Clone(&image.Gray{Pix: s.pix, Stride: s.stride, Rect: image.Rect(0, 0, s.w, s.h)})
}

// TestJPEGDenom: the decode scale keeps every derivative covered.
func TestJPEGDenom(t *testing.T) {
	o := DefaultOptions()
	cases := []struct{ w, h, orientation, want int }{
		{3264, 2448, 1, 2}, {4032, 3024, 1, 2}, {3024, 4032, 6, 2}, {6000, 4000, 1, 4},
		{12000, 9000, 1, 8}, {2000, 1500, 1, 1}, {10000, 1000, 1, 2}, {200, 100, 1, 1},
	}
	var got []int
	var want []int
	for _, c := range cases {
		got, want = append(got, o.jpegDenom(c.w, c.h, c.orientation)), append(want, c.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("jpegDenom (-want +got):\n%s", diff)
	}
}

// TestPlanePathSizes: JPEGs, which take the plane path, get the sizes
// TestDerivativeSizes asks of the RGB path, upright under orientation 6
// too; 10000x1000 decodes at 1/2 and takes both fallbacks (thumb and card
// from the decode, not the preview).
func TestPlanePathSizes(t *testing.T) {
	type sizes struct{ Thumb, Preview, Card image.Point }
	cases := []struct {
		w, h, orientation int
		want              sizes
	}{
		{3264, 2448, 1, sizes{image.Pt(427, 320), image.Pt(1440, 1080), image.Pt(500, 400)}},
		{3264, 2448, 6, sizes{image.Pt(320, 427), image.Pt(1080, 1440), image.Pt(500, 400)}},
		{200, 100, 1, sizes{image.Pt(200, 100), image.Pt(200, 100), image.Pt(125, 100)}},
		{10000, 1000, 1, sizes{image.Pt(3200, 320), image.Pt(1440, 144), image.Pt(500, 400)}},
		{10000, 1000, 6, sizes{image.Pt(320, 3200), image.Pt(144, 1440), image.Pt(500, 400)}},
	}
	p := mustProcessor(t)
	for _, c := range cases {
		res, err := p.Image(context.Background(), jpegOf(t, c.w, c.h, c.orientation))
		if err != nil {
			t.Fatal(err)
		}
		got := sizes{size(t, res.Thumb), size(t, res.Preview), size(t, res.Card)}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%dx%d orientation %d (-want +got):\n%s", c.w, c.h, c.orientation, diff)
		}
	}
}

// jpegOf is a w x h gradient JPEG carrying EXIF orientation o.
func jpegOf(t *testing.T, w, h, o int) []byte {
	t.Helper()
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = byte(i % w * 255 / w)
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = 100, 160
	}
	var raw, out bytes.Buffer
	if err := jpeg.Encode(&raw, m, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	if err := StripJPEG(&out, raw.Bytes(), o); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestRGBPathFromAReducedDecode: a JPEG the plane path does not take
// (CMYK) is decoded at 1/2 as well; the RGB path sizes its derivatives
// from the stored size, not the decode's, fallbacks included.
func TestRGBPathFromAReducedDecode(t *testing.T) {
	o := DefaultOptions()
	const w, h = 10000, 1000
	src := image.NewCMYK(image.Rect(0, 0, w/o.jpegDenom(w, h, 1), h/o.jpegDenom(w, h, 1)))
	if src.Rect.Dx() == w {
		t.Fatal("not a reduced decode")
	}
	d := o.derive(FormatJPEG, src, w, h, 1)
	got := []image.Point{d.thumb.Bounds().Size(), d.preview.Bounds().Size(), d.card.Bounds().Size()}
	want := []image.Point{{3200, 320}, {1440, 144}, {500, 400}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("thumb, preview, card (-want +got):\n%s", diff)
	}
}
