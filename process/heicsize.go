package process

import (
	"encoding/binary"
	"errors"
)

// A HEIF file says how large its images are twice: ispe properties (what
// the file declares) and the sequence parameter sets inside each hvcC
// (what the decoder will actually produce). A hostile file declares 100x100
// and codes 8000x8000; the decoder would allocate for the latter. So the
// coded size of every image item is read too, without decoding anything,
// and checked against the limits before heif-convert runs.

// codedSlack is how much a coded picture may exceed the declared size:
// coded sizes are padded to whole coding blocks, cropped on display.
const codedSlack = 64

// heicLimits checks a HEIF file's declared size (ispe) and the coded size of
// every image item against the limits, before anything is decoded, and
// returns the size to budget for. A coded picture larger than anything the
// file declares is a lie (corrupt); all coded items together may not exceed
// the pixel limit by more than a grid's padding.
func (p *Processor) heicLimits(raw []byte) (w, h int, err error) {
	w, h, err = heicSize(raw)
	if err != nil {
		return 0, 0, err
	}
	if err := p.o.checkLimits(w, h); err != nil {
		return 0, 0, err
	}
	sizes, items, err := heicCodedSizes(raw)
	if err != nil {
		return 0, 0, err
	}
	var largest int64
	for _, s := range sizes {
		if err := p.o.checkLimits(s[0], s[1]); err != nil {
			return 0, 0, err
		}
		if s[0] > w+codedSlack || s[1] > h+codedSlack {
			return 0, 0, errorf(ReasonCorrupt, nil, "heic: declares %dx%d but codes %dx%d", w, h, s[0], s[1])
		}
		largest = max(largest, int64(s[0])*int64(s[1]))
	}
	if total := largest * int64(max(items, 1)); total > int64(p.o.MaxPixels)*3/2 {
		return 0, 0, errorf(ReasonTooManyPixels, nil, "heic: %d coded items of up to %d pixels", items, largest)
	}
	return w, h, nil
}

// heicCodedSizes returns the coded picture size of every hvcC property of
// a HEIF file (one per distinct decoder configuration; the tiles of a grid
// share theirs), and how many coded image items the file has.
func heicCodedSizes(b []byte) (sizes [][2]int, items int, err error) {
	meta := findBox(b, "meta")
	if len(meta) < 4 {
		return nil, 0, errorf(ReasonCorrupt, nil, "heic: no meta box")
	}
	eachBox(findBox(findBox(meta[4:], "iprp"), "ipco"), func(typ string, body []byte) {
		if typ != "hvcC" || err != nil {
			return
		}
		w, h, e := hvcCSize(body)
		if e != nil {
			err = errorf(ReasonCorrupt, e, "heic: decoder configuration")
			return
		}
		sizes = append(sizes, [2]int{w, h})
	})
	if err != nil {
		return nil, 0, err
	}
	if len(sizes) == 0 {
		return nil, 0, errorf(ReasonCorrupt, nil, "heic: no HEVC decoder configuration")
	}
	return sizes, codedItems(meta[4:]), nil
}

// codedItems counts the hvc1 items of iinf (the tiles of a grid each are one).
func codedItems(meta []byte) int {
	iinf := findBox(meta, "iinf")
	if len(iinf) < 6 {
		return 0
	}
	body := iinf[6:] // FullBox + 16-bit entry count
	if iinf[0] != 0 {
		if len(iinf) < 8 { // was sliced past its end: a panic (FuzzHEICCodedSizes)
			return 0
		}
		body = iinf[8:] // version 1+: 32-bit count
	}
	n := 0
	eachBox(body, func(typ string, infe []byte) {
		// infe version 2 or 3: FullBox(4), item id (2 or 4), protection (2), type (4)
		if typ != "infe" || len(infe) < 4 {
			return
		}
		at := 4 + 2 + 2
		if infe[0] >= 3 {
			at = 4 + 4 + 2
		}
		if infe[0] >= 2 && len(infe) >= at+4 && string(infe[at:at+4]) == "hvc1" {
			n++
		}
	})
	return n
}

// hvcCSize returns the largest picture size coded by the SPS units of an
// hvcC body. The decoder is handed every unit of every array and goes by
// each unit's own NAL header, not by the array it is filed under, and uses
// whichever SPS the picture refers to: so every unit whose header says SPS
// counts, not only the first one of the SPS array (a small decoy first
// would hide a large one; caught by FuzzHEICCodedSizes). A zero width or
// height is not a valid SPS.
func hvcCSize(cfg []byte) (int, int, error) {
	if len(cfg) < 23 {
		return 0, 0, errors.New("short hvcC")
	}
	w, h, found := 0, 0, false
	at, arrays := 23, int(cfg[22])
	for a := 0; a < arrays && at+3 <= len(cfg); a++ {
		count := int(binary.BigEndian.Uint16(cfg[at+1:]))
		at += 3
		for k := 0; k < count && at+2 <= len(cfg); k++ {
			n := int(binary.BigEndian.Uint16(cfg[at:]))
			if at+2+n > len(cfg) {
				return 0, 0, errors.New("truncated hvcC")
			}
			if nal := cfg[at+2 : at+2+n]; len(nal) >= 2 && nal[0]>>1&0x3f == 33 {
				sw, sh, err := spsSize(nal)
				if err != nil {
					return 0, 0, err
				}
				if sw == 0 || sh == 0 {
					return 0, 0, errors.New("SPS of zero size")
				}
				w, h, found = max(w, sw), max(h, sh), true
			}
			at += 2 + n
		}
	}
	if !found {
		return 0, 0, errors.New("no SPS")
	}
	return w, h, nil
}

// spsSize parses an HEVC SPS NAL unit as far as pic_width_in_luma_samples
// and pic_height_in_luma_samples (H.265 7.3.2.2).
func spsSize(nal []byte) (int, int, error) {
	r := bitReader{b: unescape(nal)}
	r.skip(16) // NAL unit header
	r.skip(4)  // sps_video_parameter_set_id
	maxSub := int(r.bits(3))
	r.skip(1) // temporal id nesting
	// profile_tier_level(1, maxSub): general part, 88 + 8 bits.
	r.skip(96)
	profile, level := make([]bool, maxSub), make([]bool, maxSub)
	for i := 0; i < maxSub; i++ {
		profile[i], level[i] = r.bits(1) == 1, r.bits(1) == 1
	}
	if maxSub > 0 {
		r.skip(2 * (8 - maxSub))
	}
	for i := 0; i < maxSub; i++ {
		if profile[i] {
			r.skip(88)
		}
		if level[i] {
			r.skip(8)
		}
	}
	r.ue() // sps_seq_parameter_set_id
	if r.ue() == 3 {
		r.skip(1) // separate_colour_plane_flag
	}
	w, h := r.ue(), r.ue()
	if r.err != nil {
		return 0, 0, r.err
	}
	return clampInt(w), clampInt(h), nil
}

// unescape removes emulation prevention bytes (00 00 03 -> 00 00).
func unescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

// bitReader reads big-endian bits; reading past the end sets err.
type bitReader struct {
	b   []byte
	pos int
	err error
}

func (r *bitReader) bits(n int) uint32 {
	var v uint32
	for ; n > 0; n-- {
		if r.pos >= 8*len(r.b) {
			r.err = errors.New("SPS truncated")
			return 0
		}
		v = v<<1 | uint32(r.b[r.pos/8]>>(7-r.pos%8)&1)
		r.pos++
	}
	return v
}

func (r *bitReader) skip(n int) {
	if r.pos += n; r.pos > 8*len(r.b) {
		r.err = errors.New("SPS truncated")
	}
}

// ue reads an unsigned Exp-Golomb code (at most 32 leading zeros).
func (r *bitReader) ue() uint32 {
	zeros := 0
	for r.bits(1) == 0 && r.err == nil {
		if zeros++; zeros > 31 {
			r.err = errors.New("Exp-Golomb code too long")
			return 0
		}
	}
	return (1<<zeros - 1) + r.bits(zeros)
}
