package process

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDerivativeSizes: thumb short edge, preview long edge, 5:4 card, never
// upscaled, for big, small and extreme aspect ratios.
func TestDerivativeSizes(t *testing.T) {
	type sizes struct{ Thumb, Preview, Card image.Point }
	cases := []struct {
		w, h int
		want sizes
	}{
		{3264, 2448, sizes{image.Pt(427, 320), image.Pt(1440, 1080), image.Pt(500, 400)}},
		{2448, 3264, sizes{image.Pt(320, 427), image.Pt(1080, 1440), image.Pt(500, 400)}},
		{200, 100, sizes{image.Pt(200, 100), image.Pt(200, 100), image.Pt(125, 100)}},
		{10000, 1000, sizes{image.Pt(3200, 320), image.Pt(1440, 144), image.Pt(500, 400)}},
	}
	p := mustProcessor(t)
	for _, c := range cases {
		res, err := p.Image(context.Background(), pngOf(t, c.w, c.h, false))
		if err != nil {
			t.Fatal(err)
		}
		got := sizes{size(t, res.Thumb), size(t, res.Preview), size(t, res.Card)}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%dx%d (-want +got):\n%s", c.w, c.h, diff)
		}
	}
}

// TestAlphaFlattenedOnWhite: transparent PNG areas become white, not black.
func TestAlphaFlattenedOnWhite(t *testing.T) {
	res, err := mustProcessor(t).Image(context.Background(), pngOf(t, 64, 64, true))
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := mustDecode(t, res.Thumb).At(2, 2).RGBA()
	if r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
		t.Errorf("transparent pixel became %d,%d,%d", r>>8, g>>8, b>>8)
	}
}

// TestICCCarried: the source RGB profile, rebuilt from its colour tags,
// reaches every derivative.
func TestICCCarried(t *testing.T) {
	raw := mustRead(t, "images/orientation/landscape_6.jpg")
	icc := sanitizeICC(jpegICC(raw))
	if icc == nil {
		t.Fatal("fixture has no ICC profile")
	}
	res, err := mustProcessor(t).Image(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{res.Original, res.Thumb, res.Preview, res.Card} {
		if !bytes.Equal(jpegICC(b), icc) {
			t.Error("ICC profile not carried")
		}
	}
	// A PNG iCCP profile is converted to JPEG APP2 chunks.
	res, err = mustProcessor(t).Image(context.Background(), withICCP(t, pngOf(t, 50, 40, false), jpegICC(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(jpegICC(res.Preview), icc) {
		t.Error("PNG iCCP profile not carried into the preview")
	}
}

// withICCP inserts an iCCP chunk holding icc right after IHDR.
func withICCP(t *testing.T, src, icc []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(icc)
	zw.Close()
	data := append([]byte("P3\x00\x00"), z.Bytes()...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(append(chunk, "iCCP"...), data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	at := 8 + 12 + 13 // signature + IHDR
	return append(append(append([]byte{}, src[:at]...), chunk...), src[at:]...)
}

// TestThumbHashAverage: the hash's DC terms decode to the input's colour.
func TestThumbHashAverage(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 20, 10))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []byte{200, 100, 50, 255})
	}
	h := thumbHash(20, 10, img.Pix)
	hdr := uint32(h[0]) | uint32(h[1])<<8 | uint32(h[2])<<16
	l := float64(hdr&63) / 63
	p := float64(hdr>>6&63)/31.5 - 1
	q := float64(hdr>>12&63)/31.5 - 1
	b := l - 2.0/3*p
	r := (3*l - b + q) / 2
	g := r - q
	for _, c := range []struct{ got, want float64 }{{r, 200.0 / 255}, {g, 100.0 / 255}, {b, 50.0 / 255}} {
		if d := c.got - c.want; d > 0.03 || d < -0.03 {
			t.Errorf("average channel %.3f, want %.3f", c.got, c.want)
		}
	}
	if len(h) < 5 || placeholder(img) == "" {
		t.Error("empty hash")
	}
}

// TestDecodeBudget: an image larger than the whole budget fails with
// too_many_pixels; one that must wait gives up when ctx ends.
func TestDecodeBudget(t *testing.T) {
	o := DefaultOptions()
	o.DecodeBudgetBytes = o.decodeBytes(100, 100)
	p, _ := New(o)
	if _, err := p.Image(context.Background(), pngOf(t, 101, 100, false)); Reason(err) != ReasonTooManyPixels {
		t.Errorf("over budget: err = %v", err)
	}
	release, err := p.budget.acquire(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Image(ctx, pngOf(t, 100, 100, false)); Permanent(err) || err == nil {
		t.Errorf("cancelled wait: err = %v", err)
	}
	done := make(chan error)
	go func() { _, err := p.Image(context.Background(), pngOf(t, 100, 100, false)); done <- err }()
	release()
	if err := <-done; err != nil {
		t.Errorf("after release: %v", err)
	}
}

func pngOf(t *testing.T, w, h int, alpha bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if alpha && x < w/2 {
				a = 0
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 90, a})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func size(t *testing.T, b []byte) image.Point {
	t.Helper()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return image.Pt(cfg.Width, cfg.Height)
}

// TestDecodeBudgetIsFIFO: a large decode waiting for room is served before
// a smaller one that arrives after it, even when the small one would fit.
func TestDecodeBudgetIsFIFO(t *testing.T) {
	b := newBudget(10)
	hold, err := b.acquire(context.Background(), 6)
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 2)
	go func() {
		if rel, err := b.acquire(context.Background(), 8); err == nil {
			order <- "big"
			rel()
		}
	}()
	// The large decode is queued once a small one, which would fit beside
	// the 6 held, is refused: only a waiter ahead of it refuses it.
	for b.sem.TryAcquire(3) {
		b.sem.Release(3)
		runtime.Gosched()
	}
	go func() {
		if rel, err := b.acquire(context.Background(), 3); err == nil {
			order <- "small"
			rel()
		}
	}()
	hold()
	if first := <-order; first != "big" {
		t.Errorf("served %s first, want the large decode that waited first", first)
	}
	if second := <-order; second != "small" {
		t.Errorf("then %s", second)
	}
}
