package process

import (
	"bytes"
	"encoding/binary"
)

// JPEG markers this package cares about.
const (
	mSOI   = 0xD8
	mEOI   = 0xD9
	mSOS   = 0xDA
	mAPP0  = 0xE0
	mAPP1  = 0xE1
	mAPP2  = 0xE2
	mAPP14 = 0xEE
)

// segment is one marker segment: src[start:end] is the whole segment
// (marker, length, payload); payload excludes marker and length.
type segment struct {
	marker     byte
	start, end int
	payload    []byte
}

// standalone markers carry no length field.
func standalone(m byte) bool {
	return m == mSOI || m == mEOI || m == 0x01 || (m >= 0xD0 && m <= 0xD7)
}

// nextSegment parses the marker segment starting at src[pos]. Fill bytes
// (extra 0xFF) before a marker are allowed by the spec and skipped.
func nextSegment(src []byte, pos int) (segment, error) {
	if pos >= len(src) || src[pos] != 0xFF {
		return segment{}, errorf(ReasonCorrupt, nil, "jpeg: expected marker at %d", pos)
	}
	start := pos
	for pos < len(src) && src[pos] == 0xFF {
		pos++
	}
	if pos >= len(src) {
		return segment{}, errorf(ReasonCorrupt, nil, "jpeg: truncated marker")
	}
	m := src[pos]
	pos++
	if m == 0x00 {
		return segment{}, errorf(ReasonCorrupt, nil, "jpeg: stray 0xFF00 at %d", start)
	}
	if standalone(m) {
		return segment{marker: m, start: start, end: pos}, nil
	}
	if pos+2 > len(src) {
		return segment{}, errorf(ReasonCorrupt, nil, "jpeg: truncated length")
	}
	n := int(binary.BigEndian.Uint16(src[pos:]))
	if n < 2 || pos+n > len(src) {
		return segment{}, errorf(ReasonCorrupt, nil, "jpeg: bad segment length %d", n)
	}
	return segment{marker: m, start: start, end: pos + n, payload: src[pos+2 : pos+n]}, nil
}

// scanEntropy returns the index of the 0xFF that begins the first real
// marker at or after pos. Inside entropy-coded data 0xFF is followed by a
// stuffed 0x00 or is a restart marker RST0..7; both are part of the data.
// bytes.IndexByte keeps this at memory speed: no per-byte loop in Go.
func scanEntropy(src []byte, pos int) (int, error) {
	for {
		i := bytes.IndexByte(src[pos:], 0xFF)
		if i < 0 || pos+i+1 >= len(src) {
			return 0, errorf(ReasonCorrupt, nil, "jpeg: entropy data runs past end of file")
		}
		j := pos + i
		if c := src[j+1]; c == 0x00 || (c >= 0xD0 && c <= 0xD7) {
			pos = j + 2
			continue
		}
		return j, nil
	}
}

// walkHeader calls fn for each segment after SOI up to (not including) the
// first SOS, stopping early when fn returns false.
func walkHeader(src []byte, fn func(segment) bool) error {
	if len(src) < 2 || src[0] != 0xFF || src[1] != mSOI {
		return errorf(ReasonCorrupt, nil, "jpeg: missing SOI")
	}
	for pos := 2; ; {
		seg, err := nextSegment(src, pos)
		if err != nil {
			return err
		}
		if seg.marker == mSOS || seg.marker == mEOI || !fn(seg) {
			return nil
		}
		pos = seg.end
	}
}

// jpegICC reassembles the ICC profile split over APP2 "ICC_PROFILE" chunks;
// nil when absent or incomplete.
func jpegICC(src []byte) []byte {
	var chunks [][]byte
	walkHeader(src, func(s segment) bool {
		p := s.payload
		if s.marker != mAPP2 || len(p) < 14 || !bytes.HasPrefix(p, iccTag) {
			return true
		}
		seq, n := int(p[12]), int(p[13])
		if chunks == nil {
			chunks = make([][]byte, n)
		}
		if seq >= 1 && seq <= len(chunks) {
			chunks[seq-1] = p[14:]
		}
		return true
	})
	var out []byte
	for _, c := range chunks {
		if c == nil {
			return nil
		}
		out = append(out, c...)
	}
	return out
}

var (
	iccTag   = []byte("ICC_PROFILE\x00")
	jfifTag  = []byte("JFIF\x00")
	adobeTag = []byte("Adobe")
	exifTag  = []byte("Exif\x00\x00")
)
