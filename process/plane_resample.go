package process

import "github.com/disintegration/imaging"

// window is a rectangle of source luma pixels, fractional so that a crop
// maps exactly onto subsampled chroma and onto a reduced-scale decode.
type window struct{ x, y, w, h float64 }

// whole is the window of all of c.
func whole(c ycc) window { return window{w: float64(c.y.w), h: float64(c.y.h)} }

// resizeYCC resamples window win of src to a w x h 4:2:0 image with f,
// plane by plane, placing every chroma sample where JPEG puts it (the
// centre of the luma block it covers).
func resizeYCC(src ycc, win window, w, h int, f imaging.ResampleFilter) ycc {
	dst := newYCC420(w, h)
	resamplePlane(dst.y, src.y, onto(win.x, win.w, 1, w, 1), onto(win.y, win.h, 1, h, 1), f)
	cx, cy := onto(win.x, win.w, src.hs, w, 2), onto(win.y, win.h, src.vs, h, 2)
	resamplePlane(dst.cb, src.cb, cx, cy, f)
	if src.gray {
		copy(dst.cr.pix, dst.cb.pix)
	} else {
		resamplePlane(dst.cr, src.cr, cx, cy, f)
	}
	return dst
}

// onto is the axis that maps n destination luma pixels onto the source
// luma span [start, start+span), for a source plane subsampled by ss and a
// destination plane subsampled by ds.
func onto(start, span float64, ss, n, ds int) axis {
	return axis{start: start / float64(ss), step: span * float64(ds) / (float64(n) * float64(ss))}
}

// resamplePlane fills dst from src placed by ax, ay: first a box average
// by the largest integer factor the ratio allows (the libvips "shrink"),
// then f for what remains below 2 (the "reduce"), as resizeSharp does.
func resamplePlane(dst, src plane, ax, ay axis, f imaging.ResampleFilter) {
	if k := min(int(ax.step), int(ay.step), maxShrink); k >= 2 {
		src = shrinkPlane(src, k)
		ax = axis{start: ax.start / float64(k), step: ax.step / float64(k)}
		ay = axis{start: ay.start / float64(k), step: ay.step / float64(k)}
	}
	if ax == (axis{step: 1}) && ay == (axis{step: 1}) && src.w == dst.w && src.h == dst.h {
		for y := 0; y < dst.h; y++ {
			copy(dst.row(y), src.row(y))
		}
		return
	}
	xt, yt := weightsAt(dst.w, ax, src.w, f), weightsAt(dst.h, ay, src.h, f)
	// Only the source rows some output row reads are resampled across.
	y0, y1 := src.h, 0
	for _, t := range yt {
		y0, y1 = min(y0, t.start), max(y1, t.start+len(t.w))
	}
	mid := newPlane(dst.w, y1-y0)
	parallelRows(mid.h, func(a, b int) {
		for y := a; y < b; y++ {
			horizontal1(mid.row(y), src.row(y0+y), xt)
		}
	})
	parallelRows(dst.h, func(a, b int) {
		acc := make([]int32, dst.w)
		for y := a; y < b; y++ {
			vertical1(dst.row(y), mid, yt[y], y0, acc)
		}
	})
}

// horizontal1 resamples one row of one plane.
func horizontal1(dst, src []byte, xt []taps) {
	for x, t := range xt {
		var acc int32
		s := src[t.start : t.start+len(t.w)]
		for k, wk := range t.w {
			acc += int32(s[k]) * wk
		}
		dst[x] = clampFixed(acc)
	}
}

// vertical1 makes one output row as the weighted sum of whole rows of
// mid, whose first row is source row y0.
func vertical1(dst []byte, mid plane, t taps, y0 int, acc []int32) {
	clear(acc)
	for k, wk := range t.w {
		row := mid.row(t.start - y0 + k)
		for x, v := range row {
			acc[x] += int32(v) * wk
		}
	}
	for x, a := range acc {
		dst[x] = clampFixed(a)
	}
}

// shrinkPlane box-averages p by k, dropping the last partial block as
// shrinkYCbCr does: the k rows of a block are summed per column, then
// each k columns of those sums.
func shrinkPlane(p plane, k int) plane {
	out := newPlane(p.w/k, p.h/k)
	n := uint64(k * k)
	// sum/n rounded, by a multiply: exact for sums below 2^16 (k <= 8).
	recip := (1<<32 + n - 1) / n
	parallelRows(out.h, func(a, b int) {
		cols := make([]int32, out.w*k)
		for oy := a; oy < b; oy++ {
			clear(cols)
			for y := oy * k; y < oy*k+k; y++ {
				for x, v := range p.row(y)[:len(cols)] {
					cols[x] += int32(v)
				}
			}
			dst := out.row(oy)
			for ox := range dst {
				var sum int32
				for _, c := range cols[ox*k : ox*k+k] {
					sum += c
				}
				dst[ox] = uint8((uint64(sum) + n/2) * recip >> 32)
			}
		}
	})
	return out
}
