package process

import (
	"bytes"
	"encoding/binary"
)

// maxIFDEntries bounds the IFD0 scan; real cameras write a few dozen.
const maxIFDEntries = 256

// ReadOrientation returns the EXIF Orientation (1..8) of a JPEG, 1 when
// absent or unreadable. It looks at every APP1 segment, because Pixel phones
// put an XMP APP1 before the EXIF one, and reads only IFD0 of each: the tag
// lives there, so no IFD links are ever followed and IFD cycles cannot make
// it loop. Each APP1 is at most 64 KiB by construction (16-bit length) and
// nothing is allocated from values found in the file.
// The error is non-nil only when the JPEG header structure itself is broken.
func ReadOrientation(jpeg []byte) (int, error) {
	o := 1
	err := walkHeader(jpeg, func(s segment) bool {
		if s.marker != mAPP1 || !bytes.HasPrefix(s.payload, exifTag) {
			return true
		}
		if v, ok := tiffOrientation(s.payload[len(exifTag):]); ok {
			o = v
			return false
		}
		return true
	})
	if err != nil {
		return 1, err
	}
	return o, nil
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF structure, in either
// byte order. All offsets are checked in 64-bit arithmetic so a hostile
// offset or count cannot wrap around.
func tiffOrientation(t []byte) (int, bool) {
	bo, ifd, ok := tiffHeader(t)
	if !ok {
		return 0, false
	}
	size := uint64(len(t))
	if ifd+2 > size {
		return 0, false
	}
	n := uint64(bo.Uint16(t[ifd:]))
	if n > maxIFDEntries {
		return 0, false
	}
	for i := uint64(0); i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > size {
			return 0, false
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			return orientationValue(bo, t[e:e+12])
		}
	}
	return 0, false
}

// orientationValue decodes one IFD entry; only a single inline SHORT (or
// LONG, written by some tools) with a value 1..8 is accepted.
func orientationValue(bo binary.ByteOrder, e []byte) (int, bool) {
	if bo.Uint32(e[4:]) != 1 {
		return 0, false
	}
	var v uint32
	switch bo.Uint16(e[2:]) {
	case 3:
		v = uint32(bo.Uint16(e[8:]))
	case 4:
		v = bo.Uint32(e[8:])
	default:
		return 0, false
	}
	if v < 1 || v > 8 {
		return 0, false
	}
	return int(v), true
}
