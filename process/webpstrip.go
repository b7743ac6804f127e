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

// VP8X flag bits. EXIF and XMP are cleared since their chunks go; ICC is
// cleared when the profile is not well formed and goes too.
const (
	vp8xICC       = 0x20
	vp8xEXIF      = 0x08
	vp8xXMP       = 0x04
	vp8xAnimation = 0x02
)

// anmfKeep is what a kept animation frame may hold after its 16-byte
// header: the frame's pixels. A frame is a container of its own, and an
// EXIF chunk hidden inside one is not at the top level to be dropped.
var anmfKeep = map[string]bool{"VP8 ": true, "VP8L": true, "ALPH": true}

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

// StripWebP writes src to dst without EXIF, XMP and unknown chunks, with
// the ICC profile rebuilt (sanitizeICC), animation frames reduced to their
// pixels, the matching VP8X flags cleared and the RIFF size rewritten.
// ANIM and ANMF go when VP8X does not announce an animation: no decoder
// reads them then, but they would still be served.
func StripWebP(dst io.Writer, src []byte) error {
	var out bytes.Buffer
	out.Grow(len(src))
	out.Write([]byte("RIFF\x00\x00\x00\x00WEBP"))
	var flags byte
	icc := sanitizeICC(webpICC(src))
	flagsAt, iccWritten := -1, false
	err := walkWebP(src, func(id string, data, raw []byte) {
		switch {
		case !webpKeep[id]:
		case id == "VP8X" && flagsAt >= 0:
			// Only the first VP8X counts; a second would keep metadata
			// flags nobody clears (caught by FuzzStripWebP).
		case id == "VP8X" && len(data) > 0:
			flags, flagsAt = data[0], out.Len()+8
			writeWebPChunk(&out, id, data)
		case id == "ICCP":
			if icc != nil && !iccWritten {
				writeWebPChunk(&out, id, icc)
				iccWritten = true
			}
		case id == "ANIM" || id == "ANMF":
			if flags&vp8xAnimation == 0 {
				return
			}
			if id == "ANMF" {
				data = anmfPixels(data)
			}
			writeWebPChunk(&out, id, data)
		default:
			writeWebPChunk(&out, id, data)
		}
	})
	if err != nil {
		return err
	}
	b := out.Bytes()
	if flagsAt >= 0 {
		b[flagsAt] &^= vp8xEXIF | vp8xXMP
		if !iccWritten {
			b[flagsAt] &^= vp8xICC
		}
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	if _, err := dst.Write(b); err != nil {
		return errorf(ReasonInternal, err, "webp: write")
	}
	return nil
}

// writeWebPChunk appends a chunk: fourcc, little-endian size, payload and
// the pad byte that keeps chunks at even offsets.
func writeWebPChunk(out *bytes.Buffer, id string, data []byte) {
	out.WriteString(id)
	binary.Write(out, binary.LittleEndian, uint32(len(data)))
	out.Write(data)
	if len(data)%2 == 1 {
		out.WriteByte(0)
	}
}

// anmfPixels returns an ANMF payload with its frame header and only the
// sub-chunks in anmfKeep; a malformed frame keeps its header alone and
// fails to decode later like any corrupt frame.
func anmfPixels(data []byte) []byte {
	if len(data) < 16 {
		return data
	}
	var out bytes.Buffer
	out.Write(data[:16])
	for pos := 16; pos+8 <= len(data); {
		id, n := string(data[pos:pos+4]), int(binary.LittleEndian.Uint32(data[pos+4:]))
		if n < 0 || pos+8+n > len(data) {
			break
		}
		if anmfKeep[id] {
			writeWebPChunk(&out, id, data[pos+8:pos+8+n])
		}
		pos += 8 + n + n&1
	}
	return out.Bytes()
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
