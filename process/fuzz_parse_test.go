package process

// Fuzz targets for the parsers that read hostile bytes without stripping
// them: format detection, EXIF orientation, ICC sanitizing, the HEIF size
// checks and the MP4 box and SEI readers. Termination is checked by the
// fuzzer's own timeout; the properties say what the result must mean.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"testing"
)

func FuzzDetect(f *testing.F) {
	for _, b := range seedFiles(f, "images/*/*", "video/*") {
		f.Add(b[:min(len(b), 512)], uint16(12))
	}
	f.Add(ftyp("mif1", "avif", "heic"), uint16(20))
	f.Fuzz(func(t *testing.T, head []byte, cut uint16) {
		got := Detect(head)
		if again := Detect(bytes.Clone(head)); again != got {
			t.Fatalf("Detect is not deterministic: %q then %q", got, again)
		}
		if got != FormatUnknown && (got.ContentType() == "" || got.IsImage() == got.IsVideo()) {
			t.Fatalf("format %q is neither a known image nor a known video", got)
		}
		if !magicPresent(got, head) {
			t.Fatalf("Detect claims %q without its magic in % x", got, head[:min(len(head), 16)])
		}
		// Reading more of a file never changes a verdict already given:
		// Detect on any prefix says the same as on the whole, or nothing.
		n := int(cut) % (len(head) + 1)
		if short := Detect(head[:n]); short != FormatUnknown && short != got {
			t.Fatalf("the first %d bytes are detected as %q, all %d as %q", n, short, len(head), got)
		}
	})
}

// magicPresent reports whether head holds the signature of f in full.
func magicPresent(f Format, head []byte) bool {
	switch f {
	case FormatUnknown:
		return true
	case FormatJPEG:
		return bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF})
	case FormatPNG:
		return bytes.HasPrefix(head, pngSig)
	case FormatGIF:
		return bytes.HasPrefix(head, []byte("GIF87a")) || bytes.HasPrefix(head, []byte("GIF89a"))
	case FormatWebP:
		return len(head) >= 16 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP"
	}
	if len(head) < 12 {
		return false
	}
	switch string(head[4:8]) {
	case "ftyp", "moov", "mdat", "wide":
		return true
	}
	return false
}

func FuzzReadOrientation(f *testing.F) {
	// Only the header is read (checked below), so the seeds are the
	// fixtures' headers: the mutator wastes no time in pixel data.
	for _, b := range seedFiles(f, "images/*/*.jpg") {
		f.Add(jpegHeader(b))
	}
	f.Add(dirtyJPEG(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ReadOrientation(b)
		if o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		if err != nil {
			if o != 1 || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ReadOrientation = %d, %v; want 1 and a corrupt error", o, err)
			}
			return
		}
		// Only the header is read: whatever follows the first SOS (or
		// EOI) segment, pixels or junk, cannot change the answer.
		// (It may stop at the tag, before a break further on: then skip.)
		hdr := jpegHeader(b)
		if len(hdr) == len(b) && walkHeader(b, func(segment) bool { return true }) != nil {
			return
		}
		junk := append(bytes.Clone(hdr), "\xFF\xE1\x00\x20Exif\x00\x00MM\x00\x2A\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x05"...)
		if o2, err := ReadOrientation(junk); o2 != o || err != nil {
			t.Fatalf("orientation %d became %d, %v once the data after the header changed", o, o2, err)
		}
	})
}

// jpegHeader returns b up to the end of its first SOS (or EOI) segment, or
// all of b when its header does not parse.
func jpegHeader(b []byte) []byte {
	pos := 2
	if walkHeader(b, func(s segment) bool { pos = s.end; return true }) != nil {
		return b
	}
	if seg, err := nextSegment(b, pos); err == nil {
		return b[:seg.end]
	}
	return b
}

// iccSlack is what sanitizeICC may add to a profile: a header and a tag
// table of at most maxICCTags+2 entries with 4-byte alignment padding
// (132 + 15*102 bytes) and the fixed description and copyright tags.
const iccSlack = 2 << 10

func FuzzSanitizeICC(f *testing.F) {
	f.Add(plantedICC(f))
	for _, b := range seedFiles(f, "images/*/*") {
		for _, p := range [][]byte{jpegICC(b), pngICC(b), webpICC(b)} {
			if p != nil {
				f.Add(p)
			}
		}
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		out := sanitizeICC(p)
		if out == nil {
			return
		}
		if len(out) > len(p)+iccSlack {
			t.Fatalf("%d bytes of profile became %d", len(p), len(out))
		}
		if len(out) < 132 || string(out[36:40]) != "acsp" || int(binary.BigEndian.Uint32(out)) != len(out) {
			t.Fatal("output is not a profile of its declared size")
		}
		for _, r := range [][2]int{{4, 8}, {24, 36}, {40, 44}, {48, 64}, {80, 128}} {
			if !allZero(out[r[0]:r[1]]) {
				t.Fatalf("header bytes %d..%d (CMM, date, device, creator, id) kept", r[0], r[1])
			}
		}
		in := iccTagData(p)
		tags := iccTagData(out)
		if tags == nil {
			t.Fatal("output tag table does not parse")
		}
		for sig, data := range tags {
			if len(data) != 1 {
				t.Fatalf("tag %q appears %d times", sig, len(data))
			}
			switch {
			case sig == "desc" || sig == "cprt":
			case !iccColourTags[sig]:
				t.Fatalf("tag %q kept", sig)
			case !containsBytes(in[sig], data[0]):
				t.Fatalf("tag %q holds data the input's %q does not", sig, sig)
			}
		}
		if again := sanitizeICC(out); !bytes.Equal(again, out) {
			t.Fatal("not idempotent: sanitizing the output changes it")
		}
	})
}

// iccTagData maps each tag signature of a profile to the data of its
// entries that lie inside the profile; nil when the table does not fit.
func iccTagData(p []byte) map[string][][]byte {
	if len(p) < 132 {
		return nil
	}
	n := uint64(binary.BigEndian.Uint32(p[128:]))
	if 132+12*n > uint64(len(p)) {
		return nil
	}
	tags := map[string][][]byte{}
	for i := uint64(0); i < n; i++ {
		e := p[132+12*i:]
		off, size := uint64(binary.BigEndian.Uint32(e[4:])), uint64(binary.BigEndian.Uint32(e[8:]))
		if off+size <= uint64(len(p)) {
			tags[string(e[:4])] = append(tags[string(e[:4])], p[off:off+size])
		}
	}
	return tags
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// heicSeeds are the HEIF fixtures and a crafted file whose decoder
// configuration holds two SPS: a small one, and an 8000x8000 one filed
// under the VPS array, where only a reader that looks at every unit's own
// NAL header (as the decoder does) sees it.
func heicSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	small, err := os.ReadFile("testdata/gps.heic")
	if err != nil {
		tb.Fatal(err)
	}
	big := mustRead(tb, "images/hostile/heic_declares_100_codes_8000.heic")
	spsOf := func(b []byte) []byte {
		for _, cfg := range heicConfigs(b) {
			for _, nal := range hvcCUnits(cfg) {
				if isSPS(nal) {
					return nal
				}
			}
		}
		tb.Fatal("fixture has no SPS")
		return nil
	}
	return [][]byte{small, big, heifWithSPS(spsOf(small), spsOf(big))}
}

// heifWithSPS builds a minimal HEIF: one hvc1 item declared 100x100 (ispe)
// whose hvcC holds sps1 in the SPS array and sps2 in the VPS array.
func heifWithSPS(sps1, sps2 []byte) []byte {
	box := func(typ string, body ...[]byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(8+len(bytes.Join(body, nil))))
		return append(append(b, typ...), bytes.Join(body, nil)...)
	}
	array := func(typ byte, nal []byte) []byte {
		b := []byte{0x80 | typ, 0, 1}
		b = binary.BigEndian.AppendUint16(b, uint16(len(nal)))
		return append(b, nal...)
	}
	hvcC := append(make([]byte, 22), 2)
	hvcC[0], hvcC[21] = 1, 0xFF // version 1, 4-byte NAL lengths
	hvcC = append(append(hvcC, array(33, sps1)...), array(32, sps2)...)
	ispe := []byte{0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 100}
	infe := append([]byte{2, 0, 0, 0, 0, 1, 0, 0}, "hvc1\x00"...)
	meta := box("meta", []byte{0, 0, 0, 0},
		box("iinf", []byte{0, 0, 0, 0, 0, 1}, box("infe", infe)),
		box("iprp", box("ipco", box("hvcC", hvcC), box("ispe", ispe))))
	return append(box("ftyp", []byte("heic\x00\x00\x00\x00mif1heic")), meta...)
}

// heicConfigs returns the hvcC bodies of a HEIF's property container.
func heicConfigs(b []byte) [][]byte {
	meta := findBox(b, "meta")
	if len(meta) < 4 {
		return nil
	}
	var out [][]byte
	eachBox(findBox(findBox(meta[4:], "iprp"), "ipco"), func(typ string, body []byte) {
		if typ == "hvcC" {
			out = append(out, body)
		}
	})
	return out
}

// hvcCUnits returns every NAL unit of an hvcC body, whatever array it is
// filed under: the decoder is handed all of them and goes by each unit's
// own header.
func hvcCUnits(cfg []byte) [][]byte {
	if len(cfg) < 23 {
		return nil
	}
	var out [][]byte
	at := 23
	for a := 0; a < int(cfg[22]) && at+3 <= len(cfg); a++ {
		count := int(binary.BigEndian.Uint16(cfg[at+1:]))
		at += 3
		for k := 0; k < count && at+2 <= len(cfg); k++ {
			n := int(binary.BigEndian.Uint16(cfg[at:]))
			if at+2+n > len(cfg) {
				return out
			}
			out = append(out, cfg[at+2:at+2+n])
			at += 2 + n
		}
	}
	return out
}

// isSPS reports whether an HEVC NAL unit's header says SPS (type 33).
func isSPS(nal []byte) bool { return len(nal) >= 2 && nal[0]>>1&0x3f == 33 }

func FuzzHEICSize(f *testing.F) {
	for _, b := range heicSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		w, h, err := heicSize(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("heicSize: %v, want a corrupt error", err)
			}
			return
		}
		if w < 1 || h < 1 || w > 1<<30 || h > 1<<30 {
			t.Fatalf("size %dx%d", w, h)
		}
		// The size budgeted for is the largest declared: no ispe of the
		// file has more pixels (sizes past the clamp are refused anyway).
		meta := findBox(b, "meta")
		eachBox(findBox(findBox(meta[4:], "iprp"), "ipco"), func(typ string, body []byte) {
			if typ != "ispe" || len(body) < 12 {
				return
			}
			bw, bh := uint64(binary.BigEndian.Uint32(body[4:])), uint64(binary.BigEndian.Uint32(body[8:]))
			if bw <= 1<<30 && bh <= 1<<30 && bw*bh > uint64(w)*uint64(h) {
				t.Fatalf("ispe %dx%d is larger than the %dx%d returned", bw, bh, w, h)
			}
		})
	})
}

func FuzzHEICCodedSizes(f *testing.F) {
	for _, b := range heicSeeds(f) {
		f.Add(b)
	}
	p := mustProcessor(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		sizes, items, err := heicCodedSizes(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("heicCodedSizes: %v, want a corrupt error", err)
			}
			return
		}
		cfgs := heicConfigs(b)
		if items < 0 || len(sizes) != len(cfgs) {
			t.Fatalf("%d sizes for %d hvcC, %d items", len(sizes), len(cfgs), items)
		}
		// Every SPS the decoder will see is covered by the size reported
		// for its configuration: none can code a larger picture unseen.
		for i, cfg := range cfgs {
			s := sizes[i]
			if s[0] < 1 || s[1] < 1 || s[0] > 1<<30 || s[1] > 1<<30 {
				t.Fatalf("coded size %dx%d", s[0], s[1])
			}
			for _, nal := range hvcCUnits(cfg) {
				if !isSPS(nal) {
					continue
				}
				if w, h, err := spsSize(nal); err == nil && (w > s[0] || h > s[1]) {
					t.Fatalf("an SPS codes %dx%d, the size reported is %dx%d", w, h, s[0], s[1])
				}
			}
		}
		// And so the pre-check the converter relies on: what it lets
		// through codes nothing past the limits or the declared size.
		w, h, err := p.heicLimits(b)
		if err != nil {
			return
		}
		for _, s := range sizes {
			if p.o.checkLimits(s[0], s[1]) != nil || s[0] > w+codedSlack || s[1] > h+codedSlack {
				t.Fatalf("heicLimits passed %dx%d declared, %dx%d coded", w, h, s[0], s[1])
			}
		}
	})
}

// maxMP4Alloc is what the MP4 readers may allocate for an input of n
// bytes: sample tables are read into memory (about 2 bytes of table per
// byte of box), and nothing is sized from a declared count alone.
func maxMP4Alloc(n int) uint64 { return 1<<20 + 32*uint64(n) }

func FuzzMP4Boxes(f *testing.F) {
	for _, b := range seedFiles(f, "video/*") {
		f.Add(b)
	}
	for _, b := range mp4Seeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		r := bytes.NewReader(b)
		errBoxes := CheckVideoBoxes(r, int64(len(b)))
		errSEI := CheckVideoSEI(r, int64(len(b)))
		runtime.ReadMemStats(&ms)
		if got := ms.TotalAlloc - before; got > maxMP4Alloc(len(b)) {
			t.Fatalf("%d bytes of input made the readers allocate %d bytes", len(b), got)
		}
		// Both fail closed: whatever goes wrong means "not proven clean".
		for _, err := range []error{errBoxes, errSEI} {
			if err != nil && !errors.Is(err, ErrStripFailed) {
				t.Fatalf("%v, want strip_failed", err)
			}
		}
		if err := CheckVideoSEI(bytes.NewReader(b), int64(len(b))); (err == nil) != (errSEI == nil) {
			t.Fatalf("CheckVideoSEI is not deterministic: %v, then %v", errSEI, err)
		}
	})
}

// mp4Seeds are tiny MP4s with one H.264 track: one with an SEI unit in its
// only sample, one declaring ten million samples of one byte in 12 bytes
// of stsz.
func mp4Seeds() [][]byte {
	box := func(typ string, body ...[]byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(8+len(bytes.Join(body, nil))))
		return append(append(b, typ...), bytes.Join(body, nil)...)
	}
	u32 := func(v ...uint32) []byte {
		var b []byte
		for _, x := range v {
			b = binary.BigEndian.AppendUint32(b, x)
		}
		return b
	}
	avcC := box("avcC", []byte{1, 0x64, 0, 0x1F, 0xFF, 0xE0, 0, 0})
	avc1 := box("avc1", make([]byte, 78), avcC)
	stsd := box("stsd", u32(0, 1), avc1)
	mdat := box("mdat", u32(6), []byte{0x06, 0x05, 0x01, 0x80, 0x00, 0x80}) // one SEI NAL
	file := func(stsz []byte) []byte {
		build := func(chunkOff uint32) []byte {
			stbl := box("stbl", stsd, stsz, box("stsc", u32(0, 1, 1, 1, 1)), box("stco", u32(0, 1, chunkOff)))
			moov := box("moov", box("trak", box("mdia", box("minf", stbl))))
			return append(append(box("ftyp", []byte("isom\x00\x00\x02\x00isom")), moov...), mdat...)
		}
		b := build(0)
		return build(uint32(len(b) - len(mdat) + 8)) // the chunk is mdat's body
	}
	sei := file(box("stsz", u32(0, 0, 1, 10)))
	many := file(box("stsz", u32(0, 1, 10_000_000)))
	return [][]byte{sei, many}
}
