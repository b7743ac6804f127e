package process

import "encoding/binary"

// heicEXIF returns the TIFF block of a HEIF file's Exif item, or nil. The
// item is found by type in iinf and located by iloc; only the plain case is
// read (one extent in this file, construction method 0), and only when the
// extent is at most maxEXIFBlock bytes: every offset and length is checked
// against the file, none is trusted for an allocation.
func heicEXIF(b []byte) []byte {
	meta := findBox(b, "meta")
	if len(meta) < 4 {
		return nil
	}
	id, ok := exifItemID(findBox(meta[4:], "iinf")) // meta is a FullBox
	if !ok {
		return nil
	}
	off, n, ok := ilocExtent(findBox(meta[4:], "iloc"), id)
	if !ok || n < 4 || n > maxEXIFBlock || off > uint64(len(b)) || n > uint64(len(b))-off {
		return nil
	}
	item := b[off : off+n]
	// The item starts with the offset of the TIFF header (after "Exif\0\0"
	// when a writer kept the JPEG prefix).
	skip := uint64(binary.BigEndian.Uint32(item)) + 4
	if skip >= n {
		return nil
	}
	return item[skip:]
}

// exifItemID finds the id of the item whose infe (version 2 or 3) says
// type "Exif".
func exifItemID(iinf []byte) (uint32, bool) {
	if len(iinf) < 8 {
		return 0, false
	}
	body := iinf[6:] // FullBox + 16-bit entry count
	if iinf[0] != 0 {
		body = iinf[8:] // version 1+: 32-bit count
	}
	var id uint32
	found := false
	eachBox(body, func(typ string, infe []byte) {
		if found || typ != "infe" || len(infe) < 12 || infe[0] < 2 {
			return
		}
		v, at := infe[0], 4+2+2
		item := uint32(binary.BigEndian.Uint16(infe[4:]))
		if v >= 3 {
			if len(infe) < 14 {
				return
			}
			at, item = 4+4+2, binary.BigEndian.Uint32(infe[4:])
		}
		if string(infe[at:at+4]) == "Exif" {
			id, found = item, true
		}
	})
	return id, found
}

// ilocExtent returns the file offset and length of item id when it is a
// single extent stored in this file (ISO/IEC 14496-12 8.11.3).
func ilocExtent(iloc []byte, id uint32) (off, n uint64, ok bool) {
	r := boxReader{b: iloc}
	v := r.uint(1)
	r.skip(3) // flags
	sizes := r.uint(2)
	offSize, lenSize, baseSize, idxSize := sizes>>12, sizes>>8&15, sizes>>4&15, sizes&15
	if v < 1 {
		idxSize = 0
	}
	count := r.uint(2)
	if v >= 2 {
		count = r.uint(4)
	}
	idLen := 2
	if v >= 2 {
		idLen = 4
	}
	for i := uint64(0); i < count && r.ok(); i++ {
		item := r.uint(idLen)
		method := uint64(0)
		if v >= 1 {
			method = r.uint(2) & 15
		}
		ref, base, extents := r.uint(2), r.uint(int(baseSize)), r.uint(2)
		var eOff, eLen uint64
		for e := uint64(0); e < extents && r.ok(); e++ {
			r.uint(int(idxSize))
			eOff, eLen = r.uint(int(offSize)), r.uint(int(lenSize))
		}
		if item == uint64(id) {
			good := r.ok() && method == 0 && ref == 0 && extents == 1 && base <= 1<<40 && eOff <= 1<<40
			return base + eOff, eLen, good
		}
	}
	return 0, 0, false
}

// boxReader reads big-endian fields of 0..8 bytes; reading past the end
// yields zeros and makes ok false.
type boxReader struct {
	b   []byte
	bad bool
}

func (r *boxReader) ok() bool { return !r.bad }

func (r *boxReader) uint(n int) uint64 {
	if n < 0 || n > 8 || len(r.b) < n {
		r.bad, r.b = true, nil
		return 0
	}
	var v uint64
	for _, c := range r.b[:n] {
		v = v<<8 | uint64(c)
	}
	r.b = r.b[n:]
	return v
}

func (r *boxReader) skip(n int) { r.uint(n) }
