package process

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStripJPEGDropsTrailerAndSegments: IPTC, COM and the appended MP4 go;
// the output ends at the first EOI.
func TestStripJPEGDropsTrailerAndSegments(t *testing.T) {
	raw := mustRead(t, "images/crafted/iptc_comment_trailer.jpg")
	var out bytes.Buffer
	if err := StripJPEG(&out, raw, 1); err != nil {
		t.Fatal(err)
	}
	var markers []byte
	if err := walkHeader(out.Bytes(), func(s segment) bool { markers = append(markers, s.marker); return true }); err != nil {
		t.Fatal(err)
	}
	for _, m := range markers {
		if (m >= 0xE1 && m <= 0xED) || m == 0xFE || m == 0xEF {
			t.Errorf("marker %#x survived", m)
		}
	}
	if !bytes.HasSuffix(out.Bytes(), []byte{0xFF, 0xD9}) || bytes.Contains(out.Bytes(), []byte("ftyp")) {
		t.Error("trailer after EOI survived")
	}
}

// TestStripPNGChunks: only allow-listed chunks remain, CRCs stay valid.
func TestStripPNGChunks(t *testing.T) {
	raw := mustRead(t, "images/crafted/png_meta.png")
	var out bytes.Buffer
	if err := StripPNG(&out, append(raw, "junk after IEND"...)); err != nil {
		t.Fatal(err)
	}
	var types []string
	err := walkPNG(out.Bytes(), func(c pngChunk) {
		types = append(types, c.typ)
		if got := binary.BigEndian.Uint32(c.raw[len(c.raw)-4:]); got != crc32.ChecksumIEEE(c.raw[4:len(c.raw)-4]) {
			t.Errorf("%s: bad CRC", c.typ)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range types {
		if !pngKeep[ty] {
			t.Errorf("chunk %s survived", ty)
		}
	}
	if !bytes.HasSuffix(out.Bytes(), []byte("IEND\xae\x42\x60\x82")) {
		t.Error("output does not end with IEND")
	}
}

// TestStripWebPChunks: EXIF and XMP go, VP8X flags and RIFF size agree.
func TestStripWebPChunks(t *testing.T) {
	raw := mustRead(t, "images/crafted/webp_meta.webp")
	var out bytes.Buffer
	if err := StripWebP(&out, raw); err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	if got := int(binary.LittleEndian.Uint32(b[4:])) + 8; got != len(b) {
		t.Errorf("RIFF size says %d, file is %d", got, len(b))
	}
	var ids []string
	walkWebP(b, func(id string, data, _ []byte) {
		ids = append(ids, id)
		if id == "VP8X" && data[0]&(vp8xEXIF|vp8xXMP) != 0 {
			t.Errorf("VP8X flags %#x still announce metadata", data[0])
		}
	})
	for _, id := range ids {
		if !webpKeep[id] {
			t.Errorf("chunk %q survived", id)
		}
	}
}

// TestStripGIF: comments, foreign application extensions and trailing data
// go; NETSCAPE2.0 looping and every frame stay.
func TestStripGIF(t *testing.T) {
	src := makeGIF(t)
	// Insert a comment and an XMP application extension after the header,
	// and junk after the trailer.
	h, err := (&gifScanner{src: src}).header()
	if err != nil {
		t.Fatal(err)
	}
	hdr := len(h)
	comment := []byte("\x21\xFE\x05hello\x00")
	xmp := append([]byte("\x21\xFF\x0BXMP DataXMP\x04gps!"), 0)
	dirty := append(append(append(append([]byte{}, src[:hdr]...), comment...), xmp...), src[hdr:]...)
	dirty = append(dirty, "trailing secrets"...)

	var out bytes.Buffer
	if err := StripGIF(&out, dirty); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(src, out.Bytes()); diff != "" {
		t.Errorf("stripped GIF differs from the clean original (-want +got):\n%s", diff)
	}
}

// makeGIF encodes a two-frame looping GIF (so NETSCAPE2.0 is present).
func makeGIF(t *testing.T) []byte {
	t.Helper()
	var frames []*image.Paletted
	for i := 0; i < 2; i++ {
		f := image.NewPaletted(image.Rect(0, 0, 4, 4), palette.Plan9)
		f.Set(i, i, color.White)
		frames = append(frames, f)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: frames, Delay: []int{5, 5}, LoopCount: 0}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("NETSCAPE2.0")) {
		t.Fatal("fixture has no NETSCAPE2.0 block")
	}
	return buf.Bytes()
}

// TestStripWebPFrames: an EXIF chunk hidden inside an animation frame goes,
// from a real animation (the frame keeps its pixels) and from a still
// image that carries a frame no decoder reads (the frame goes whole).
func TestStripWebPFrames(t *testing.T) {
	for _, tc := range []struct {
		rel      string
		wantANMF int
	}{
		{"images/hostile/webp_animated_exif_in_frame.webp", 2},
		{"images/crafted/webp_exif_in_stray_frame.webp", 0},
	} {
		raw := mustRead(t, tc.rel)
		if !bytes.Contains(raw, []byte("GPS 31")) {
			t.Fatalf("%s: fixture lost its planted EXIF", tc.rel)
		}
		var out bytes.Buffer
		if err := StripWebP(&out, raw); err != nil {
			t.Fatalf("%s: %v", tc.rel, err)
		}
		b := out.Bytes()
		if bytes.Contains(b, []byte("GPS 31")) || bytes.Contains(b, []byte("EXIF")) {
			t.Errorf("%s: the frame's EXIF survived", tc.rel)
		}
		frames := 0
		err := walkWebP(b, func(id string, data, _ []byte) {
			if id != "ANMF" {
				return
			}
			frames++
			if got := anmfPixels(data); !bytes.Equal(got, data) || len(data) < 16+8 {
				t.Errorf("%s: frame holds more than its pixels", tc.rel)
			}
		})
		if err != nil || frames != tc.wantANMF {
			t.Errorf("%s: %d frames (%v), want %d", tc.rel, frames, err, tc.wantANMF)
		}
		if got := int(binary.LittleEndian.Uint32(b[4:])) + 8; got != len(b) {
			t.Errorf("%s: RIFF size says %d, file is %d", tc.rel, got, len(b))
		}
	}
}
