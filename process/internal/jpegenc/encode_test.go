package jpegenc

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand"
	"os"
	"testing"
)

// TestEncodeIsImageJPEG: the copy writes exactly the bytes of the standard
// library, on every path (4:2:0 shortcut, other YCbCr, RGBA, gray,
// generic), at odd sizes and extreme qualities. Noise drives the DCT to its
// largest coefficients, where a rounding slip in quantize would show.
func TestEncodeIsImageJPEG(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var imgs []image.Image
	for _, r := range []image.Rectangle{image.Rect(0, 0, 1, 1), image.Rect(0, 0, 17, 9), image.Rect(0, 0, 64, 48),
		image.Rect(0, 0, 33, 35), image.Rect(1, 3, 40, 30), image.Rect(2, 4, 41, 31)} {
		for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio444} {
			m := image.NewYCbCr(r, ratio)
			rng.Read(m.Y)
			rng.Read(m.Cb)
			rng.Read(m.Cr)
			imgs = append(imgs, m, smooth(m))
		}
		rgba, gray, nrgba := image.NewRGBA(r), image.NewGray(r), image.NewNRGBA(r)
		rng.Read(rgba.Pix)
		rng.Read(gray.Pix)
		rng.Read(nrgba.Pix)
		imgs = append(imgs, rgba, gray, nrgba)
	}
	imgs = append(imgs, photo(t))
	for i, m := range imgs {
		for _, q := range []int{1, 50, 82, 100} {
			var want, got bytes.Buffer
			if err := jpeg.Encode(&want, m, &jpeg.Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			if err := Encode(&got, m, &Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("image %d (%T %v) at quality %d: bytes differ from image/jpeg", i, m, m.Bounds(), q)
			}
		}
	}
}

// smooth returns a gradient in the layout of m: real images are mostly
// low frequencies, noise is all high ones.
func smooth(m *image.YCbCr) *image.YCbCr {
	out := image.NewYCbCr(m.Rect, m.SubsampleRatio)
	for i := range out.Y {
		out.Y[i] = byte(i * 7)
	}
	for i := range out.Cb {
		out.Cb[i], out.Cr[i] = byte(i*3), byte(255-i)
	}
	return out
}

// photo is a real 4:2:0 photo from the repository's fixtures.
func photo(t *testing.T) image.Image {
	t.Helper()
	b, err := os.ReadFile("../../../testdata/images/gps/DSCN0010.jpg")
	if err != nil {
		t.Fatal(err)
	}
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestQuantizeIsDivision checks quantize's multiply against the division
// for every quantizer and every numerator below 2^16.
func TestQuantizeIsDivision(t *testing.T) {
	var e encoder
	for q := 1; q <= 255; q++ {
		e.quant[0][0] = uint8(q)
		e.recip[0][0] = reciprocal(8 * q)
		d := int32(8 * q)
		for a := int32(-1 << 15); a < 1<<15; a++ {
			want := (a + d>>1) / d
			if a < 0 {
				want = -((-a + d>>1) / d)
			}
			if got := e.quantize(a, 0, 0); got != want {
				t.Fatalf("quantize(%d) by %d = %d, want %d", a, d, got, want)
			}
		}
	}
}
