package process

// Shared pieces of the fuzz targets (fuzz_strip_test.go, fuzz_parse_test.go).
// Seeds come from the repository's fixtures plus a few tiny files built in
// code: the mutator works best on small inputs, and the fixtures are what
// real uploads look like. testdata/fuzz/ holds only crashers.

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/webp"
)

// maxSeedSize skips the 2 MB phone photos: seeds run on every `go test`.
const maxSeedSize = 300 << 10

// stripSlack is how much a stripped file may grow: the Orientation APP1
// (36 bytes) and a rebuilt ICC profile, which sanitizeICC keeps within 2 KiB
// of the original (FuzzSanitizeICC checks that) but which PNG recompresses
// with its own zlib settings. 64 KiB is far above both; an amplification
// bug (a small file turned into megabytes) is far above it.
const stripSlack = 64 << 10

// maxDecodePixels bounds the decodes the properties run: a mutated header
// may declare 65535x65535, and decoding that would test the fuzzer's
// memory, not the stripper.
const maxDecodePixels = 1 << 22

// seedFiles returns the fixtures matching the patterns (relative to the
// repository's testdata/) of at most maxSeedSize bytes.
func seedFiles(tb testing.TB, patterns ...string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, p := range patterns {
		paths, err := filepath.Glob(filepath.Join(testdataDir, p))
		if err != nil {
			tb.Fatal(err)
		}
		for _, path := range paths {
			if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() || fi.Size() > maxSeedSize {
				continue
			}
			b, err := os.ReadFile(path)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no seed fixtures match %q", patterns)
	}
	return out
}

// decoder is one format's image.DecodeConfig and image.Decode.
type decoder struct {
	config func([]byte) (image.Config, error)
	decode func([]byte) (image.Image, error)
}

func rd(f func(r *bytes.Reader) (image.Config, error)) func([]byte) (image.Config, error) {
	return func(b []byte) (image.Config, error) { return f(bytes.NewReader(b)) }
}

func rdi(f func(r *bytes.Reader) (image.Image, error)) func([]byte) (image.Image, error) {
	return func(b []byte) (image.Image, error) { return f(bytes.NewReader(b)) }
}

var (
	jpegDec = decoder{rd(func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }),
		rdi(func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) })}
	pngDec = decoder{rd(func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }),
		rdi(func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) })}
	gifDec = decoder{rd(func(r *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(r) }),
		rdi(func(r *bytes.Reader) (image.Image, error) { return gif.Decode(r) })}
	webpDec = decoder{rd(func(r *bytes.Reader) (image.Config, error) { return webp.DecodeConfig(r) }),
		rdi(func(r *bytes.Reader) (image.Image, error) { return webp.Decode(r) })}
)

// checkStillDecodes is the property shared by the strippers: what the
// standard decoder reads in src it reads in out too, at the same size.
// Inputs declaring more than maxDecodePixels are not decoded.
func checkStillDecodes(t *testing.T, d decoder, src, out []byte) {
	t.Helper()
	c, err := d.config(src)
	if err != nil || int64(c.Width)*int64(c.Height) > maxDecodePixels {
		return
	}
	in, err := d.decode(src)
	if err != nil {
		return
	}
	got, err := d.decode(out)
	if err != nil {
		t.Fatalf("input decodes, stripped output does not: %v", err)
	}
	if got.Bounds() != in.Bounds() {
		t.Fatalf("stripped output decodes at %v, input at %v", got.Bounds(), in.Bounds())
	}
}

// checkIdempotent: stripping a stripped file changes nothing.
func checkIdempotent(t *testing.T, out []byte, strip func(*bytes.Buffer, []byte) error) {
	t.Helper()
	var again bytes.Buffer
	if err := strip(&again, out); err != nil {
		t.Fatalf("stripping the output again fails: %v", err)
	}
	if !bytes.Equal(again.Bytes(), out) {
		t.Fatalf("not idempotent: %d bytes stripped again became %d different bytes", len(out), again.Len())
	}
}

// checkICCSanitized: a profile found in an output is one sanitizeICC made,
// so sanitizing it again changes nothing.
func checkICCSanitized(t *testing.T, p []byte) {
	t.Helper()
	if p == nil {
		t.Fatal("output carries an ICC profile that does not parse")
	}
	if !bytes.Equal(sanitizeICC(p), p) {
		t.Fatalf("output ICC profile (%d bytes) is not a sanitized one", len(p))
	}
}

// tinyImage is a 4x4 test pattern: small seeds mutate fast.
func tinyImage() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := range m.Pix {
		m.Pix[i] = byte(i * 37)
	}
	m.Set(0, 0, color.NRGBA{255, 0, 0, 128})
	return m
}

// plantedICC is the fixture profile with text tags planted in it.
func plantedICC(tb testing.TB) []byte { return mustRead(tb, "icc/planted.icc") }
