package jpegdec

import (
	"image"
	"math"
)

// plane is one channel of a decoded image: w x h samples, step bytes
// apart within a row.
type plane struct {
	pix          []byte
	stride, step int
	w, h         int
	offset       int // of the first sample
}

func (p plane) at(x, y int) byte { return p.pix[p.offset+y*p.stride+x*p.step] }

// planes splits a decoded image into its channels (alpha left out).
func planes(m image.Image) []plane {
	r := m.Bounds()
	switch m := m.(type) {
	case *image.YCbCr:
		cw, ch := chromaSize(r.Dx(), r.Dy(), m.SubsampleRatio)
		return []plane{{m.Y, m.YStride, 1, r.Dx(), r.Dy(), 0},
			{m.Cb, m.CStride, 1, cw, ch, 0}, {m.Cr, m.CStride, 1, cw, ch, 0}}
	case *image.Gray:
		return []plane{{m.Pix, m.Stride, 1, r.Dx(), r.Dy(), 0}}
	case *image.CMYK:
		return interleaved(m.Pix, m.Stride, r, 4)
	case *image.RGBA:
		return interleaved(m.Pix, m.Stride, r, 3)
	}
	return nil
}

func interleaved(pix []byte, stride int, r image.Rectangle, n int) []plane {
	var out []plane
	for c := 0; c < n; c++ {
		out = append(out, plane{pix, stride, 4, r.Dx(), r.Dy(), c})
	}
	return out
}

// chromaSize is the size of the chroma planes of a w x h image at (0, 0).
func chromaSize(w, h int, r image.YCbCrSubsampleRatio) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	case image.YCbCrSubsampleRatio411:
		return (w + 3) / 4, h
	case image.YCbCrSubsampleRatio410:
		return (w + 3) / 4, (h + 1) / 2
	}
	return w, h
}

func equalPlanes(a, b []plane) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].w != b[i].w || a[i].h != b[i].h {
			return false
		}
		for y := 0; y < a[i].h; y++ {
			for x := 0; x < a[i].w; x++ {
				if a[i].at(x, y) != b[i].at(x, y) {
					return false
				}
			}
		}
	}
	return true
}

// boxShrink averages p over d x d blocks (partial at the right and bottom).
func boxShrink(p plane, d int) plane {
	w, h := (p.w+d-1)/d, (p.h+d-1)/d
	out := plane{pix: make([]byte, w*h), stride: w, step: 1, w: w, h: h}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum, n := 0, 0
			for sy := y * d; sy < min(p.h, y*d+d); sy++ {
				for sx := x * d; sx < min(p.w, x*d+d); sx++ {
					sum += int(p.at(sx, sy))
					n++
				}
			}
			out.pix[y*w+x] = byte((sum + n/2) / n)
		}
	}
	return out
}

// psnr compares two planes of the same size, in dB (+Inf when equal).
func psnr(a, b plane) float64 {
	if a.w != b.w || a.h != b.h {
		return math.Inf(-1)
	}
	var se float64
	for y := 0; y < a.h; y++ {
		for x := 0; x < a.w; x++ {
			d := float64(a.at(x, y)) - float64(b.at(x, y))
			se += d * d
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(a.w*a.h)/se)
}
