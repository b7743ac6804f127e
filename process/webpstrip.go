package process

import (
	"bytes"
	"encoding/binary"
	"io"
)

// webpKeep is the RIFF chunk allow-list: image data, alpha, animation and the
// ICC profile. EXIF, XMP and unknown chunks are dropped.
var webpKeep = map[string]bool{
	"VP8 ": true, "VP8L": true, "VP8X": true, "ALPH": true,
	"ANIM": true, "ANMF": true, "ICCP": true,
}

// VP8X flag bits announcing metadata chunks; cleared since the chunks go.
const (
	vp8xEXIF = 0x08
	vp8xXMP  = 0x04
)

// walkWebP calls fn with each chunk's fourcc, payload and whole span
// (header, payload, pad byte). Bytes past the RIFF size are ignored.
func walkWebP(src []byte, fn func(id string, data, raw []byte)) error {
	if len(src) < 12 || string(src[:4]) != "RIFF" || string(src[8:12]) != "WEBP" {
		return errorf(ReasonCorrupt, nil, "webp: bad RIFF header")
	}
	end := uint64(binary.LittleEndian.Uint32(src[4:])) + 8
	if end > uint64(len(src)) {
		return errorf(ReasonCorrupt, nil, "webp: RIFF size past end of file")
	}
	body := src[:end]
	for pos := uint64(12); pos < end; {
		if pos+8 > end {
			return errorf(ReasonCorrupt, nil, "webp: truncated chunk header")
		}
		n := uint64(binary.LittleEndian.Uint32(body[pos+4:]))
		next := pos + 8 + n + n&1
		if pos+8+n > end {
			return errorf(ReasonCorrupt, nil, "webp: chunk runs past RIFF end")
		}
		fn(string(body[pos:pos+4]), body[pos+8:pos+8+n], body[pos:min(next, end)])
		pos = next
	}
	return nil
}

// StripWebP writes src to dst without EXIF, XMP and unknown chunks, clears
// the matching VP8X flags and rewrites the RIFF size.
func StripWebP(dst io.Writer, src []byte) error {
	var out bytes.Buffer
	out.Grow(len(src))
	out.Write([]byte("RIFF\x00\x00\x00\x00WEBP"))
	err := walkWebP(src, func(id string, data, raw []byte) {
		if !webpKeep[id] {
			return
		}
		at := out.Len()
		out.Write(raw)
		if len(raw)%2 == 1 {
			out.WriteByte(0) // a chunk cut short by the RIFF end still needs its pad
		}
		if id == "VP8X" && len(data) > 0 {
			out.Bytes()[at+8] &^= vp8xEXIF | vp8xXMP
		}
	})
	if err != nil {
		return err
	}
	b := out.Bytes()
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	if _, err := dst.Write(b); err != nil {
		return errorf(ReasonInternal, err, "webp: write")
	}
	return nil
}

// webpICC returns the ICCP chunk payload, nil when absent.
func webpICC(src []byte) []byte {
	var icc []byte
	walkWebP(src, func(id string, data, _ []byte) {
		if id == "ICCP" && icc == nil {
			icc = data
		}
	})
	return icc
}
