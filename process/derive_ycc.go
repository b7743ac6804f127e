package process

import "image"

// deriveYCC is deriveRGB for a JPEG kept as planes: the same sizes and
// steps (planeStepFilter for the big one), applied to Y, Cb and Cr instead
// of R, G and B. Nothing is converted to RGB (the encoder takes the YCbCr as is),
// and the chroma, a quarter of the luma in 4:2:0, costs half as much to
// resample as two more full-size channels would.
func (o Options) deriveYCC(src ycc, w, h, orientation int) derived {
	z := o.sizes(upright(w, h, orientation))
	full := func() ycc { return orientYCC(src, orientation) } // rare fallback

	rw, rh := upright(z.preview.X, z.preview.Y, orientation)
	preview := orientYCC(resizeYCC(src, whole(src), rw, rh, planeStepFilter), orientation)

	var thumb ycc
	if z.thumb.X <= z.preview.X && z.thumb.Y <= z.preview.Y {
		thumb = resizeYCC(preview, whole(preview), z.thumb.X, z.thumb.Y, smallStepFilter)
	} else {
		f := full()
		thumb = resizeYCC(f, whole(f), z.thumb.X, z.thumb.Y, planeStepFilter)
	}
	card := o.cardYCC(preview, z, full)
	return derived{thumb: thumb.image(), preview: preview.image(), card: card.image()}
}

// cardYCC is card on planes: the crop is a window of the resampling, so
// odd offsets land between chroma samples where they belong.
func (o Options) cardYCC(preview ycc, z sizes, full func() ycc) ycc {
	if pbox := o.cropBox(preview.y.w, preview.y.h); pbox.Dx() >= z.card.X && pbox.Dy() >= z.card.Y {
		return resizeYCC(preview, windowOf(pbox, 1, 1), z.card.X, z.card.Y, smallStepFilter)
	}
	f := full()
	sx, sy := float64(f.y.w)/float64(z.full.X), float64(f.y.h)/float64(z.full.Y)
	return resizeYCC(f, windowOf(z.crop, sx, sy), z.card.X, z.card.Y, planeStepFilter)
}

// windowOf is r scaled by sx, sy.
func windowOf(r image.Rectangle, sx, sy float64) window {
	return window{x: float64(r.Min.X) * sx, y: float64(r.Min.Y) * sy, w: float64(r.Dx()) * sx, h: float64(r.Dy()) * sy}
}
