package process

import (
	"bytes"
	"encoding/binary"
	"runtime/metrics"
	"testing"
	"time"
)

// FuzzCaptureTime: the bounded EXIF date reader (goexif behind checkIFD)
// never panics, never allocates more than a small multiple of its input,
// and a time it returns is one the block really spells out.
func FuzzCaptureTime(f *testing.F) {
	for _, b := range seedFiles(f, "images/*/*.jpg") {
		if blk := jpegEXIF(b); blk != nil {
			f.Add(blk)
		}
	}
	dto := ascii(tagDateTimeOriginal, "2024:05:01 10:30:00")
	for _, bo := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		f.Add(tiffBlock(bo, nil, []ifdEntry{dto, ascii(tagOffsetTimeOriginal, "+09:00")}))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		before := heapAllocs()
		at, ok := exifCaptureTime(b, time.UTC)
		if d := heapAllocs() - before; d > 1<<20+64*uint64(len(b)) {
			t.Fatalf("allocated %d bytes for a %d-byte block", d, len(b))
		}
		if !ok {
			return
		}
		if len(b) > maxEXIFBlock {
			t.Fatalf("read a %d-byte block", len(b))
		}
		if s := at.Format("2006:01:02 15:04:05"); !bytes.Contains(b, []byte(s)) {
			t.Fatalf("time %s is not written in the block", s)
		}
	})
}

// FuzzHEICEXIF: the Exif item reader returns nil or a slice of the file no
// larger than an EXIF block.
func FuzzHEICEXIF(f *testing.F) {
	for _, b := range heicSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		blk := heicEXIF(b)
		if blk == nil {
			return
		}
		if len(blk) > maxEXIFBlock || !bytes.Contains(b, blk) {
			t.Fatalf("block of %d bytes that is not part of the file", len(blk))
		}
	})
}

// heapAllocs is the bytes allocated so far, read without stopping the
// world (runtime.ReadMemStats would dominate each fuzz run).
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
