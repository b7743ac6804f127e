package process

import (
	"image"
	"math"

	"github.com/disintegration/imaging"
)

// Filters: the preview is made from the full-size decode after an integer
// box pre-shrink (JPEG only, preShrink); the remaining ratio is < 2 and
// bigStepFilter finishes it. Box (area averaging) is enough for a downscale
// by less than 2 and costs about a quarter less CPU per photo than Linear
// (make bench: derive). The small steps from the preview use CatmullRom
// for sharpness.
var (
	bigStepFilter   = imaging.Box
	smallStepFilter = imaging.CatmullRom
)

// derived holds the upright derivative images.
type derived struct {
	thumb, preview, card *image.NRGBA
}

// derive makes preview, thumb and card from one decoded image stored under
// EXIF orientation o. The preview is made first from the source; thumb and
// card reuse it whenever it has enough pixels, which is the normal case.
func (o Options) derive(src image.Image, orientation int) derived {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	w, h := upright(sw, sh, orientation)
	full := func() *image.NRGBA { return orient(src, orientation) } // rare fallback

	s := math.Min(1, float64(o.PreviewLongEdge)/float64(max(w, h)))
	pw, ph := scaled(w, s), scaled(h, s)
	rw, rh := pw, ph
	if swapsAxes(orientation) {
		rw, rh = ph, pw
	}
	preview := orient(resize(preShrink(src, rw, rh), rw, rh, bigStepFilter), orientation)

	s = math.Min(1, float64(o.ThumbShortEdge)/float64(min(w, h)))
	tw, th := scaled(w, s), scaled(h, s)
	var thumb *image.NRGBA
	if tw <= pw && th <= ph {
		thumb = resizeSharp(preview, tw, th)
	} else {
		thumb = resize(full(), tw, th, bigStepFilter)
	}
	return derived{thumb: thumb, preview: preview, card: o.card(preview, w, h, full)}
}

// card centre-crops the upright w x h image to CardWidth:CardHeight and
// scales down to at most CardWidth x CardHeight, never up.
func (o Options) card(preview *image.NRGBA, w, h int, full func() *image.NRGBA) *image.NRGBA {
	box := o.cropBox(w, h)
	cw, ch := box.Dx(), box.Dy()
	if cw > o.CardWidth || ch > o.CardHeight {
		cw, ch = o.CardWidth, o.CardHeight
	}
	pb := preview.Bounds()
	if pbox := o.cropBox(pb.Dx(), pb.Dy()); pbox.Dx() >= cw && pbox.Dy() >= ch {
		return resizeSharp(imaging.Crop(preview, pbox), cw, ch)
	}
	return resize(imaging.Crop(full(), box), cw, ch, bigStepFilter)
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
