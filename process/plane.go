package process

import "image"

// plane is one 8-bit channel: w x h samples, rows stride bytes apart.
type plane struct {
	pix    []byte
	stride int
	w, h   int
}

func newPlane(w, h int) plane {
	return plane{pix: make([]byte, w*h), stride: w, w: w, h: h}
}

// row returns the w samples of row y.
func (p plane) row(y int) []byte { return p.pix[y*p.stride : y*p.stride+p.w] }

// ycc is a decoded JPEG kept as planes, so that derivatives are resized
// and encoded without ever becoming RGB: one luma and two chroma planes,
// the chroma hs x vs times coarser than the luma (2 x 2 for 4:2:0).
// gray marks a gray JPEG given neutral chroma: cr is cb.
type ycc struct {
	y, cb, cr plane
	hs, vs    int
	gray      bool
}

// yccOf views a decoded JPEG as planes without copying; ok is false for
// the kinds the plane path does not take (CMYK, RGB, odd geometry).
func yccOf(img image.Image) (ycc, bool) {
	switch m := img.(type) {
	case *image.YCbCr:
		hs, vs, known := chromaStep(m.SubsampleRatio)
		if !known || m.Rect.Min != (image.Point{}) {
			return ycc{}, false
		}
		w, h := m.Rect.Dx(), m.Rect.Dy()
		cw, ch := (w+hs-1)/hs, (h+vs-1)/vs
		return ycc{y: plane{m.Y, m.YStride, w, h},
			cb: plane{m.Cb, m.CStride, cw, ch}, cr: plane{m.Cr, m.CStride, cw, ch}, hs: hs, vs: vs}, true
	case *image.Gray:
		if m.Rect.Min != (image.Point{}) {
			return ycc{}, false
		}
		return grayYCC(plane{m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy()}), true
	}
	return ycc{}, false
}

// grayYCC gives a gray image neutral 4:2:0 chroma: the derivatives stay
// colour JPEGs, as they always were, and the chroma costs a few percent.
func grayYCC(y plane) ycc {
	cb := newPlane((y.w+1)/2, (y.h+1)/2)
	for i := range cb.pix {
		cb.pix[i] = 128
	}
	return ycc{y: y, cb: cb, cr: cb, hs: 2, vs: 2, gray: true}
}

// newYCC420 allocates a w x h 4:2:0 image in one buffer, laid out as
// image.YCbCr expects (Cb and Cr share a stride).
func newYCC420(w, h int) ycc {
	cw, ch := (w+1)/2, (h+1)/2
	buf := make([]byte, w*h+2*cw*ch)
	return ycc{
		y:  plane{buf[:w*h], w, w, h},
		cb: plane{buf[w*h : w*h+cw*ch], cw, cw, ch},
		cr: plane{buf[w*h+cw*ch:], cw, cw, ch},
		hs: 2, vs: 2,
	}
}

// image returns c as an *image.YCbCr for the encoder's fast path; c must
// be 4:2:0 with Cb and Cr sharing a stride, as newYCC420 makes them.
func (c ycc) image() *image.YCbCr {
	return &image.YCbCr{Y: c.y.pix, Cb: c.cb.pix, Cr: c.cr.pix, YStride: c.y.stride, CStride: c.cb.stride,
		SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, c.y.w, c.y.h)}
}
