package process

import (
	"image"
	"image/color"
)

// maxShrink caps the box pre-shrink factor; past 8 the box average starts
// to show blockiness the follow-up filter cannot hide.
const maxShrink = 8

// shrinkFactor is the largest integer factor by which w x h can be reduced
// while staying at least tw x th.
func shrinkFactor(w, h, tw, th int) int {
	return max(1, min(w/max(tw, 1), h/max(th, 1), maxShrink))
}

// shrinkYCbCr box-averages a decoded JPEG by an integer factor f while
// converting to NRGBA: the libvips "shrink, then reduce" trick. It reads each
// source sample once and does the colour conversion on f² fewer pixels, so
// the follow-up high-quality resize works on a quarter of the data or less.
// ok is false for layouts it does not handle (the caller falls back).
func shrinkYCbCr(src *image.YCbCr, f int) (dst *image.NRGBA, ok bool) {
	hs, vs, known := chromaStep(src.SubsampleRatio)
	if !known || f < 2 || src.Rect.Min != (image.Point{}) {
		return nil, false
	}
	w, h := src.Rect.Dx()/f, src.Rect.Dy()/f
	dst = image.NewNRGBA(image.Rect(0, 0, w, h))
	if f == 2 && hs == 2 && vs == 2 {
		shrink2x420(src, dst)
		return dst, true
	}
	parallelRows(h, func(y0, y1 int) {
		for oy := y0; oy < y1; oy++ {
			row := dst.Pix[oy*dst.Stride:]
			for ox := 0; ox < w; ox++ {
				yy, cb, cr := blockAverage(src, ox*f, oy*f, f, hs, vs)
				r, g, b := color.YCbCrToRGB(yy, cb, cr)
				row[4*ox], row[4*ox+1], row[4*ox+2], row[4*ox+3] = r, g, b, 0xFF
			}
		}
	})
	return dst, true
}

// shrink2x420 is shrinkYCbCr's common case, a 4:2:0 phone photo halved:
// every 2x2 luma block matches exactly one chroma sample, so the general
// block walk reduces to four adds and one lookup (same results, bit for bit).
func shrink2x420(src *image.YCbCr, dst *image.NRGBA) {
	w := dst.Rect.Dx()
	parallelRows(dst.Rect.Dy(), func(y0, y1 int) {
		for oy := y0; oy < y1; oy++ {
			r0 := src.Y[2*oy*src.YStride:]
			r1 := src.Y[(2*oy+1)*src.YStride:]
			cb := src.Cb[oy*src.CStride:]
			cr := src.Cr[oy*src.CStride:]
			row := dst.Pix[oy*dst.Stride : oy*dst.Stride+4*w]
			for ox := 0; ox < w; ox++ {
				yy := (int(r0[2*ox]) + int(r0[2*ox+1]) + int(r1[2*ox]) + int(r1[2*ox+1]) + 2) >> 2
				r, g, b := color.YCbCrToRGB(uint8(yy), cb[ox], cr[ox])
				row[4*ox], row[4*ox+1], row[4*ox+2], row[4*ox+3] = r, g, b, 0xFF
			}
		}
	})
}

// blockAverage averages luma over the f x f block at (x0, y0) and chroma over
// the chroma samples that block covers.
func blockAverage(src *image.YCbCr, x0, y0, f, hs, vs int) (uint8, uint8, uint8) {
	var sy int
	for y := y0; y < y0+f; y++ {
		for _, v := range src.Y[y*src.YStride+x0 : y*src.YStride+x0+f] {
			sy += int(v)
		}
	}
	var sb, sr, n int
	for cy := y0 / vs; cy <= (y0+f-1)/vs; cy++ {
		i := cy*src.CStride + x0/hs
		for cx := x0 / hs; cx <= (x0+f-1)/hs; cx++ {
			sb += int(src.Cb[i])
			sr += int(src.Cr[i])
			i++
			n++
		}
	}
	return uint8((sy + f*f/2) / (f * f)), uint8((sb + n/2) / n), uint8((sr + n/2) / n)
}

// chromaStep returns how many luma pixels share one chroma sample, per axis.
func chromaStep(r image.YCbCrSubsampleRatio) (h, v int, ok bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 1, 1, true
	case image.YCbCrSubsampleRatio422:
		return 2, 1, true
	case image.YCbCrSubsampleRatio420:
		return 2, 2, true
	case image.YCbCrSubsampleRatio440:
		return 1, 2, true
	case image.YCbCrSubsampleRatio411:
		return 4, 1, true
	case image.YCbCrSubsampleRatio410:
		return 4, 2, true
	}
	return 0, 0, false
}
