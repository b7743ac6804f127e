package process

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"path/filepath"
	"testing"

	"github.com/disintegration/imaging"
)

// The quality bounds, per derivative, against the old path (oldDerivatives:
// full-size image/jpeg decode, RGB resizing with Box, RGBA encoding):
//
//   - fidelity: the PSNR over R, G and B against an ideal downscale (the
//     full-size decode, upright, cropped for the card, one Lanczos step) is
//     at most maxFidelityLoss below the old path's. This separates "as good,
//     made differently" from "worse": a DCT-domain 1/2 decode drops fine
//     detail that a box average folds back, so on the 600x450 foliage
//     samples at 1/2 old and new differ by 27 dB yet the new is 2 dB closer
//     to the ideal; a 3x3 blur of the phone preview ends 1.1 dB below the
//     old path, a one-pixel shift 6 dB (TestQualityCheckSeesABlur).
//   - closeness, at the default sizes: luma PSNR against the old derivative
//     at least minLumaPSNR and mean absolute difference per channel at most
//     maxMAD (measured worst: 37.1 dB and 3.1, the phone photo's thumb,
//     where Linear replaced Box as the big step).
const (
	maxFidelityLoss = 0.5 // dB
	minLumaPSNR     = 35  // dB
	maxMAD          = 4.0 // of 255
)

// TestDerivativesKeepTheirQuality: Image makes derivatives of exactly the
// old sizes, within the bounds above. The phone photos decode at 1/2; the
// orientation samples (4:2:0 and 4:4:4, all eight orientations) decode in
// full at the default sizes and are run again with small derivative sizes
// so that they decode at 1/2 too; the gray photo is a phone photo's luma.
// go test -v prints every measure.
func TestDerivativesKeepTheirQuality(t *testing.T) {
	small := DefaultOptions()
	small.PreviewLongEdge, small.ThumbShortEdge, small.CardWidth, small.CardHeight = 280, 100, 150, 120
	type sample struct {
		name  string
		raw   []byte
		o     Options
		small bool // o is small: no closeness bounds
	}
	samples := []sample{
		{"iphone_hdr_NO.jpg", mustRead(t, "images/phone/iphone_hdr_NO.jpg"), DefaultOptions(), false},
		{"jolla.jpg", mustRead(t, "images/phone/jolla.jpg"), DefaultOptions(), false},
		{"iphone_hdr_NO.jpg gray", grayJPEG(t, mustRead(t, benchPhoto)), DefaultOptions(), false},
	}
	for _, path := range fixtures(t, "images/orientation") {
		raw := mustRead(t, "images/orientation/"+filepath.Base(path))
		samples = append(samples, sample{filepath.Base(path), raw, DefaultOptions(), false},
			sample{filepath.Base(path) + " small", raw, small, true})
	}
	for _, s := range samples {
		p, err := New(s.o)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Image(context.Background(), s.raw)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		old, full := oldDerivatives(t, s.o, s.raw), uprightDecode(t, s.raw)
		for _, d := range []struct {
			name string
			got  []byte
		}{{"preview", res.Preview}, {"thumb", res.Thumb}, {"card", res.Card}} {
			name := s.name + " " + d.name
			got := mustDecode(t, d.got)
			if got.Bounds() != old[d.name].Bounds() {
				t.Errorf("%s: size %v, the old path made %v", name, got.Bounds().Size(), old[d.name].Bounds().Size())
				continue
			}
			ref := ideal(full, s.o, d.name, got.Bounds().Size())
			for _, e := range qualityErrors(t, name, ref, old[d.name], got, !s.small) {
				t.Error(e)
			}
		}
	}
}

// qualityErrors measures got against the old derivative and the ideal
// one, logs the measures, and returns the bounds it breaks.
func qualityErrors(t *testing.T, name string, ideal, old, got image.Image, closeness bool) []string {
	t.Helper()
	oldFid, fid := rgbPSNR(ideal, old), rgbPSNR(ideal, got)
	psnr, mad := lumaPSNR(old, got), channelMAD(old, got)
	t.Logf("%-26s %4dx%-4d vs old: luma %5.1f dB, MAD %.2f %.2f %.2f | vs ideal: old %5.2f dB, new %5.2f dB",
		name, got.Bounds().Dx(), got.Bounds().Dy(), psnr, mad[0], mad[1], mad[2], oldFid, fid)
	var errs []string
	if fid < oldFid-maxFidelityLoss {
		errs = append(errs, fmt.Sprintf("%s: %.2f dB from the ideal downscale, the old path %.2f dB", name, fid, oldFid))
	}
	if !closeness {
		return errs
	}
	if psnr < minLumaPSNR {
		errs = append(errs, fmt.Sprintf("%s: luma PSNR %.1f dB against the old path, want >= %d", name, psnr, minLumaPSNR))
	}
	for c, m := range mad {
		if m > maxMAD {
			errs = append(errs, fmt.Sprintf("%s: channel %d differs from the old path by %.2f on average, want <= %.1f", name, c, m, maxMAD))
		}
	}
	return errs
}

// TestQualityCheckSeesABlur: the bounds fail a preview blurred by a 3x3
// box and one shifted by a pixel, so passing them means something.
func TestQualityCheckSeesABlur(t *testing.T) {
	raw := mustRead(t, benchPhoto)
	res, err := mustProcessor(t).Image(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	got := imaging.Clone(mustDecode(t, res.Preview))
	old := oldDerivatives(t, DefaultOptions(), raw)["preview"]
	ref := ideal(uprightDecode(t, raw), DefaultOptions(), "preview", got.Bounds().Size())
	blurred := imaging.Convolve3x3(got, [9]float64{1, 1, 1, 1, 1, 1, 1, 1, 1}, &imaging.ConvolveOptions{Normalize: true})
	b := got.Bounds()
	shifted := imaging.Paste(imaging.Clone(got), imaging.Crop(got, image.Rect(1, 0, b.Dx(), b.Dy())), image.Point{})
	for name, bad := range map[string]image.Image{"blurred": blurred, "shifted": shifted} {
		if len(qualityErrors(t, name, ref, old, bad, true)) == 0 {
			t.Errorf("a %s preview passes the quality bounds", name)
		}
	}
}

// uprightDecode is raw decoded in full by image/jpeg and turned upright.
func uprightDecode(t *testing.T, raw []byte) *image.NRGBA {
	t.Helper()
	o, err := ReadOrientation(raw)
	if err != nil {
		t.Fatal(err)
	}
	return orient(mustDecode(t, raw), o)
}

// ideal is derivative name of the upright full image made in one Lanczos
// step (the card from its crop): the reference both paths are held to.
func ideal(full *image.NRGBA, o Options, name string, size image.Point) image.Image {
	src := image.Image(full)
	if name == "card" {
		b := full.Bounds()
		src = imaging.Crop(full, o.cropBox(b.Dx(), b.Dy()))
	}
	return imaging.Resize(src, size.X, size.Y, imaging.Lanczos)
}

// oldDerivatives decodes the preview, thumb and card that the old path
// makes of raw: the stripped JPEG decoded in full by image/jpeg, resized
// as NRGBA by deriveRGB (the code every JPEG took up to commit a89366a,
// and other formats still take) and encoded from RGBA by image/jpeg.
func oldDerivatives(t *testing.T, o Options, raw []byte) map[string]image.Image {
	t.Helper()
	orientation, err := ReadOrientation(raw)
	if err != nil {
		t.Fatal(err)
	}
	var stripped bytes.Buffer
	if err := StripJPEG(&stripped, raw, orientation); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(&stripped)
	if err != nil {
		t.Fatal(err)
	}
	d := o.deriveRGB(img, img.Bounds().Dx(), img.Bounds().Dy(), orientation)
	out := map[string]image.Image{}
	for name, m := range map[string]image.Image{"preview": d.preview, "thumb": d.thumb, "card": d.card} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, opaqueRGBA(m.(*image.NRGBA)), &jpeg.Options{Quality: quality(o, name)}); err != nil {
			t.Fatal(err)
		}
		out[name] = mustDecode(t, buf.Bytes())
	}
	return out
}

// quality is the JPEG quality Image uses for a derivative.
func quality(o Options, name string) int {
	if name == "thumb" {
		return o.ThumbQuality
	}
	return o.PreviewQuality
}

// grayJPEG re-encodes the luma of a colour JPEG as a one-component JPEG.
func grayJPEG(t *testing.T, raw []byte) []byte {
	t.Helper()
	y := mustDecode(t, raw).(*image.YCbCr)
	g := &image.Gray{Pix: y.Y, Stride: y.YStride, Rect: y.Rect}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, g, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lumaPSNR is the PSNR of the BT.601 luma of b against a, in dB.
func lumaPSNR(a, b image.Image) float64 {
	var se float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			d := float64(luma(a.At(x, y))) - float64(luma(b.At(x, y)))
			se += d * d
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(r.Dx()*r.Dy())/se)
}

// rgbPSNR is the PSNR of b against a over R, G and B, in dB.
func rgbPSNR(a, b image.Image) float64 {
	var se float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca, cb := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA), color.NRGBAModel.Convert(b.At(x, y)).(color.NRGBA)
			for _, d := range []float64{float64(ca.R) - float64(cb.R), float64(ca.G) - float64(cb.G), float64(ca.B) - float64(cb.B)} {
				se += d * d
			}
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(3*r.Dx()*r.Dy())/se)
}

func luma(c color.Color) uint8 {
	return color.GrayModel.Convert(c).(color.Gray).Y
}

// channelMAD is the mean absolute difference of b against a per R, G, B.
func channelMAD(a, b image.Image) [3]float64 {
	var sum [3]float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca, cb := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA), color.NRGBAModel.Convert(b.At(x, y)).(color.NRGBA)
			sum[0] += math.Abs(float64(ca.R) - float64(cb.R))
			sum[1] += math.Abs(float64(ca.G) - float64(cb.G))
			sum[2] += math.Abs(float64(ca.B) - float64(cb.B))
		}
	}
	n := float64(r.Dx() * r.Dy())
	return [3]float64{sum[0] / n, sum[1] / n, sum[2] / n}
}
