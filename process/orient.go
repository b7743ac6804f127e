package process

import (
	"image"

	"github.com/disintegration/imaging"
)

// swapsAxes reports whether EXIF orientation o turns the image by 90°.
func swapsAxes(o int) bool { return o >= 5 && o <= 8 }

// upright returns w, h as displayed under orientation o.
func upright(w, h, o int) (int, int) {
	if swapsAxes(o) {
		return h, w
	}
	return w, h
}

// orient applies EXIF orientation o to img (all eight cases). It is applied
// to small, already-resized images: resizing commutes with these exact
// transforms, and transposing 12 MP would cost more than the resize.
func orient(img image.Image, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return toNRGBA(img)
}

// toNRGBA returns img as *image.NRGBA, copying only when needed.
func toNRGBA(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok {
		return n
	}
	return imaging.Clone(img)
}
