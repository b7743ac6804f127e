package process

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"
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

// decode fully decodes b with the decoder of f (GIF: first frame only).
func decode(f Format, b []byte) (img image.Image, err error) {
	defer recoverCorrupt(&err)
	r := bytes.NewReader(b)
	switch f {
	case FormatJPEG:
		img, err = jpeg.Decode(r)
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

// decodeBytes is the budget reserved for one decode: 4 bytes per source
// pixel, plus room for the preview-sized intermediates.
func (o Options) decodeBytes(w, h int) int64 {
	l := int64(o.PreviewLongEdge)
	return int64(w)*int64(h)*4 + l*l*4*2
}
