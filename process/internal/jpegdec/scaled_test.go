package jpegdec

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// samples are this package's files (upstream's test images: every
// subsampling, progressive, restart markers, gray, CMYK, RGB) and the
// repository's photos.
func samples(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	for _, pat := range []string{"testdata/*.jpeg", "../../../testdata/images/*/*.jpg"} {
		paths, err := filepath.Glob(pat)
		if err != nil || len(paths) == 0 {
			tb.Fatalf("no samples match %s: %v", pat, err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			out[filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p)] = b
		}
	}
	return out
}

// TestDecodeIsImageJPEG: at scale 1 the copy decodes exactly as the
// standard library does, failures included.
func TestDecodeIsImageJPEG(t *testing.T) {
	for name, b := range samples(t) {
		want, wantErr := jpeg.Decode(bytes.NewReader(b))
		got, err := Decode(bytes.NewReader(b))
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Errorf("%s: err = %v, image/jpeg: %v", name, err, wantErr)
			continue
		}
		if err == nil && !equalPlanes(planes(got), planes(want)) {
			t.Errorf("%s: pixels differ from image/jpeg", name)
		}
	}
}

// TestDecodeScaledAgreesAcrossScales: every scale fails exactly when the
// full decode fails, returns the same image type, ceil(size/denom), and
// planes close to the full decode box-averaged by denom.
func TestDecodeScaledAgreesAcrossScales(t *testing.T) {
	// Box averaging keeps aliasing the reduced IDCT drops, so the two
	// differ on fine detail (30 dB at worst on these files). This checks
	// the plumbing (sizes, offsets, strides: a misplaced block costs far
	// more); TestReducedIDCT checks the arithmetic to ±1.
	const minPSNR = 28
	for name, b := range samples(t) {
		full, fullErr := Decode(bytes.NewReader(b))
		for _, d := range []int{2, 4, 8} {
			got, err := DecodeScaled(bytes.NewReader(b), d)
			if (err == nil) != (fullErr == nil) || err != nil && err.Error() != fullErr.Error() {
				t.Errorf("%s 1/%d: err = %v, full decode: %v", name, d, err, fullErr)
				continue
			}
			if err != nil {
				continue
			}
			fb := full.Bounds()
			if want := image.Rect(0, 0, (fb.Dx()+d-1)/d, (fb.Dy()+d-1)/d); got.Bounds() != want {
				t.Errorf("%s 1/%d: bounds %v, want %v", name, d, got.Bounds(), want)
				continue
			}
			gp, fp := planes(got), planes(full)
			if len(gp) != len(fp) {
				t.Errorf("%s 1/%d: %T, full decode %T", name, d, got, full)
				continue
			}
			for i := range gp {
				// Interleaved outputs (RGB, CMYK) replicate subsampled
				// channels, at half the scaled resolution: compare one
				// step coarser there.
				c := 1
				if gp[i].step != 1 {
					c = 2
				}
				p := psnr(boxShrink(gp[i], c), boxShrink(fp[i], c*d))
				if p < minPSNR {
					t.Errorf("%s 1/%d plane %d: PSNR %.1f dB against the box-averaged full decode, want >= %d", name, d, i, p, minPSNR)
				}
			}
		}
	}
}

// TestDecodeScaledProgressiveIsBaseline: the progressive and baseline
// files of one image hold the same coefficients, so they decode to the
// same pixels at every scale (the reduced IDCT is shared by both paths).
func TestDecodeScaledProgressiveIsBaseline(t *testing.T) {
	for _, base := range []string{"video-001", "video-001.q50.410", "video-001.q50.411", "video-001.q50.420",
		"video-001.q50.422", "video-001.q50.440", "video-001.q50.444", "video-005.gray.q50",
		"video-005.gray.q50.2x2", "video-001.separate.dc.progression"} {
		for _, d := range []int{2, 4, 8} {
			a := mustDecodeFile(t, "testdata/"+base+".jpeg", d)
			b := mustDecodeFile(t, "testdata/"+base+".progressive.jpeg", d)
			if !equalPlanes(planes(a), planes(b)) {
				t.Errorf("%s 1/%d: progressive and baseline differ", base, d)
			}
		}
	}
}

func TestDecodeScaledRefusesOtherDenominators(t *testing.T) {
	b, err := os.ReadFile("testdata/video-001.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []int{-2, 0, 3, 16} {
		if _, err := DecodeScaled(bytes.NewReader(b), d); err == nil {
			t.Errorf("denominator %d accepted", d)
		}
	}
}

// TestReducedIDCT compares the fixed-point reduced inverse DCTs with the
// formula in floating point, on random coefficients of valid magnitude.
func TestReducedIDCT(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var qt block
	for i := range qt {
		qt[i] = int32(1 + rng.Intn(4))
	}
	for scale := uint(1); scale <= 3; scale++ {
		n := 8 >> scale
		for k := 0; k < 2000; k++ {
			var b block
			for i := range b {
				b[i] = int32(rng.Intn(200)-100) * (int32(k%4) + 1)
			}
			dst := make([]byte, n*n)
			reconstructScaled(&b, &qt, scale, dst, n)
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					want := reducedIDCT(&b, &qt, n, x, y)
					if d := float64(dst[n*y+x]) - want; d > 1 || d < -1 {
						t.Fatalf("1/%d block %d (%d,%d): %d, formula %.2f", 1<<scale, k, x, y, dst[n*y+x], want)
					}
				}
			}
		}
	}
}

// reducedIDCT is idct4.go's formula for an n x n output, level-shifted
// and clipped.
func reducedIDCT(b, qt *block, n, x, y int) float64 {
	c := func(u int) float64 {
		if u == 0 {
			return 1 / math.Sqrt2
		}
		return 1
	}
	s := 0.0
	for v := 0; v < n; v++ {
		for u := 0; u < n; u++ {
			f := float64(b[8*v+u] * qt[zigOf[8*v+u]])
			s += c(u) * c(v) * f * math.Cos(float64((2*x+1)*u)*math.Pi/float64(2*n)) *
				math.Cos(float64((2*y+1)*v)*math.Pi/float64(2*n))
		}
	}
	return math.Min(255, math.Max(0, s/4+128))
}

func mustDecodeFile(t *testing.T, path string, d int) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := DecodeScaled(bytes.NewReader(b), d)
	if err != nil {
		t.Fatalf("%s 1/%d: %v", path, d, err)
	}
	return m
}
