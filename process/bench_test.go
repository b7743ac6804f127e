package process

import (
	"bytes"
	"context"
	"image/jpeg"
	"io"
	"testing"

	"github.com/wxalbum/mediad/process/internal/jpegdec"
)

const benchPhoto = "images/phone/iphone_hdr_NO.jpg"

func BenchmarkStripJPEG(b *testing.B) {
	raw := mustRead(b, benchPhoto)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := StripJPEG(io.Discard, raw, 6); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStripPNG(b *testing.B) {
	raw := mustRead(b, "images/crafted/png_meta.png")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := StripPNG(io.Discard, raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadOrientation(b *testing.B) {
	raw := mustRead(b, benchPhoto)
	for b.Loop() {
		if _, err := ReadOrientation(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDerivatives: thumb + preview + card (resize, orient, encode) from
// the 12 MP photo decoded as Image decodes it; the decode is measured
// separately (BenchmarkDecodeScaled12MP).
func BenchmarkDerivatives(b *testing.B) {
	o := DefaultOptions()
	raw := mustRead(b, benchPhoto)
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	w, h := cfg.Width, cfg.Height
	img, err := jpegdec.DecodeScaled(bytes.NewReader(raw), o.jpegDenom(w, h, 1))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		d := o.derive(FormatJPEG, img, w, h, 1)
		encodeJPEG(d.thumb, o.ThumbQuality, nil)
		encodeJPEG(d.preview, o.PreviewQuality, nil)
		encodeJPEG(d.card, o.PreviewQuality, nil)
		placeholder(d.thumb)
	}
}

func BenchmarkDecode12MP(b *testing.B) {
	raw := mustRead(b, benchPhoto)
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeScaled12MP is the decode Image does: at half size, in
// the DCT domain (jpegDenom).
func BenchmarkDecodeScaled12MP(b *testing.B) {
	raw := mustRead(b, benchPhoto)
	for b.Loop() {
		if _, err := jpegdec.DecodeScaled(bytes.NewReader(raw), 2); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImage is the whole pipeline on the 12 MP photo.
func BenchmarkImage(b *testing.B) {
	p := mustProcessor(b)
	raw := mustRead(b, benchPhoto)
	for b.Loop() {
		if _, err := p.Image(context.Background(), raw); err != nil {
			b.Fatal(err)
		}
	}
}
