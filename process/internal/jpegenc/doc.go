// Package jpegenc is the standard library's JPEG encoder (image/jpeg of
// Go 1.26.8: writer.go and the forward half of dct.go) with two shortcuts
// that leave its output byte for byte the same: quantization by a multiply
// instead of a division, and a 4:2:0 *image.YCbCr read straight from its
// planes (upstream replicates every chroma sample to 2x2 and averages the
// copies back). The derivatives of a photo, 4:2:0 planes end to end, are
// what it is for. The changes are listed in NOTICE; the code is under the
// Go licence (LICENSE); only package process uses it.
package jpegenc
