package process

import (
	"encoding/binary"
	"sort"
)

// An ICC colour profile is carried into every served image, because
// without it wide-gamut photos (Display P3) look washed out. But a profile
// is a small file of its own with room for text: a description, a
// copyright, the device maker's and model's names, a creation date, and
// any private tag. sanitizeICC rebuilds the profile from its colour tags
// alone, under a header without date, device or creator, with a fixed
// description and copyright: the colours stay, nothing else does.

// iccColourTags are the tags that say how to render colour.
var iccColourTags = map[string]bool{
	"wtpt": true, "bkpt": true, "chad": true, "chrm": true, "lumi": true, "cicp": true,
	"rXYZ": true, "gXYZ": true, "bXYZ": true, "rTRC": true, "gTRC": true, "bTRC": true, "kTRC": true,
	"A2B0": true, "A2B1": true, "A2B2": true, "B2A0": true, "B2A1": true, "B2A2": true, "gamt": true,
}

// Fixed text written in place of the profile's own.
const (
	iccDescription = "ICC profile"
	iccCopyright   = "No copyright"
)

// maxICCTags bounds the tag table of a profile we rebuild.
const maxICCTags = 100

// sanitizeICC returns a profile with p's colour tags only, or nil when p
// is not a well-formed profile (it is then dropped, like any unknown data).
func sanitizeICC(p []byte) []byte {
	if len(p) < 132 || string(p[36:40]) != "acsp" {
		return nil
	}
	if size := binary.BigEndian.Uint32(p); uint64(size) <= uint64(len(p)) && size >= 132 {
		p = p[:size]
	}
	n := int(binary.BigEndian.Uint32(p[128:]))
	if n > maxICCTags || 132+12*n > len(p) {
		return nil
	}
	type tag struct {
		sig  string
		data []byte
	}
	var tags []tag
	// A signature appears once in a profile; a repeated one is dropped
	// (colour engines read the first), else the unstable sort below could
	// swap them and the result would change each time it is sanitized.
	// The distinct tag data of a well-formed profile lies within it: a
	// profile whose tags add up to more (crafted, overlapping tags) is
	// refused, else 100 tags over one region made a copy 100 times larger,
	// and a 4 MiB profile 400 MB (both caught by FuzzSanitizeICC).
	sigs, data, total := map[string]bool{}, map[string]bool{}, 0
	for i := 0; i < n; i++ {
		e := p[132+12*i:]
		sig, off, size := string(e[:4]), binary.BigEndian.Uint32(e[4:]), binary.BigEndian.Uint32(e[8:])
		if !iccColourTags[sig] || sigs[sig] || uint64(off)+uint64(size) > uint64(len(p)) || size < 8 {
			continue
		}
		sigs[sig] = true
		if d := string(p[off : off+size]); !data[d] {
			data[d], total = true, total+len(d)
		}
		tags = append(tags, tag{sig, p[off : off+size]})
	}
	if len(tags) == 0 || total > len(p) {
		return nil
	}
	v4 := p[8] >= 4
	tags = append(tags, tag{"desc", iccText(iccDescription, v4, true)}, tag{"cprt", iccText(iccCopyright, v4, false)})
	sort.Slice(tags, func(i, j int) bool { return tags[i].sig < tags[j].sig })

	header := make([]byte, 128)
	copy(header, p[:128])
	for _, r := range [][2]int{{4, 8}, {24, 36}, {40, 44}, {48, 64}, {80, 128}} {
		clear(header[r[0]:r[1]]) // CMM, date, platform, maker, model, attributes, creator, profile id
	}
	out := append(header, make([]byte, 4+12*len(tags))...)
	binary.BigEndian.PutUint32(out[128:], uint32(len(tags)))
	seen := map[string]uint32{} // identical data (three shared TRCs) stored once
	for i, t := range tags {
		off, ok := seen[string(t.data)]
		if !ok {
			for len(out)%4 != 0 {
				out = append(out, 0)
			}
			off = uint32(len(out))
			out = append(out, t.data...)
			seen[string(t.data)] = off
		}
		e := out[132+12*i:]
		copy(e, t.sig)
		binary.BigEndian.PutUint32(e[4:], off)
		binary.BigEndian.PutUint32(e[8:], uint32(len(t.data)))
	}
	binary.BigEndian.PutUint32(out, uint32(len(out)))
	return out
}

// iccText encodes text as a v4 multiLocalizedUnicode tag, or in a v2
// profile as textDescription (desc) or text (cprt).
func iccText(s string, v4, description bool) []byte {
	if v4 {
		b := append([]byte("mluc\x00\x00\x00\x00"), 0, 0, 0, 1, 0, 0, 0, 12, 'e', 'n', 'U', 'S')
		b = binary.BigEndian.AppendUint32(b, uint32(2*len(s)))
		b = binary.BigEndian.AppendUint32(b, 28)
		for _, r := range s {
			b = binary.BigEndian.AppendUint16(b, uint16(r))
		}
		return b
	}
	if !description {
		return append(append([]byte("text\x00\x00\x00\x00"), s...), 0)
	}
	b := append([]byte("desc\x00\x00\x00\x00"), 0, 0, 0, byte(len(s)+1))
	b = append(append(b, s...), 0)
	return append(b, make([]byte, 4+4+2+1+67)...) // no Unicode, no ScriptCode
}
