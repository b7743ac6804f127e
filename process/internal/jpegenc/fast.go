package jpegenc

// This file is not from the Go tree: the two shortcuts of this copy.

import "image"

// quantize is upstream's div(a, 8*quant), a/d rounded to the nearest, by a
// multiply instead of a division: for 0 <= n < 2^16 and d < 2^16,
// (n * ceil(2^32/d)) >> 32 is floor(n/d) exactly (the excess, under 2^-16,
// cannot reach the next integer, at least 1/d away). fdct's outputs are
// below 2^13 in magnitude, so n = |a| + d/2 is well inside.
//
// It works on |a| and restores the sign without a branch: coefficient
// signs are random, and a mispredicted branch per coefficient cost more
// than the division it replaced.
func (e *encoder) quantize(a int32, q quantIndex, zig int) int32 {
	half := uint64(e.quant[q][zig]) * 4
	sign := a >> 31 // 0 or -1
	n := uint64((a^sign)-sign) + half
	v := int32(n * uint64(e.recip[q][zig]) >> 32)
	return (v ^ sign) - sign
}

// is420 reports whether m can take writeYCbCr420: 4:2:0 with every chroma
// sample covering one aligned 2x2 luma block.
func is420(m *image.YCbCr) bool {
	return m.SubsampleRatio == image.YCbCrSubsampleRatio420 && m.Rect.Min.X%2 == 0 && m.Rect.Min.Y%2 == 0
}

// writeYCbCr420 is writeSOS's loop for a 4:2:0 image: each 16x16 MCU is
// four luma blocks and one block of each chroma plane, read straight from
// the planes. Upstream reads each chroma sample four times through
// YCbCr.COffset and averages the four copies back (scale): the same values,
// bit for bit, at several times the cost.
func (e *encoder) writeYCbCr420(m *image.YCbCr) {
	var (
		b                           block
		prevDCY, prevDCCb, prevDCCr int32
	)
	r := m.Rect
	for y := r.Min.Y; y < r.Max.Y; y += 16 {
		for x := r.Min.X; x < r.Max.X; x += 16 {
			for i := 0; i < 4; i++ {
				loadLuma(m, x+(i&1)*8, y+(i&2)*4, &b)
				prevDCY = e.writeBlock(&b, 0, prevDCY)
			}
			loadChroma(m, m.Cb, x, y, &b)
			prevDCCb = e.writeBlock(&b, 1, prevDCCb)
			loadChroma(m, m.Cr, x, y, &b)
			prevDCCr = e.writeBlock(&b, 1, prevDCCr)
		}
	}
}

// loadLuma stores the 8x8 luma block at (x0, y0) in b, repeating the last
// row and column past the edges as yCbCrToYCbCr does.
func loadLuma(m *image.YCbCr, x0, y0 int, b *block) {
	r := m.Rect
	for j := 0; j < 8; j++ {
		row := m.Y[m.YOffset(r.Min.X, min(y0+j, r.Max.Y-1)):]
		for i := 0; i < 8; i++ {
			b[8*j+i] = int32(row[min(x0+i, r.Max.X-1)-r.Min.X])
		}
	}
}

// loadChroma stores in b the 8x8 chroma samples under the 16x16 luma MCU
// at (x0, y0), the samples past the edges repeating as the luma does.
func loadChroma(m *image.YCbCr, c []byte, x0, y0 int, b *block) {
	r := m.Rect
	for j := 0; j < 8; j++ {
		row := c[m.COffset(r.Min.X, min(y0+2*j, r.Max.Y-1)):]
		for i := 0; i < 8; i++ {
			b[8*j+i] = int32(row[(min(x0+2*i, r.Max.X-1)-r.Min.X)/2])
		}
	}
}

// reciprocal is ceil(2^32 / d), quantize's multiplier for divisor d.
func reciprocal(d int) uint32 {
	return uint32((1<<32 + uint64(d) - 1) / uint64(d))
}
