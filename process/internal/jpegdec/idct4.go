package jpegdec

// This file is not from the Go tree: the reduced inverse DCT of DecodeScaled.

// The JPEG inverse DCT is
//
//	f(x,y) = 1/4 Σu Σv C(u) C(v) F(u,v) cos((2x+1)uπ/16) cos((2y+1)vπ/16)
//
// with C(0) = 1/√2, else 1. Sampled at the centre of each 2x2 pixel
// group, x = 2x'+½, the cosines become cos((2x'+1)uπ/8): a 4-point inverse
// DCT, and the frequencies u >= 4 are those a 4-sample grid cannot carry,
// so they are dropped (the low-pass a downscale needs). The 2-point case of
// 1/4 scale follows the same way.

// Fixed-point cosines, 13 fractional bits.
const (
	idctBits = 13
	cos1π8   = 7569 // cos(π/8)  = 0.92388
	cos2π8   = 5793 // cos(2π/8) = 0.70711 = 1/√2
	cos3π8   = 3135 // cos(3π/8) = 0.38268
)

// idct4 is the 1-D 4-point inverse DCT of f0..f3 (C(u) included, 1/2 not),
// scaled by 2^idctBits.
func idct4(f0, f1, f2, f3 int32) (o0, o1, o2, o3 int32) {
	e0 := (f0 + f2) * cos2π8
	e1 := (f0 - f2) * cos2π8
	d0 := f1*cos1π8 + f3*cos3π8
	d1 := f1*cos3π8 - f3*cos1π8
	return e0 + d0, e1 + d1, e1 - d1, e0 - d0
}

// idct4x4 dequantizes the 4x4 lowest frequencies of b and stores their
// 4x4 inverse DCT, level-shifted and clipped, at dst.
func idct4x4(b, qt *block, dst []byte, stride int) {
	// ws holds the row pass with 2 fractional bits: for valid data
	// (|F| < 2^11) neither pass can overflow int32.
	var ws [16]int32
	for v := 0; v < 4; v++ {
		i := 8 * v
		o0, o1, o2, o3 := idct4(b[i]*qt[zigOf[i]], b[i+1]*qt[zigOf[i+1]],
			b[i+2]*qt[zigOf[i+2]], b[i+3]*qt[zigOf[i+3]])
		const sh, rnd = idctBits - 2, 1 << (idctBits - 3)
		w := ws[4*v : 4*v+4 : 4*v+4]
		w[0], w[1], w[2], w[3] = (o0+rnd)>>sh, (o1+rnd)>>sh, (o2+rnd)>>sh, (o3+rnd)>>sh
	}
	// Columns: 2 + idctBits fractional bits, and the 1/4 of the definition.
	const sh = 2 + idctBits + 2
	const rnd = 1<<(sh-1) + 128<<sh // rounding and the +128 level shift
	for x := 0; x < 4; x++ {
		o0, o1, o2, o3 := idct4(ws[x], ws[4+x], ws[8+x], ws[12+x])
		dst[x] = clamp8((o0 + rnd) >> sh)
		dst[stride+x] = clamp8((o1 + rnd) >> sh)
		dst[2*stride+x] = clamp8((o2 + rnd) >> sh)
		dst[3*stride+x] = clamp8((o3 + rnd) >> sh)
	}
}
