// Package jpegdec is the standard library's JPEG decoder (image/jpeg of
// Go 1.26.8: reader.go, huffman.go, scan.go and the inverse half of dct.go)
// with one addition, DecodeScaled, which decodes at 1/2, 1/4 or 1/8 scale
// in the DCT domain as libjpeg does. A photo bound for a 1440-pixel preview
// then costs a quarter of the inverse DCT and pixel memory of a full decode.
//
// Everything else is kept as upstream wrote it: baseline, extended and
// progressive decoding, restart markers, the format checks and the
// behaviour on hostile input. The changes are marked in NOTICE. The code
// is under the Go licence (LICENSE); only package process uses it.
package jpegdec
