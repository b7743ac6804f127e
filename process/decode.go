package process

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"

	"github.com/wxalbum/mediad/process/internal/jpegdec"
)

// decodeConfig reads only the header of the detected format. Each format's
// own decoder is called so that no other registered codec (imaging registers
// TIFF and BMP) can ever be reached.
func decodeConfig(f Format, b []byte) (cfg image.Config, err error) {
	defer recoverCorrupt(&err)
	r := bytes.NewReader(b)
	switch f {
	case FormatJPEG:
		cfg, err = jpeg.DecodeConfig(r)
	case FormatPNG:
		cfg, err = png.DecodeConfig(r)
	case FormatGIF:
		cfg, err = gif.DecodeConfig(r)
	case FormatWebP:
		cfg, err = webp.DecodeConfig(r)
	default:
		return cfg, errorf(ReasonUnsupportedType, nil, "no decoder for %q", f)
	}
	if err != nil {
		return cfg, errorf(ReasonCorrupt, err, "%s header", f)
	}
	return cfg, nil
}

// decode decodes b with the decoder of f (GIF: first frame only); a JPEG
// at 1/jpegDenom of its size, every other format in full.
func decode(f Format, b []byte, jpegDenom int) (img image.Image, err error) {
	defer recoverCorrupt(&err)
	r := bytes.NewReader(b)
	switch f {
	case FormatJPEG:
		img, err = jpegdec.DecodeScaled(r, jpegDenom)
	case FormatPNG:
		img, err = png.Decode(r)
	case FormatGIF:
		img, err = gif.Decode(r)
	case FormatWebP:
		img, err = webp.Decode(r)
	default:
		return nil, errorf(ReasonUnsupportedType, nil, "no decoder for %q", f)
	}
	if err != nil {
		return nil, errorf(ReasonCorrupt, err, "%s decode", f)
	}
	return img, nil
}

// recoverCorrupt turns a panic of a parser or decoder on hostile input
// into ErrCorrupt instead of killing the worker.
func recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = errorf(ReasonCorrupt, fmt.Errorf("panic: %v", r), "input made a parser panic")
	}
}

// checkLimits refuses dimensions over MaxSide or MaxPixels before any pixel
// memory is allocated.
func (o Options) checkLimits(w, h int) error {
	if w <= 0 || h <= 0 {
		return errorf(ReasonCorrupt, nil, "dimensions %dx%d", w, h)
	}
	if w > o.MaxSide || h > o.MaxSide || int64(w)*int64(h) > int64(o.MaxPixels) {
		return errorf(ReasonTooManyPixels, nil, "%dx%d exceeds limits", w, h)
	}
	return nil
}

// jpegDenom is the largest JPEG decode denominator (8, 4 or 2, else 1)
// at which an image stored w x h under orientation o still has at least
// the pixels of every derivative: preview, thumb and the card's crop. A
// 12 MP photo (4032x3024) for a 1440 preview decodes at 1/2: a quarter of
// the pixels, and of the inverse DCT work.
func (o Options) jpegDenom(w, h, orientation int) int {
	z := o.sizes(upright(w, h, orientation))
	for d := 8; d > 1; d /= 2 {
		fw, fh := z.full.X/d, z.full.Y/d
		if fw >= max(z.preview.X, z.thumb.X) && fh >= max(z.preview.Y, z.thumb.Y) &&
			z.crop.Dx()/d >= z.card.X && z.crop.Dy()/d >= z.card.Y {
			return d
		}
	}
	return 1
}

// decodeBytes is the budget reserved for one decode: 4 bytes per source
// pixel, plus room for the preview-sized intermediates. It does not count
// on jpegDenom: a progressive JPEG keeps every coefficient of the full
// size until its last scan (6 bytes per pixel at 4:2:0), whatever the
// output scale.
func (o Options) decodeBytes(w, h int) int64 {
	l := int64(o.PreviewLongEdge)
	return int64(w)*int64(h)*4 + l*l*4*2
}
