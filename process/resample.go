package process

import (
	"image"
	"math"
	"slices"

	"github.com/disintegration/imaging"
)

// weightBits is the fixed-point precision of resampling weights: 14 bits
// keep a 255 × (sum of |weights|) accumulator far inside int32.
const (
	weightBits = 14
	weightOne  = 1 << weightBits
)

// taps are the source indexes [start, start+len(w)) and fixed-point weights
// of one output sample.
type taps struct {
	start int
	w     []int32
}

// weights computes the taps of every output sample when srcSize samples
// are resampled to dstSize with f, with the same geometry as
// imaging.Resize (so both give the same picture), rounded to weightBits.
func weights(dstSize, srcSize int, f imaging.ResampleFilter) []taps {
	return weightsAt(dstSize, axis{step: float64(srcSize) / float64(dstSize)}, srcSize, f)
}

// axis maps output sample v to source position start + (v+½)·step - ½,
// positions counted in source samples: a crop, a scale, or both.
type axis struct{ start, step float64 }

// weightsAt computes the taps of dstSize output samples placed on the
// source by a; taps outside [0, srcSize) are dropped and the rest
// renormalised, as imaging does at the image edges.
func weightsAt(dstSize int, a axis, srcSize int, f imaging.ResampleFilter) []taps {
	scale := max(a.step, 1)
	ru := math.Ceil(scale * f.Support)
	out := make([]taps, dstSize)
	fw := make([]float64, 0, int(2*ru)+2)
	// One backing array for all the weights: an output has at most 2ru+1
	// taps, so it is allocated once, not once per output sample.
	all := make([]int32, 0, dstSize*(int(2*ru)+1))
	for v := range out {
		fu := a.start + (float64(v)+0.5)*a.step - 0.5
		begin := max(0, int(math.Ceil(fu-ru)))
		end := min(srcSize-1, int(math.Floor(fu+ru)))
		fw, sum := fw[:0], 0.0
		for u := begin; u <= end; u++ {
			w := f.Kernel((float64(u) - fu) / scale)
			fw = append(fw, w)
			sum += w
		}
		if sum == 0 { // cannot happen for the filters used; keep the nearest sample
			fw, sum = append(fw[:0], 1), 1
			begin = min(max(0, int(math.Round(fu))), srcSize-1)
		}
		n := len(all)
		all = appendFixed(all, fw, sum)
		out[v] = trimTaps(taps{start: begin, w: all[n:len(all):len(all)]})
	}
	return out
}

// trimTaps drops zero weights at both ends (the box filter has a few),
// which changes no sum and saves their multiplies.
func trimTaps(t taps) taps {
	for len(t.w) > 1 && t.w[0] == 0 {
		t.start, t.w = t.start+1, t.w[1:]
	}
	for len(t.w) > 1 && t.w[len(t.w)-1] == 0 {
		t.w = t.w[:len(t.w)-1]
	}
	return t
}

// appendFixed appends fw normalised to sum exactly weightOne in fixed
// point, so flat areas stay exactly flat after rounding.
func appendFixed(dst []int32, fw []float64, sum float64) []int32 {
	n := len(dst)
	dst = slices.Grow(dst, len(fw))[:n+len(fw)]
	w := dst[n:]
	var total, big int32
	for i, f := range fw {
		w[i] = int32(math.Round(f / sum * weightOne))
		total += w[i]
		if w[i] > w[big] {
			big = int32(i)
		}
	}
	w[big] += weightOne - total
	return dst
}

// clampFixed turns a fixed-point accumulator into a rounded 0..255 sample.
func clampFixed(acc int32) uint8 {
	v := (acc + weightOne/2) >> weightBits
	return uint8(min(max(v, 0), 255))
}

// isOpaque reports whether every alpha of img is 255.
func isOpaque(img *image.NRGBA) bool {
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		i := img.PixOffset(img.Rect.Min.X, y)
		row := img.Pix[i : i+4*img.Rect.Dx()]
		for x := 3; x < len(row); x += 4 {
			if row[x] != 0xFF {
				return false
			}
		}
	}
	return true
}

// resampleOpaque resizes an opaque NRGBA image to w x h with f, like
// imaging.Resize but in fixed point on three channels, rows in parallel and
// the vertical pass row by row (cache friendly). It is the hot path of every
// derivative; transparent images take imaging's alpha-weighted path instead.
func resampleOpaque(src *image.NRGBA, w, h int, f imaging.ResampleFilter) *image.NRGBA {
	sb := src.Rect
	mid := image.NewNRGBA(image.Rect(0, 0, w, sb.Dy()))
	xt := weights(w, sb.Dx(), f)
	parallelRows(sb.Dy(), func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			i := src.PixOffset(sb.Min.X, sb.Min.Y+y)
			horizontalRow(mid.Pix[y*mid.Stride:y*mid.Stride+4*w], src.Pix[i:i+4*sb.Dx()], xt)
		}
	})
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	yt := weights(h, sb.Dy(), f)
	parallelRows(h, func(y0, y1 int) {
		acc := make([]int32, 3*w)
		for y := y0; y < y1; y++ {
			verticalRow(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], mid, yt[y], acc)
		}
	})
	return dst
}

// horizontalRow resamples one row of 4-byte pixels (alpha ignored, set 255).
func horizontalRow(dst, src []uint8, xt []taps) {
	for x, t := range xt {
		var r, g, b int32
		s := src[4*t.start:]
		for k, wk := range t.w {
			p := s[4*k : 4*k+3 : 4*k+3]
			r += int32(p[0]) * wk
			g += int32(p[1]) * wk
			b += int32(p[2]) * wk
		}
		d := dst[4*x : 4*x+4 : 4*x+4]
		d[0], d[1], d[2], d[3] = clampFixed(r), clampFixed(g), clampFixed(b), 0xFF
	}
}

// verticalRow makes one output row as the weighted sum of whole source rows.
func verticalRow(dst []uint8, mid *image.NRGBA, t taps, acc []int32) {
	clear(acc)
	w := len(dst) / 4
	for k, wk := range t.w {
		row := mid.Pix[(t.start+k)*mid.Stride : (t.start+k)*mid.Stride+4*w]
		for x := 0; x < w; x++ {
			p := row[4*x : 4*x+3 : 4*x+3]
			a := acc[3*x : 3*x+3 : 3*x+3]
			a[0] += int32(p[0]) * wk
			a[1] += int32(p[1]) * wk
			a[2] += int32(p[2]) * wk
		}
	}
	for x := 0; x < w; x++ {
		a := acc[3*x : 3*x+3 : 3*x+3]
		d := dst[4*x : 4*x+4 : 4*x+4]
		d[0], d[1], d[2], d[3] = clampFixed(a[0]), clampFixed(a[1]), clampFixed(a[2]), 0xFF
	}
}
