package process

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"time"

	"github.com/rwcarlsen/goexif/tiff"
)

// Capture time is read with goexif's TIFF directory decoder, but goexif is
// never handed a structure it could loop on or allocate from: its IFD-chain
// walker (tiff.Decode) follows next-IFD links without a visited set, and a
// tag's value is allocated as count x size with the product in 32 bits
// (the count-overflow fixture asks for 8 GiB). So:
//   - the input is one EXIF block of at most maxEXIFBlock bytes (a JPEG
//     APP1 payload, 16-bit length; the HEIF Exif item, checked by size);
//   - only two directories are decoded, IFD0 and the Exif sub-IFD it points
//     at, each with tiff.DecodeDir (one directory, no links followed), and
//     the GPS and Interop sub-IFDs and maker notes are never opened;
//   - each of the two is pre-walked first (checkIFD): entry count, every
//     type known, every count x size computed in 64 bits and lying inside
//     the block. A directory that fails is not decoded: no date.

// maxEXIFBlock is the largest EXIF block read: a JPEG APP1 cannot be larger.
const maxEXIFBlock = 64 << 10

// EXIF tags read: the Exif sub-IFD pointer in IFD0, and in the sub-IFD the
// capture time and its UTC offset (EXIF 2.31).
const (
	tagExifIFD            = 0x8769
	tagDateTimeOriginal   = 0x9003
	tagOffsetTime         = 0x9010
	tagOffsetTimeOriginal = 0x9011
)

// tiffTypeSize is the byte size of one value of each TIFF type (1..12).
var tiffTypeSize = [13]uint64{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8}

// exifCaptureTime returns DateTimeOriginal from a TIFF-structured EXIF
// block, in its recorded offset when there is one, else in loc. ok is
// false when the block has no readable capture time.
func exifCaptureTime(t []byte, loc *time.Location) (at time.Time, ok bool) {
	if len(t) > maxEXIFBlock {
		return time.Time{}, false
	}
	bo, ifd0, ok := tiffHeader(t)
	if !ok || !checkIFD(t, bo, ifd0) {
		return time.Time{}, false
	}
	sub, ok := ifdPointer(t, bo, ifd0, tagExifIFD)
	if !ok || sub == ifd0 || !checkIFD(t, bo, sub) {
		return time.Time{}, false
	}
	r := bytes.NewReader(t)
	r.Seek(int64(sub), 0)
	dir, _, err := tiff.DecodeDir(r, bo)
	if err != nil {
		return time.Time{}, false
	}
	vals := map[uint16]string{}
	for _, tag := range dir.Tags {
		switch tag.Id {
		case tagDateTimeOriginal, tagOffsetTime, tagOffsetTimeOriginal:
			if s, err := tag.StringVal(); err == nil {
				vals[tag.Id] = strings.Trim(s, " \x00")
			}
		}
	}
	zone := loc
	for _, id := range []uint16{tagOffsetTimeOriginal, tagOffsetTime} {
		if z, ok := parseOffset(vals[id]); ok {
			zone = z
			break
		}
	}
	at, err = time.ParseInLocation("2006:01:02 15:04:05", vals[tagDateTimeOriginal], zone)
	return at, err == nil
}

// tiffHeader reads the byte order and the offset of IFD0.
func tiffHeader(t []byte) (binary.ByteOrder, uint64, bool) {
	if len(t) < 8 {
		return nil, 0, false
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return nil, 0, false
	}
	if bo.Uint16(t[2:]) != 42 {
		return nil, 0, false
	}
	return bo, uint64(bo.Uint32(t[4:])), true
}

// checkIFD reports whether the directory at off is one tiff.DecodeDir can
// read without reading past t or allocating more than len(t): the count,
// all entries and the next-IFD link lie inside t, every entry has a known
// type, a non-zero count and a value (count x size, 64-bit) inside t.
func checkIFD(t []byte, bo binary.ByteOrder, off uint64) bool {
	size := uint64(len(t))
	if off < 8 || off+2 > size {
		return false
	}
	n := uint64(bo.Uint16(t[off:]))
	if n > maxIFDEntries || off+2+12*n+4 > size {
		return false
	}
	for i := uint64(0); i < n; i++ {
		e := t[off+2+12*i:]
		typ, count := bo.Uint16(e[2:]), uint64(bo.Uint32(e[4:]))
		if typ == 0 || int(typ) >= len(tiffTypeSize) || count == 0 {
			return false
		}
		if l := tiffTypeSize[typ] * count; l > size || (l > 4 && uint64(bo.Uint32(e[8:]))+l > size) {
			return false
		}
	}
	return true
}

// ifdPointer returns the value of a single-LONG tag of the checked
// directory at off.
func ifdPointer(t []byte, bo binary.ByteOrder, off uint64, id uint16) (uint64, bool) {
	n := uint64(bo.Uint16(t[off:]))
	for i := uint64(0); i < n; i++ {
		e := t[off+2+12*i:]
		if bo.Uint16(e) != id {
			continue
		}
		if bo.Uint16(e[2:]) != 4 || bo.Uint32(e[4:]) != 1 {
			return 0, false
		}
		return uint64(bo.Uint32(e[8:])), true
	}
	return 0, false
}

// parseOffset reads an EXIF offset string, "+08:00" or "-05:30".
func parseOffset(s string) (*time.Location, bool) {
	t, err := time.Parse("-07:00", s)
	if err != nil {
		return nil, false
	}
	_, secs := t.Zone()
	return time.FixedZone(s, secs), true
}

// jpegEXIF returns the TIFF block of a JPEG's first EXIF APP1 segment, or
// nil; the header walker bounds it to one segment (at most 64 KiB).
func jpegEXIF(jpeg []byte) []byte {
	var block []byte
	walkHeader(jpeg, func(s segment) bool {
		if s.marker == mAPP1 && bytes.HasPrefix(s.payload, exifTag) {
			block = s.payload[len(exifTag):]
			return false
		}
		return true
	})
	return block
}

// stepCaptureTime reads when the photo was taken, before stripping removes
// it: from the EXIF block of a JPEG, or the Exif item of a HEIF file (read
// from the container; heif-convert's JPEG is not trusted for it). The time
// is optional, so a block that makes the reader panic yields no time rather
// than failing the photo; guard is the decoders' panic guard.
func stepCaptureTime(p *Processor, _ context.Context, j *imageJob) error {
	var block []byte
	switch j.source {
	case FormatHEIC:
		block = heicEXIF(j.raw)
	case FormatJPEG:
		block = jpegEXIF(j.data)
	}
	if block == nil {
		return nil
	}
	_ = guard(func() error {
		if at, ok := exifCaptureTime(block, p.o.TimeZone); ok {
			j.res.TakenAt = at
		}
		return nil
	})
	return nil
}
