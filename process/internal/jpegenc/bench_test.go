package jpegenc

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"math/rand"
	"testing"
)

// preview is a 1440x1080 4:2:0 image with photo-like content: smooth
// gradients plus mild noise.
func preview() *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, 1440, 1080), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewSource(1))
	for i := range m.Y {
		m.Y[i] = byte(i%1440/8 + rng.Intn(24))
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = byte(100+rng.Intn(8)), byte(150+i%720/32)
	}
	return m
}

func BenchmarkEncodePreview(b *testing.B) {
	m := preview()
	for b.Loop() {
		if err := Encode(io.Discard, m, &Options{Quality: 82}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodePreviewImageJPEG(b *testing.B) {
	m := preview()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 82}); err != nil {
			b.Fatal(err)
		}
	}
}
