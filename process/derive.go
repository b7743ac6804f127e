package process

import (
	"image"
	"math"

	"github.com/disintegration/imaging"
)

// Filters: the preview is made from the decode after an integer box
// pre-shrink (preShrink); the remaining ratio is < 2 and bigStepFilter
// finishes it. Box (area averaging) is enough for a downscale by less than
// 2 and costs about a quarter less CPU per photo than Linear (make bench:
// derive). The small steps from the preview use CatmullRom for sharpness.
//
// A JPEG takes the plane path (deriveYCC) from a DCT-domain reduced
// decode, where planeStepFilter finishes the preview: resampling planes
// costs half of RGB, and Linear there keeps every JPEG as close to an
// ideal (Lanczos, full-size) downscale as the RGB path with Box did, or
// closer (gray ones within 0.1 dB; quality_test.go), for about 3% of a
// photo's CPU.
var (
	bigStepFilter   = imaging.Box
	planeStepFilter = imaging.Linear
	smallStepFilter = imaging.CatmullRom
)

// derived holds the upright derivative images: *image.NRGBA from the RGB
// path, *image.YCbCr (4:2:0) from the plane path.
type derived struct {
	thumb, preview, card image.Image
}

// sizes are the upright sizes of the derivatives of an upright w x h image.
type sizes struct {
	full, preview, thumb, card image.Point
	crop                       image.Rectangle // the card's crop of the full image
}

func (o Options) sizes(w, h int) sizes {
	s := math.Min(1, float64(o.PreviewLongEdge)/float64(max(w, h)))
	preview := image.Pt(scaled(w, s), scaled(h, s))
	s = math.Min(1, float64(o.ThumbShortEdge)/float64(min(w, h)))
	thumb := image.Pt(scaled(w, s), scaled(h, s))
	crop := o.cropBox(w, h)
	card := crop.Size()
	if card.X > o.CardWidth || card.Y > o.CardHeight {
		card = image.Pt(o.CardWidth, o.CardHeight)
	}
	return sizes{full: image.Pt(w, h), preview: preview, thumb: thumb, card: card, crop: crop}
}

// derive makes preview, thumb and card of an image stored w x h under
// EXIF orientation o, from src decoded at that size or (a JPEG, see
// jpegDenom) smaller. A JPEG decoded to YCbCr or gray takes the plane
// path (deriveYCC); other images, and every other format, the RGB path.
func (o Options) derive(f Format, src image.Image, w, h, orientation int) derived {
	if f == FormatJPEG {
		if c, ok := yccOf(src); ok {
			return o.deriveYCC(c, w, h, orientation)
		}
	}
	return o.deriveRGB(src, w, h, orientation)
}

// deriveRGB makes the derivatives in NRGBA. The preview is made first from
// the source; thumb and card reuse it whenever it has enough pixels, which
// is the normal case.
func (o Options) deriveRGB(src image.Image, w, h, orientation int) derived {
	z := o.sizes(upright(w, h, orientation))
	full := func() *image.NRGBA { return orient(src, orientation) } // rare fallback

	rw, rh := upright(z.preview.X, z.preview.Y, orientation)
	preview := orient(resize(preShrink(src, rw, rh), rw, rh, bigStepFilter), orientation)

	var thumb *image.NRGBA
	if z.thumb.X <= z.preview.X && z.thumb.Y <= z.preview.Y {
		thumb = resizeSharp(preview, z.thumb.X, z.thumb.Y)
	} else {
		thumb = resize(full(), z.thumb.X, z.thumb.Y, bigStepFilter)
	}
	return derived{thumb: thumb, preview: preview, card: o.card(preview, z, full)}
}

// card centre-crops the upright image to CardWidth:CardHeight and scales
// down to at most CardWidth x CardHeight, never up.
func (o Options) card(preview *image.NRGBA, z sizes, full func() *image.NRGBA) *image.NRGBA {
	pb := preview.Bounds()
	if pbox := o.cropBox(pb.Dx(), pb.Dy()); pbox.Dx() >= z.card.X && pbox.Dy() >= z.card.Y {
		return resizeSharp(imaging.Crop(preview, pbox), z.card.X, z.card.Y)
	}
	src := full()
	return resize(imaging.Crop(src, scaleRect(z.crop, z.full, src.Bounds().Size())), z.card.X, z.card.Y, bigStepFilter)
}

// scaleRect maps r from an image of size from onto one of size to (the
// same picture decoded smaller).
func scaleRect(r image.Rectangle, from, to image.Point) image.Rectangle {
	if from == to {
		return r
	}
	sx := func(v int) int { return v * to.X / from.X }
	sy := func(v int) int { return v * to.Y / from.Y }
	return image.Rect(sx(r.Min.X), sy(r.Min.Y), max(sx(r.Max.X), sx(r.Min.X)+1), max(sy(r.Max.Y), sy(r.Min.Y)+1))
}

// cropBox is the largest centred CardWidth:CardHeight rectangle in w x h.
func (o Options) cropBox(w, h int) image.Rectangle {
	cw, ch := w, h
	if w*o.CardHeight > h*o.CardWidth {
		cw = max(1, h*o.CardWidth/o.CardHeight)
	} else {
		ch = max(1, w*o.CardHeight/o.CardWidth)
	}
	x, y := (w-cw)/2, (h-ch)/2
	return image.Rect(x, y, x+cw, y+ch)
}

// preShrink reduces a decoded JPEG by the largest integer factor that keeps
// it at least w x h (see shrinkYCbCr); other images are returned unchanged.
func preShrink(src image.Image, w, h int) image.Image {
	y, ok := src.(*image.YCbCr)
	if !ok {
		return src
	}
	f := shrinkFactor(y.Rect.Dx(), y.Rect.Dy(), w, h)
	if small, ok := shrinkYCbCr(y, f); ok {
		return small
	}
	return src
}

// scaled rounds n*s to at least one pixel.
func scaled(n int, s float64) int { return max(1, int(math.Round(float64(n)*s))) }

// resizeSharp scales img down to w x h: a box average by the largest
// integer factor that stays at or above the target ("shrink"), then
// smallStepFilter for the remaining ratio below 2 ("reduce"), as libvips
// does. The cubic filter then spans a few source pixels instead of a dozen.
func resizeSharp(img *image.NRGBA, w, h int) *image.NRGBA {
	b := img.Bounds()
	if f := min(b.Dx()/w, b.Dy()/h); f >= 2 {
		img = resize(img, b.Dx()/f, b.Dy()/f, imaging.Box)
	}
	return resize(img, w, h, smallStepFilter)
}

// resize scales img to exactly w x h; same size is a copy, never an upscale path.
func resize(img image.Image, w, h int, f imaging.ResampleFilter) *image.NRGBA {
	b := img.Bounds()
	if b.Dx() == w && b.Dy() == h {
		return toNRGBA(img)
	}
	if n, ok := img.(*image.NRGBA); ok && isOpaque(n) {
		return resampleOpaque(n, w, h, f)
	}
	return imaging.Resize(img, w, h, f)
}
