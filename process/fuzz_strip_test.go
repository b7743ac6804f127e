package process

// Fuzz targets for the metadata strippers. Each one checks what the
// stripper promises, not only that it does not panic: the output holds
// nothing outside the allow-list, is not much larger than the input, is a
// fixed point (stripping it again changes nothing), still decodes where
// the input decoded, and a failure is always ErrCorrupt (the upload is
// refused as broken, not retried as an internal error).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

func FuzzStripJPEG(f *testing.F) {
	for _, b := range seedFiles(f, "images/*/*.jpg") {
		o, _ := ReadOrientation(b) // what the pipeline passes
		f.Add(b, o)
	}
	f.Add(dirtyJPEG(f), 6)
	f.Fuzz(func(t *testing.T, src []byte, orient int) {
		var out bytes.Buffer
		if err := StripJPEG(&out, src, orient); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("StripJPEG: %v, want a corrupt error", err)
			}
			return
		}
		b := out.Bytes()
		if len(b) > len(src)+stripSlack {
			t.Fatalf("%d bytes in, %d out", len(src), len(b))
		}
		checkJPEGAllowList(t, b, orient)
		checkIdempotent(t, b, func(w *bytes.Buffer, s []byte) error { return StripJPEG(w, s, orient) })
		// The Orientation written back is the one asked for, and is read back.
		want := 1
		if orient >= 2 && orient <= 8 {
			want = orient
		}
		if o, err := ReadOrientation(b); err != nil || o != want {
			t.Fatalf("ReadOrientation(output) = %d, %v; want %d", o, err, want)
		}
		checkStillDecodes(t, jpegDec, src, b)
	})
}

// checkJPEGAllowList walks the whole output, scans included: only the
// segments StripJPEG emits, in their canonical form, and nothing after EOI.
func checkJPEGAllowList(t *testing.T, b []byte, orient int) {
	t.Helper()
	if len(b) < 2 || b[0] != 0xFF || b[1] != mSOI {
		t.Fatal("output does not start with SOI")
	}
	app1, iccSegs := 0, 0
	for pos := 2; ; {
		seg, err := nextSegment(b, pos)
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		m, p := seg.marker, seg.payload
		switch {
		case m == mEOI:
			if seg.end != len(b) {
				t.Fatalf("%d bytes after EOI", len(b)-seg.end)
			}
			if iccSegs > 0 {
				checkICCSanitized(t, jpegICC(b))
			}
			return
		case m == mAPP0:
			if len(p) != 14 || !bytes.HasPrefix(p, jfifTag) || p[12] != 0 || p[13] != 0 {
				t.Fatalf("APP0 %q is not a canonical JFIF header without thumbnail", p)
			}
		case m == mAPP1:
			// Only the minimal EXIF StripJPEG writes for orientation 2..8.
			if app1++; app1 > 1 || orient < 2 || orient > 8 || !bytes.Equal(b[seg.start:seg.end], orientationAPP1(orient)) {
				t.Fatalf("APP1 %q survived (orientation %d)", p, orient)
			}
		case m == mAPP2:
			if !bytes.HasPrefix(p, iccTag) {
				t.Fatalf("APP2 %q survived", p)
			}
			iccSegs++
		case m == mAPP14:
			if len(p) != 12 || !bytes.HasPrefix(p, adobeTag) {
				t.Fatalf("APP14 %q survived", p)
			}
		case m >= 0xC0 && m <= 0xCF && m != 0xC8, m >= 0xDA && m <= 0xDD:
			// SOFn, DHT, DAC, SOS, DQT, DNL, DRI: image data.
		default: // APP3..APP13, APP15, COM, standalone markers, JPG...
			t.Fatalf("marker %#x survived", m)
		}
		pos = seg.end
		if m == mSOS {
			if pos, err = scanEntropy(b, pos); err != nil {
				t.Fatalf("output scan does not parse: %v", err)
			}
		}
	}
}

func FuzzStripPNG(f *testing.F) {
	for _, b := range seedFiles(f, "images/*/*.png") {
		f.Add(b)
	}
	f.Add(dirtyPNG(f))
	f.Fuzz(func(t *testing.T, src []byte) {
		var out bytes.Buffer
		if err := StripPNG(&out, src); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("StripPNG: %v, want a corrupt error", err)
			}
			return
		}
		b := out.Bytes()
		if len(b) > len(src)+stripSlack {
			t.Fatalf("%d bytes in, %d out", len(src), len(b))
		}
		// Chunks are copied, not re-checksummed: a bad CRC in the output
		// must be one the input already had, never one the stripper made.
		badIn := map[string]bool{}
		walkPNG(src, func(c pngChunk) {
			if !pngCRCValid(c) {
				badIn[string(c.raw)] = true
			}
		})
		var types []string
		end := len(pngSig)
		err := walkPNG(b, func(c pngChunk) {
			types = append(types, c.typ)
			end += len(c.raw)
			if !pngKeep[c.typ] {
				t.Errorf("chunk %q survived", c.typ)
			}
			if !pngCRCValid(c) && (c.typ == "iCCP" || !badIn[string(c.raw)]) {
				t.Errorf("chunk %q: the stripper wrote a bad CRC", c.typ)
			}
		})
		if err != nil || types[0] != "IHDR" || end != len(b) {
			t.Fatalf("output chunks %q (%v): want IHDR first and nothing after IEND", types, err)
		}
		iccp := 0
		for _, ty := range types {
			if ty == "iCCP" {
				iccp++
			}
		}
		if iccp > 1 {
			t.Fatalf("%d iCCP chunks", iccp)
		}
		if iccp == 1 {
			checkICCSanitized(t, pngICC(b))
		}
		if t.Failed() {
			return
		}
		checkIdempotent(t, b, func(w *bytes.Buffer, s []byte) error { return StripPNG(w, s) })
		checkStillDecodes(t, pngDec, src, b)
	})
}

func pngCRCValid(c pngChunk) bool {
	return binary.BigEndian.Uint32(c.raw[len(c.raw)-4:]) == crc32.ChecksumIEEE(c.raw[4:len(c.raw)-4])
}

func FuzzStripWebP(f *testing.F) {
	for _, b := range seedFiles(f, "images/*/*.webp") {
		f.Add(b)
	}
	for _, b := range dirtyWebPs(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var out bytes.Buffer
		if err := StripWebP(&out, src); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("StripWebP: %v, want a corrupt error", err)
			}
			return
		}
		b := out.Bytes()
		if len(b) > len(src)+stripSlack {
			t.Fatalf("%d bytes in, %d out", len(src), len(b))
		}
		if got := int64(binary.LittleEndian.Uint32(b[4:])) + 8; got != int64(len(b)) {
			t.Fatalf("RIFF size says %d bytes, file has %d", got, len(b))
		}
		var flags []byte
		iccChunks, anim := 0, false
		err := walkWebP(b, func(id string, data, raw []byte) {
			if !webpKeep[id] {
				t.Errorf("chunk %q survived", id)
			}
			switch id {
			case "VP8X":
				if len(data) > 0 {
					flags = append(flags, data[0])
					anim = anim || data[0]&vp8xAnimation != 0
				}
			case "ICCP":
				iccChunks++
				checkICCSanitized(t, data)
			case "ANIM", "ANMF":
				if !anim {
					t.Errorf("%s kept without a VP8X announcing an animation", id)
				}
				if id == "ANMF" {
					checkANMF(t, data)
				}
			}
			if len(raw) != 8+len(data)+len(data)%2 {
				t.Errorf("chunk %q is not padded to an even size", id)
			}
		})
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		for _, fl := range flags {
			if fl&(vp8xEXIF|vp8xXMP) != 0 || (fl&vp8xICC != 0 && iccChunks == 0) {
				t.Errorf("VP8X flags %#x announce metadata the file does not have", fl)
			}
		}
		if iccChunks > 1 {
			t.Errorf("%d ICCP chunks", iccChunks)
		}
		if t.Failed() {
			return
		}
		checkIdempotent(t, b, func(w *bytes.Buffer, s []byte) error { return StripWebP(w, s) })
		checkStillDecodes(t, webpDec, src, b)
	})
}

// checkANMF: a kept frame is its 16-byte header and pixel chunks, well
// formed to the last byte (no EXIF or XMP hidden inside).
func checkANMF(t *testing.T, data []byte) {
	t.Helper()
	if len(data) < 16 {
		return // too short to hold any chunk: kept as is, fails to decode
	}
	for pos := 16; pos < len(data); {
		if pos+8 > len(data) {
			t.Errorf("ANMF: %d stray bytes", len(data)-pos)
			return
		}
		id, n := string(data[pos:pos+4]), int(binary.LittleEndian.Uint32(data[pos+4:]))
		if !anmfKeep[id] {
			t.Errorf("ANMF: chunk %q survived inside a frame", id)
		}
		if pos+8+n+n%2 > len(data) {
			t.Errorf("ANMF: chunk %q runs past the frame", id)
			return
		}
		pos += 8 + n + n%2
	}
}

func FuzzStripGIF(f *testing.F) {
	for _, b := range seedFiles(f, "images/*/*.gif") {
		f.Add(b)
	}
	f.Add(dirtyGIF(f))
	f.Fuzz(func(t *testing.T, src []byte) {
		var out bytes.Buffer
		if err := StripGIF(&out, src); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("StripGIF: %v, want a corrupt error", err)
			}
			return
		}
		b := out.Bytes()
		if len(b) > len(src) { // StripGIF only copies or drops
			t.Fatalf("%d bytes in, %d out", len(src), len(b))
		}
		checkGIFAllowList(t, b)
		checkIdempotent(t, b, func(w *bytes.Buffer, s []byte) error { return StripGIF(w, s) })
		checkStillDecodes(t, gifDec, src, b)
	})
}

// checkGIFAllowList: header, images, and only two extensions, each in its
// fixed shape: graphic control (4 bytes: timing, transparency) and the
// NETSCAPE2.0 loop count (3 bytes). Any further sub-block would be room
// for arbitrary data that every decoder skips. Ends at the trailer.
func checkGIFAllowList(t *testing.T, b []byte) {
	t.Helper()
	g := gifScanner{src: b}
	if _, err := g.header(); err != nil {
		t.Fatalf("output header: %v", err)
	}
	for {
		block, keep, done, err := g.next()
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if !keep {
			t.Fatalf("output holds a block the stripper drops: %q", block)
		}
		if block[0] == 0x21 {
			gce := len(block) == 8 && block[1] == 0xF9 && block[2] == 4 && block[7] == 0
			loop := len(block) == 19 && bytes.HasPrefix(block, []byte("\x21\xFF\x0BNETSCAPE2.0\x03\x01")) && block[18] == 0
			if !gce && !loop {
				t.Fatalf("extension %q survived", block)
			}
		}
		if done {
			if g.pos+1 != len(b) {
				t.Fatalf("%d bytes after the trailer", len(b)-g.pos-1)
			}
			return
		}
	}
}

// jpegSeg frames payload as a marker segment.
func jpegSeg(marker byte, payload string) []byte {
	n := len(payload) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, payload...)
}

// dirtyJPEG is a tiny JPEG with everything StripJPEG must drop or rewrite:
// a JFIF thumbnail, EXIF, IPTC, a comment, a planted ICC profile, an
// unknown APPn, and a trailer after EOI.
func dirtyJPEG(tb testing.TB) []byte {
	tb.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, tinyImage(), nil); err != nil {
		tb.Fatal(err)
	}
	img := enc.Bytes()
	var b []byte
	b = append(b, 0xFF, mSOI)
	b = append(b, jpegSeg(mAPP0, "JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x01\x01\xFF\x00\x00")...)
	b = append(b, orientationAPP1(6)...)
	b = append(b, jpegSeg(0xED, "Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0bsecret city")...)
	b = append(b, jpegSeg(0xFE, "secret comment")...)
	b = append(b, iccAPP2(plantedICC(tb))...)
	b = append(b, jpegSeg(0xEB, "JP\x00\x00 unknown")...)
	b = append(b, jpegSeg(mAPP14, "Adobe\x00\x64\x00\x00\x00\x00\x01 extra")...)
	b = append(b, img[2:]...)
	return append(b, "\x00\x00\x00\x18ftypmp42 motion photo trailer"...)
}

// dirtyPNG is a tiny PNG with text, EXIF, time, a planted ICC profile and
// data after IEND.
func dirtyPNG(tb testing.TB) []byte {
	tb.Helper()
	var enc bytes.Buffer
	if err := png.Encode(&enc, tinyImage()); err != nil {
		tb.Fatal(err)
	}
	img := enc.Bytes()
	ihdrEnd := len(pngSig) + 12 + 13
	var b []byte
	b = append(b, img[:ihdrEnd]...)
	b = append(b, pngICCP(plantedICC(tb))...)
	b = append(b, pngChunkBytes("tEXt", []byte("Comment\x00secret"))...)
	b = append(b, pngChunkBytes("eXIf", orientationAPP1(3)[10:])...)
	b = append(b, pngChunkBytes("tIME", []byte{7, 234, 12, 4, 10, 0, 0})...)
	b = append(b, img[ihdrEnd:]...)
	return append(b, "after IEND"...)
}

// tinyVP8L is a 1x1 lossless WebP bitstream.
const tinyVP8L = "\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"

func webpChunk(id string, data []byte) []byte {
	var b bytes.Buffer
	writeWebPChunk(&b, id, data)
	return b.Bytes()
}

func riffWebP(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body))), body...)
}

// dirtyWebPs are tiny WebPs: a still image with ICC, EXIF and XMP, and an
// animation with EXIF at the top level and inside its frame.
func dirtyWebPs(tb testing.TB) [][]byte {
	exif := webpChunk("EXIF", orientationAPP1(6)[10:])
	xmp := webpChunk("XMP ", []byte("<x:xmpmeta>gps</x:xmpmeta>"))
	vp8l := webpChunk("VP8L", []byte(tinyVP8L))
	still := riffWebP(
		webpChunk("VP8X", []byte{vp8xICC | vp8xEXIF | vp8xXMP, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
		webpChunk("ICCP", plantedICC(tb)), vp8l, exif, xmp)
	frame := append(make([]byte, 16), vp8l...)
	frame = append(frame, exif...)
	anim := riffWebP(
		webpChunk("VP8X", []byte{vp8xAnimation | vp8xEXIF, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
		webpChunk("ANIM", make([]byte, 6)), webpChunk("ANMF", frame), exif)
	return [][]byte{riffWebP(vp8l), still, anim}
}

// dirtyGIF is a two-frame looping GIF with a comment, an XMP application
// extension, extra sub-blocks after the loop count and junk after the
// trailer.
func dirtyGIF(tb testing.TB) []byte {
	tb.Helper()
	g := &gif.GIF{LoopCount: 0, Delay: []int{5, 5}}
	for i := 0; i < 2; i++ {
		m := image.NewPaletted(image.Rect(0, 0, 4, 4), palette.WebSafe)
		m.SetColorIndex(i, i, 5)
		g.Image = append(g.Image, m)
	}
	var enc bytes.Buffer
	if err := gif.EncodeAll(&enc, g); err != nil {
		tb.Fatal(err)
	}
	src := enc.Bytes()
	hdr, err := (&gifScanner{src: src}).header()
	if err != nil {
		tb.Fatal(err)
	}
	loop := []byte("\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00")
	i := bytes.Index(src, loop)
	if i < 0 {
		tb.Fatal("encoder wrote no NETSCAPE2.0 block")
	}
	var b []byte
	b = append(b, src[:len(hdr)]...)
	b = append(b, "\x21\xFE\x06secret\x00"...)
	b = append(b, "\x21\xFF\x0BXMP DataXMP\x04gps!\x00"...)
	b = append(b, src[len(hdr):i+len(loop)]...)
	b = append(b, "\x06hidden"...) // a sub-block after the loop count
	b = append(b, src[i+len(loop):]...)
	return append(b, "after trailer"...)
}
