package jpegdec

// This file is not from the Go tree: it adds decoding at a reduced scale
// in the DCT domain, as libjpeg's scale_denom does.

import (
	"image"
	"image/color"
	"io"
)

// DecodeScaled decodes a JPEG at 1/denom of its size, denom being 1, 2, 4
// or 8. Each 8x8 block becomes (8/denom)² pixels computed from its lowest
// frequencies only (a 4-point inverse DCT for 1/2, 2-point for 1/4, the DC
// term for 1/8), so the inverse DCT and the pixel stores cost a fraction
// of a full decode; the entropy decoding is the same. The image is
// ceil(width/denom) x ceil(height/denom) and of the type Decode returns:
// *image.YCbCr with the file's subsampling, *image.Gray, *image.CMYK or
// *image.RGBA. Every check of the full decoder applies at every scale.
func DecodeScaled(r io.Reader, denom int) (image.Image, error) {
	var d decoder
	switch denom {
	case 1, 2, 4, 8:
		for 1<<d.scale < denom {
			d.scale++
		}
	default:
		return nil, UnsupportedError("scale denominator")
	}
	return d.decode(r, false)
}

// scaledSize is ceil(n / 2^scale), libjpeg's output size.
func scaledSize(n int, scale uint) int {
	return (n + 1<<scale - 1) >> scale
}

// zigOf maps a natural-order coefficient index to its zig-zag index, the
// order of the quantization tables.
var zigOf = func() (z [blockSize]uint8) {
	for i, u := range unzig {
		z[u] = uint8(i)
	}
	return z
}()

// reconstructScaled dequantizes the coefficients the scale needs and
// stores the reduced block at dst. b is in natural order, qt in zig-zag.
func reconstructScaled(b, qt *block, scale uint, dst []byte, stride int) {
	f := func(v, u int) int32 { i := 8*v + u; return b[i] * qt[zigOf[i]] }
	switch scale {
	case 1:
		idct4x4(b, qt, dst, stride)
	case 2:
		f00, f01, f10, f11 := f(0, 0), f(0, 1), f(1, 0), f(1, 1)
		// The 2-point inverse DCT of the four lowest frequencies; each term
		// carries 1/8 (see idct4x4 for the normalisation).
		const round = 4 + 128<<3
		dst[0] = clamp8((f00 + f01 + f10 + f11 + round) >> 3)
		dst[1] = clamp8((f00 - f01 + f10 - f11 + round) >> 3)
		dst[stride] = clamp8((f00 + f01 - f10 - f11 + round) >> 3)
		dst[stride+1] = clamp8((f00 - f01 - f10 + f11 + round) >> 3)
	case 3:
		dst[0] = clamp8((f(0, 0) + 4 + 128<<3) >> 3) // the block mean
	}
}

// clamp8 clips a level-shifted sample to a byte.
func clamp8(x int32) uint8 {
	return uint8(min(max(x, 0), 255))
}

// drawYCbCr converts src into dst of the same bounds; it stands in for
// image/internal/imageutil.DrawYCbCr, which only the standard library may
// import (the YCbCrK path of applyBlack, rare enough not to need its speed).
func drawYCbCr(dst *image.RGBA, src *image.YCbCr) {
	b := src.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := dst.Pix[dst.PixOffset(b.Min.X, y):]
		for x := b.Min.X; x < b.Max.X; x++ {
			yi, ci := src.YOffset(x, y), src.COffset(x, y)
			r, g, bl := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
			i := 4 * (x - b.Min.X)
			row[i], row[i+1], row[i+2], row[i+3] = r, g, bl, 0xFF
		}
	}
}
