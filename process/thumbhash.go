package process

import (
	"encoding/base64"
	"image"
	"math"

	"github.com/disintegration/imaging"
)

// placeholder returns the base64 ThumbHash of img, computed on a copy that
// fits in 32x32 (the algorithm keeps at most 7 luminance frequencies, so more
// pixels would only cost time).
func placeholder(img image.Image) string {
	small := imaging.Fit(img, 32, 32, imaging.Box)
	b := small.Bounds()
	return base64.StdEncoding.EncodeToString(thumbHash(b.Dx(), b.Dy(), small.Pix))
}

// thumbHash encodes w x h NRGBA pixels (w, h <= 100) as a ThumbHash
// (https://evanw.github.io/thumbhash/), a port of the reference encoder.
func thumbHash(w, h int, rgba []byte) []byte {
	n := w * h
	var avgR, avgG, avgB, avgA float64
	for i := 0; i < n; i++ {
		a := float64(rgba[4*i+3]) / 255
		avgR += a / 255 * float64(rgba[4*i])
		avgG += a / 255 * float64(rgba[4*i+1])
		avgB += a / 255 * float64(rgba[4*i+2])
		avgA += a
	}
	if avgA > 0 {
		avgR, avgG, avgB = avgR/avgA, avgG/avgA, avgB/avgA
	}
	hasAlpha := avgA < float64(n)
	lLimit := 7.0
	if hasAlpha {
		lLimit = 5 // fewer luminance bits when alpha needs some
	}
	mx := float64(max(w, h))
	lx := max(1, int(math.Round(lLimit*float64(w)/mx)))
	ly := max(1, int(math.Round(lLimit*float64(h)/mx)))

	l, p, q, al := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		a := float64(rgba[4*i+3]) / 255
		r := avgR*(1-a) + a/255*float64(rgba[4*i])
		g := avgG*(1-a) + a/255*float64(rgba[4*i+1])
		b := avgB*(1-a) + a/255*float64(rgba[4*i+2])
		l[i], p[i], q[i], al[i] = (r+g+b)/3, (r+g)/2-b, r-g, a
	}
	lc := dctChannel(l, w, h, max(3, lx), max(3, ly))
	pc := dctChannel(p, w, h, 3, 3)
	qc := dctChannel(q, w, h, 3, 3)
	chans := []dctCoeffs{lc, pc, qc}
	var ac dctCoeffs
	if hasAlpha {
		ac = dctChannel(al, w, h, 5, 5)
		chans = append(chans, ac)
	}
	return packThumbHash(lc, pc, qc, ac, chans, hasAlpha, w > h, lx, ly)
}

// dctCoeffs is one channel: the DC term, AC terms normalised to 0..1, and their scale.
type dctCoeffs struct {
	dc    float64
	ac    []float64
	scale float64
}

// dctChannel keeps the low-frequency triangle cx*ny < nx*(ny-cy) of the DCT.
func dctChannel(ch []float64, w, h, nx, ny int) dctCoeffs {
	var c dctCoeffs
	fx := make([]float64, w)
	for cy := 0; cy < ny; cy++ {
		for cx := 0; cx*ny < nx*(ny-cy); cx++ {
			for x := 0; x < w; x++ {
				fx[x] = math.Cos(math.Pi / float64(w) * float64(cx) * (float64(x) + 0.5))
			}
			f := 0.0
			for y := 0; y < h; y++ {
				fy := math.Cos(math.Pi / float64(h) * float64(cy) * (float64(y) + 0.5))
				for x := 0; x < w; x++ {
					f += ch[x+y*w] * fx[x] * fy
				}
			}
			f /= float64(w * h)
			if cx > 0 || cy > 0 {
				c.ac = append(c.ac, f)
				c.scale = math.Max(c.scale, math.Abs(f))
			} else {
				c.dc = f
			}
		}
	}
	if c.scale > 0 {
		for i := range c.ac {
			c.ac[i] = 0.5 + 0.5/c.scale*c.ac[i]
		}
	}
	return c
}

// packThumbHash writes the header and 4-bit AC terms in the reference layout.
func packThumbHash(lc, pc, qc, ac dctCoeffs, chans []dctCoeffs, hasAlpha, landscape bool, lx, ly int) []byte {
	rnd := func(f float64) uint32 { return uint32(math.Round(f)) }
	h24 := rnd(63*lc.dc) | rnd(31.5+31.5*pc.dc)<<6 | rnd(31.5+31.5*qc.dc)<<12 | rnd(31*lc.scale)<<18
	if hasAlpha {
		h24 |= 1 << 23
	}
	side := lx
	if landscape {
		side = ly
	}
	h16 := uint32(side) | rnd(63*pc.scale)<<3 | rnd(63*qc.scale)<<9
	if landscape {
		h16 |= 1 << 15
	}
	hash := []byte{byte(h24), byte(h24 >> 8), byte(h24 >> 16), byte(h16), byte(h16 >> 8)}
	if hasAlpha {
		hash = append(hash, byte(rnd(15*ac.dc)|rnd(15*ac.scale)<<4))
	}
	start, total := len(hash), 0
	for _, c := range chans {
		total += len(c.ac)
	}
	hash = append(hash, make([]byte, (total+1)/2)...)
	i := 0
	for _, c := range chans {
		for _, f := range c.ac {
			hash[start+(i>>1)] |= byte(rnd(15*f) << ((i & 1) << 2))
			i++
		}
	}
	return hash
}
