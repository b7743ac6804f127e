package process

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// ifdEntry is one TIFF directory entry for tiffBlock: a value of up to 4
// bytes is stored inline, a longer one after the directories.
type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
}

// tiffBlock builds an EXIF TIFF block: IFD0 holding extra entries and a
// pointer to an Exif sub-IFD holding sub.
func tiffBlock(bo binary.AppendByteOrder, ifd0Extra, sub []ifdEntry) []byte {
	hdr := []byte("MM")
	if bo == binary.AppendByteOrder(binary.LittleEndian) {
		hdr = []byte("II")
	}
	hdr = bo.AppendUint32(bo.AppendUint16(hdr, 42), 8)
	ifd0 := append([]ifdEntry{{tag: tagExifIFD, typ: 4, count: 1}}, ifd0Extra...)
	subOff := 8 + 2 + 12*len(ifd0) + 4
	dataOff := subOff + 2 + 12*len(sub) + 4
	ifd0[0].value = bo.AppendUint32(nil, uint32(subOff))
	var data []byte
	dir := func(es []ifdEntry) []byte {
		out := bo.AppendUint16(nil, uint16(len(es)))
		for _, e := range es {
			out = bo.AppendUint16(out, e.tag)
			out = bo.AppendUint16(out, e.typ)
			out = bo.AppendUint32(out, e.count)
			if len(e.value) <= 4 {
				out = append(out, append(bytes.Clone(e.value), make([]byte, 4-len(e.value))...)...)
				continue
			}
			out = bo.AppendUint32(out, uint32(dataOff+len(data)))
			data = append(data, e.value...)
		}
		return bo.AppendUint32(out, 0)
	}
	b := append(hdr, dir(ifd0)...)
	b = append(b, dir(sub)...)
	return append(b, data...)
}

func ascii(tag uint16, s string) ifdEntry {
	return ifdEntry{tag: tag, typ: 2, count: uint32(len(s) + 1), value: append([]byte(s), 0)}
}

// TestEXIFCaptureTime: DateTimeOriginal in its recorded offset, else in the
// configured zone, in both byte orders; no time from blocks without one.
func TestEXIFCaptureTime(t *testing.T) {
	shanghai := DefaultOptions().TimeZone
	dto := ascii(tagDateTimeOriginal, "2024:05:01 10:30:00")
	for _, bo := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		cases := []struct {
			name string
			sub  []ifdEntry
			want time.Time
			ok   bool
		}{
			{"offset original", []ifdEntry{dto, ascii(tagOffsetTimeOriginal, "+09:00")},
				time.Date(2024, 5, 1, 1, 30, 0, 0, time.UTC), true},
			{"offset only", []ifdEntry{dto, ascii(tagOffsetTime, "-05:30")},
				time.Date(2024, 5, 1, 16, 0, 0, 0, time.UTC), true},
			{"no offset: configured zone", []ifdEntry{dto}, time.Date(2024, 5, 1, 2, 30, 0, 0, time.UTC), true},
			{"bad offset: configured zone", []ifdEntry{dto, ascii(tagOffsetTimeOriginal, "  :  ")},
				time.Date(2024, 5, 1, 2, 30, 0, 0, time.UTC), true},
			{"blank date", []ifdEntry{ascii(tagDateTimeOriginal, "    :  :     :  :  ")}, time.Time{}, false},
			{"no date", []ifdEntry{ascii(tagOffsetTimeOriginal, "+09:00")}, time.Time{}, false},
			{"date is a number", []ifdEntry{{tag: tagDateTimeOriginal, typ: 4, count: 1, value: []byte{1, 2, 3, 4}}}, time.Time{}, false},
		}
		for _, c := range cases {
			t.Run(fmt.Sprint(bo)+"/"+c.name, func(t *testing.T) {
				got, ok := exifCaptureTime(tiffBlock(bo, nil, c.sub), shanghai)
				if ok != c.ok || !got.Equal(c.want) {
					t.Errorf("got %v %v, want %v %v", got, ok, c.want, c.ok)
				}
			})
		}
	}
}

// TestEXIFCaptureTimeFixtures: real camera files, including the HEIC's
// Exif item found through iloc; the phone files record no offset.
func TestEXIFCaptureTimeFixtures(t *testing.T) {
	p := mustProcessor(t)
	for name, want := range map[string]string{
		"images/gps/DSCN0010.jpg":            "2008-10-22 16:28:39 +0800",
		"images/phone/iphone_hdr_NO.jpg":     "2015-04-10 20:12:23 +0800",
		"images/phone/jolla.jpg":             "2014-09-21 16:00:56 +0800",
		"../process/testdata/gps.heic":       "2008-10-22 16:28:39 +0800",
		"images/orientation/landscape_1.jpg": "",
	} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			res, err := p.Image(context.Background(), mustRead(t, name))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if !res.TakenAt.IsZero() {
				got = res.TakenAt.Format("2006-01-02 15:04:05 -0700")
			}
			if got != want {
				t.Errorf("TakenAt = %q, want %q", got, want)
			}
			assertClean(t, "original.jpg", res.Original) // the date is kept, not served
			if bytes.Contains(res.Original, []byte("2008:10:22")) || bytes.Contains(res.Original, []byte("2015:04:10")) {
				t.Error("the served original still carries the capture date")
			}
		})
	}
}

// TestEXIFCaptureTimeHostile: the IFD-cycle and count-overflow fixtures,
// and the same traps placed where the date reader goes (the Exif sub-IFD),
// give no time, return at once and allocate next to nothing (goexif's own
// walker loops forever on the first and asks for gigabytes on the second).
func TestEXIFCaptureTimeHostile(t *testing.T) {
	blocks := map[string][]byte{}
	for _, f := range []string{"exif_ifd_cycle.jpg", "exif_count_overflow_40b.jpg"} {
		b := mustRead(t, "images/hostile/"+f)
		i := bytes.Index(b, exifTag)
		blocks[f] = b[i+len(exifTag):]
	}
	le := binary.LittleEndian
	dto := ascii(tagDateTimeOriginal, "2024:05:01 10:30:00")
	overflow := tiffBlock(le, nil, []ifdEntry{dto, {tag: tagOffsetTime, typ: 3, count: 0x80000001, value: []byte{1, 0}}})
	blocks["sub-IFD count overflow"] = overflow
	self := tiffBlock(le, nil, []ifdEntry{dto})
	le.PutUint32(self[8+2+8:], 8) // the Exif pointer points back at IFD0
	blocks["sub-IFD is IFD0"] = self
	huge := tiffBlock(le, nil, []ifdEntry{dto})
	le.PutUint16(huge[8+2+12+4:], 0xFFFF) // the sub-IFD claims 65535 entries
	blocks["sub-IFD entry count"] = huge
	blocks["too large"] = append(tiffBlock(le, nil, []ifdEntry{dto}), make([]byte, maxEXIFBlock)...)
	for name, b := range blocks {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			var ok bool
			within(t, 5*time.Second, func() {
				runtime.ReadMemStats(&before)
				_, ok = exifCaptureTime(b, time.UTC)
				runtime.ReadMemStats(&after)
			})
			if ok {
				t.Error("a capture time from a hostile block")
			}
			if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
				t.Errorf("allocated %d bytes", d)
			}
		})
	}
}

// TestHEICEXIFBounds: an Exif item whose iloc extent lies past the file
// or is larger than an EXIF block is not read.
func TestHEICEXIFBounds(t *testing.T) {
	raw := mustRead(t, "../process/testdata/gps.heic")
	if heicEXIF(raw) == nil {
		t.Fatal("no EXIF in gps.heic")
	}
	if b := heicEXIF(raw[:len(raw)/8]); b != nil && !bytes.HasPrefix(b, []byte("II")) && !bytes.HasPrefix(b, []byte("MM")) {
		t.Errorf("truncated file gave a block that is not TIFF")
	}
	meta := findBox(raw, "meta")
	iloc := findBox(meta[4:], "iloc")
	id, _ := exifItemID(findBox(meta[4:], "iinf"))
	if _, n, ok := ilocExtent(iloc, id); !ok || n == 0 {
		t.Fatalf("iloc extent %d %v", n, ok)
	}
	for i := range iloc[8:] { // any byte of the item table set to 0xFF
		mut := bytes.Clone(raw)
		at := bytes.Index(mut, iloc) + 8 + i
		mut[at] = 0xFF
		if b := heicEXIF(mut); len(b) > maxEXIFBlock {
			t.Fatalf("byte %d: block of %d bytes", i, len(b))
		}
	}
}

// TestVideoCaptureTime: Apple's creationdate key wins over creation_time;
// creation_time alone is used; neither gives zero. The stripped file keeps
// no date.
func TestVideoCaptureTime(t *testing.T) {
	dir := t.TempDir()
	p := mustProcessor(t)
	clip := func(name string, meta ...string) string {
		path := filepath.Join(dir, name)
		args := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1",
			"-c:v", "libx264", "-pix_fmt", "yuv420p"}
		args = append(args, meta...)
		mustRun(t, "ffmpeg", append(args, path)...)
		return path
	}
	cases := map[string]struct {
		path string
		want string
	}{
		"apple key": {clip("apple.mov", "-movflags", "use_metadata_tags",
			"-metadata", "com.apple.quicktime.creationdate=2024-05-01T10:00:00+0800",
			"-metadata", "creation_time=2024-05-01T09:00:00Z"), "2024-05-01T02:00:00Z"},
		"creation_time": {clip("ct.mp4", "-metadata", "creation_time=2024-05-01T08:00:00Z"), "2024-05-01T08:00:00Z"},
		"none":          {clip("none.mp4", "-fflags", "+bitexact"), ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name+".out.mp4")
			res, err := p.Video(context.Background(), c.path, out)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if !res.TakenAt.IsZero() {
				got = res.TakenAt.UTC().Format(time.RFC3339)
			}
			if got != c.want {
				t.Errorf("TakenAt = %q, want %q", got, c.want)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			assertClean(t, "out.mp4", b)
			if bytes.Contains(b, []byte("2024-05-01")) {
				t.Error("the stripped video still carries the date")
			}
		})
	}
}
