package process

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"runtime"
	"testing"
	"time"

	"github.com/disintegration/imaging"
)

// TestOrientationSamples: all 16 samples come out upright with the content
// of *_1.jpg, in every derivative.
func TestOrientationSamples(t *testing.T) {
	p := mustProcessor(t)
	for _, kind := range []string{"landscape", "portrait"} {
		ref := mustImage(t, p, fmt.Sprintf("images/orientation/%s_1.jpg", kind))
		for n := 1; n <= 8; n++ {
			name := fmt.Sprintf("%s_%d", kind, n)
			t.Run(name, func(t *testing.T) {
				raw := mustRead(t, "images/orientation/"+name+".jpg")
				if o, err := ReadOrientation(raw); err != nil || o != n {
					t.Fatalf("ReadOrientation = %d, %v; want %d", o, err, n)
				}
				res, err := p.Image(context.Background(), raw)
				if err != nil {
					t.Fatal(err)
				}
				if (res.Width > res.Height) != (kind == "landscape") {
					t.Errorf("Width x Height = %dx%d, not %s", res.Width, res.Height, kind)
				}
				for _, d := range [][]byte{res.Thumb, res.Preview} {
					img := mustDecode(t, d)
					b := img.Bounds()
					if (b.Dx() > b.Dy()) != (kind == "landscape") {
						t.Errorf("derivative %v is not %s", b.Size(), kind)
					}
					// The samples carry a different digit each, so instead of a
					// fixed threshold: no other dihedral transform of the
					// derivative may match *_1 better than the derivative itself.
					diff := meanAbsDiff(img, ref)
					for o := 2; o <= 8; o++ {
						other := orient(img, o)
						if other.Bounds().Size() == img.Bounds().Size() && meanAbsDiff(other, ref) <= diff {
							t.Errorf("content matches %s_1 better after transform %d (%.1f <= %.1f)", kind, o, meanAbsDiff(other, ref), diff)
						}
					}
					if diff > 25 {
						t.Errorf("content differs from %s_1: mean abs diff %.1f", kind, diff)
					}
				}
			})
		}
	}
}

// TestXMPFirstOrientation: orientation is found in the EXIF APP1 that
// follows an XMP APP1.
func TestXMPFirstOrientation(t *testing.T) {
	o, err := ReadOrientation(mustRead(t, "images/crafted/xmp_first_orientation6.jpg"))
	if err != nil || o != 6 {
		t.Fatalf("ReadOrientation = %d, %v; want 6", o, err)
	}
}

// TestHostileEXIF: an IFD cycle and a count overflow neither hang nor
// allocate more than a few MiB.
func TestHostileEXIF(t *testing.T) {
	p := mustProcessor(t)
	for _, name := range []string{"exif_ifd_cycle.jpg", "exif_count_overflow_40b.jpg"} {
		t.Run(name, func(t *testing.T) {
			raw := mustRead(t, "images/hostile/"+name)
			// The 40-byte file starts 0x10 0xD8, so it never reaches the EXIF
			// reader through Detect; a copy with a proper SOI makes sure the
			// overflowing count itself is exercised.
			fixed := append([]byte{0xFF}, raw[1:]...)
			within(t, 10*time.Second, func() {
				for _, b := range [][]byte{raw, fixed} {
					if alloc := allocated(func() { ReadOrientation(b) }); alloc > 1<<20 {
						t.Errorf("ReadOrientation allocated %d bytes", alloc)
					}
				}
				if o, err := ReadOrientation(fixed); o != 1 || err != nil {
					t.Errorf("ReadOrientation = %d, %v; want 1 (hostile tag ignored)", o, err)
				}
				var err error
				alloc := allocated(func() { _, err = p.Image(context.Background(), raw) })
				if alloc > 64<<20 {
					t.Errorf("Image allocated %d bytes", alloc)
				}
				if err != nil && Reason(err) == ReasonInternal {
					t.Errorf("Image: %v", err)
				}
				t.Logf("Image: err=%v alloc=%d", err, alloc)
			})
		})
	}
}

// allocated returns the bytes allocated while f ran.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// mustImage processes a fixture and decodes its preview.
func mustImage(t *testing.T, p *Processor, rel string) image.Image {
	t.Helper()
	res, err := p.Image(context.Background(), mustRead(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return mustDecode(t, res.Preview)
}

func mustDecode(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// meanAbsDiff compares two images scaled to 32x32, per channel, 0..255.
func meanAbsDiff(a, b image.Image) float64 {
	x := imaging.Resize(a, 32, 32, imaging.Box)
	y := imaging.Resize(b, 32, 32, imaging.Box)
	sum := 0
	for i := range x.Pix {
		if i%4 != 3 {
			sum += max(int(x.Pix[i])-int(y.Pix[i]), int(y.Pix[i])-int(x.Pix[i]))
		}
	}
	return float64(sum) / float64(32*32*3)
}
