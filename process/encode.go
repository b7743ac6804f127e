package process

import (
	"bytes"
	"image"

	"github.com/wxalbum/mediad/process/internal/jpegenc"
)

// encodeJPEG encodes img (*image.NRGBA or *image.YCbCr, the derivatives'
// types) as a metadata-free baseline JPEG, with image/jpeg's encoder
// (jpegenc: the same bytes, a 4:2:0 image read straight from its planes).
// When icc is an RGB profile it is embedded as APP2 chunks so wide-gamut
// sources (Display P3) are not shown washed out; no other metadata is
// ever written.
func encodeJPEG(img image.Image, quality int, icc []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(img.Bounds().Dx() * img.Bounds().Dy() / 4)
	if n, ok := img.(*image.NRGBA); ok {
		img = opaqueRGBA(n)
	}
	if err := jpegenc.Encode(&buf, img, &jpegenc.Options{Quality: quality}); err != nil {
		return nil, errorf(ReasonInternal, err, "jpeg encode")
	}
	segs := iccSegments(icc)
	if segs == nil {
		return buf.Bytes(), nil
	}
	out := make([]byte, 0, buf.Len()+len(segs))
	out = append(out, 0xFF, mSOI)
	out = append(out, segs...)
	return append(out, buf.Bytes()[2:]...), nil
}

// opaqueRGBA composites img over white and returns it as *image.RGBA. JPEG
// has no alpha, and the encoder has fast paths for *image.RGBA and
// *image.YCbCr only (NRGBA would take its per-pixel generic path); once
// every alpha is 255, NRGBA and RGBA pixels are the same bytes.
func opaqueRGBA(img *image.NRGBA) *image.RGBA {
	pix := img.Pix
	for i := 3; i < len(pix); i += 4 {
		if pix[i] != 0xFF {
			pix = flattenWhite(img.Pix)
			break
		}
	}
	return &image.RGBA{Pix: pix, Stride: img.Stride, Rect: img.Rect}
}

// flattenWhite returns a copy of NRGBA pixels blended over white.
func flattenWhite(src []byte) []byte {
	dst := make([]byte, len(src))
	for i := 0; i+3 < len(src); i += 4 {
		a := uint32(src[i+3])
		for c := 0; c < 3; c++ {
			dst[i+c] = uint8((uint32(src[i+c])*a + 255*(255-a) + 127) / 255)
		}
		dst[i+3] = 0xFF
	}
	return dst
}

// maxICCChunk is the most profile data one APP2 segment can carry.
const maxICCChunk = 65535 - 2 - 14

// iccSegments splits an RGB ICC profile into APP2 ICC_PROFILE segments
// for a derivative. Non-RGB profiles (CMYK, gray) do not describe our RGB
// output and are dropped.
func iccSegments(icc []byte) []byte {
	if len(icc) < 128 || string(icc[16:20]) != "RGB " {
		return nil
	}
	return iccAPP2(icc)
}

// iccAPP2 splits any ICC profile into APP2 ICC_PROFILE segments; nil for
// none, or for one too large to split into 255 segments.
func iccAPP2(icc []byte) []byte {
	n := (len(icc) + maxICCChunk - 1) / maxICCChunk
	if n == 0 || n > 255 {
		return nil
	}
	out := make([]byte, 0, len(icc)+n*18)
	for i := 0; i < n; i++ {
		chunk := icc[i*maxICCChunk : min(len(icc), (i+1)*maxICCChunk)]
		l := len(chunk) + 16
		out = append(out, 0xFF, mAPP2, byte(l>>8), byte(l))
		out = append(out, iccTag...)
		out = append(out, byte(i+1), byte(n))
		out = append(out, chunk...)
	}
	return out
}
