package process

import (
	"encoding/binary"
	"io"
	"os"
)

// The bitstream of a video can carry text of its own: H.264 and HEVC SEI
// messages (user data, registered or unregistered) hold encoder settings,
// and some cameras put GPS fixes and serial numbers there. The remux drops
// every SEI NAL unit (ffmpeg's filter_units); CheckVideoSEI is our own
// reader that proves it, by walking the video track's samples NAL unit by
// NAL unit.

// seiFilter is the ffmpeg bitstream filter that removes a codec's SEI (and,
// for AV1, metadata) units, "" for codecs without such units.
func seiFilter(codec string) string {
	switch codec {
	case "h264":
		return "filter_units=remove_types=6"
	case "hevc":
		return "filter_units=remove_types=39|40"
	case "av1":
		return "filter_units=remove_types=5"
	}
	return ""
}

// Reader limits: samples and NAL units of any real clip fit well inside.
const (
	maxSEISamples = 10_000_000
	maxNALs       = 50_000_000
)

// videoTrack is what CheckVideoSEI needs of the video track's sample table.
type videoTrack struct {
	hevc       bool
	lengthSize int     // bytes of each NAL unit's length prefix
	cfgOff     int64   // file offset of the hvcC body (HEVC)
	cfg        []byte  // the hvcC body: parameter sets, and SEI units x265 puts there
	sizes      []int64 // per sample, when stsz lists them
	fixedSize  int64   // every sample's size, when stsz gives one for all
	samples    int     // sample count
	chunks     []int64 // chunk offsets
	perChunk   []stscEntry
}

type stscEntry struct{ firstChunk, samples uint32 }

// CheckVideoSEI fails with ErrStripFailed when an H.264 or HEVC video
// track of the MP4 in r holds an SEI NAL unit. Files with no such track
// pass (another codec, or no video).
func CheckVideoSEI(r io.ReaderAt, size int64) error {
	tr, err := findVideoTrack(r, size)
	if err != nil || tr == nil {
		return err
	}
	if seis := configSEI(tr.cfg); len(seis) > 0 {
		return errorf(ReasonStripFailed, nil, "video: SEI unit left in the decoder configuration at %d", tr.cfgOff+int64(seis[0].at))
	}
	nals := 0
	return tr.eachSample(func(off, n int64) error {
		for end := off + n; off < end; {
			if nals++; nals > maxNALs {
				return errorf(ReasonStripFailed, nil, "mp4: too many NAL units")
			}
			var h [6]byte
			hdr := h[:tr.lengthSize+2]
			if off+int64(len(hdr)) > end {
				return errorf(ReasonStripFailed, nil, "mp4: truncated NAL unit at %d", off)
			}
			if _, err := r.ReadAt(hdr, off); err != nil {
				return errorf(ReasonStripFailed, err, "mp4: read NAL unit at %d", off)
			}
			length := int64(0)
			for _, b := range hdr[:tr.lengthSize] {
				length = length<<8 | int64(b)
			}
			if tr.isSEI(hdr[tr.lengthSize]) {
				return errorf(ReasonStripFailed, nil, "video: SEI NAL unit left at %d", off)
			}
			off += int64(tr.lengthSize) + length
		}
		return nil
	})
}

func (tr *videoTrack) isSEI(b byte) bool {
	if tr.hevc {
		t := b >> 1 & 0x3f
		return t == 39 || t == 40
	}
	return b&0x1f == 6
}

// eachSample calls fn with the file offset and size of every sample.
// The stsc entries are consumed as the chunk number grows, so the walk is
// linear in chunks + entries + samples (looking the entry up afresh for
// each chunk was chunks x entries).
func (tr *videoTrack) eachSample(fn func(off, n int64) error) error {
	s, e := 0, 0
	var per uint32 // samples per chunk: the last entry whose firstChunk <= chunk
	for ci, off := range tr.chunks {
		for ; e < len(tr.perChunk) && tr.perChunk[e].firstChunk <= uint32(ci+1); e++ {
			per = tr.perChunk[e].samples
		}
		for k := uint32(0); k < per && s < tr.samples; k++ {
			n := tr.fixedSize
			if tr.sizes != nil {
				n = tr.sizes[s]
			}
			if err := fn(off, n); err != nil {
				return err
			}
			off += n
			s++
		}
	}
	return nil
}

// findVideoTrack returns the sample table of the first H.264 or HEVC
// track, nil if there is none.
func findVideoTrack(r io.ReaderAt, size int64) (*videoTrack, error) {
	var stbls []box
	n := 0
	err := walkBoxes(r, 0, size, "", 0, &n, func(b box) error {
		if b.typ == "stbl" {
			stbls = append(stbls, b)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, st := range stbls {
		tr, err := readSampleTable(r, st)
		if err != nil || tr != nil {
			return tr, err
		}
	}
	return nil, nil
}

// readSampleTable reads an stbl whose sample description is avc1/avc3 or
// hvc1/hev1; other tracks (audio, other codecs) give nil.
func readSampleTable(r io.ReaderAt, stbl box) (*videoTrack, error) {
	tr := &videoTrack{}
	var codecFound bool
	n := 0
	err := walkBoxes(r, stbl.off+stbl.hdr, stbl.off+stbl.size, "stbl", stbl.depth+1, &n, func(b box) error {
		body, err := readBody(r, b)
		if err != nil {
			return err
		}
		switch b.typ {
		case "stsd":
			codecFound = tr.sampleEntry(body, b.off+b.hdr)
		case "stsz":
			return tr.readSizes(body)
		case "stco", "co64":
			return tr.readChunks(body, b.typ == "co64")
		case "stsc":
			return tr.readStsc(body)
		}
		return nil
	})
	if err != nil || !codecFound {
		return nil, err
	}
	return tr, nil
}

// readBody reads a sample-table box's body; these are bounded by the
// sample counts, checked against the box size by the walker.
func readBody(r io.ReaderAt, b box) ([]byte, error) {
	switch b.typ {
	case "stsd", "stsz", "stco", "co64", "stsc":
	default:
		return nil, nil
	}
	n := b.size - b.hdr
	if n > 8*maxSEISamples+16 {
		return nil, errorf(ReasonStripFailed, nil, "mp4: %s of %d bytes", b.typ, n)
	}
	body := make([]byte, n)
	if _, err := r.ReadAt(body, b.off+b.hdr); err != nil {
		return nil, errorf(ReasonStripFailed, err, "mp4: read %s", b.typ)
	}
	return body, nil
}

// sampleEntry reads stsd (body at file offset off): the first entry's
// codec and, from its avcC or hvcC, the size of the NAL length prefix.
func (tr *videoTrack) sampleEntry(body []byte, off int64) bool {
	// full box (4) + entry count (4), then the entry: size (4), type (4),
	// 78 bytes of visual sample entry, then child boxes.
	if len(body) < 8+8+78+8 {
		return false
	}
	entry := body[8:]
	typ := string(entry[4:8])
	switch typ {
	case "avc1", "avc3":
	case "hvc1", "hev1":
		tr.hevc = true
	default:
		return false
	}
	end := min(int(binary.BigEndian.Uint32(entry[:4])), len(entry))
	for at := 8 + 78; at+8 <= end; {
		sz := int(binary.BigEndian.Uint32(entry[at : at+4]))
		if sz < 8 || at+sz > end {
			return false
		}
		cfg := entry[at+8 : at+sz]
		switch string(entry[at+4 : at+8]) {
		case "avcC":
			if len(cfg) > 4 {
				tr.lengthSize = int(cfg[4]&3) + 1
			}
		case "hvcC":
			if len(cfg) > 21 {
				tr.lengthSize = int(cfg[21]&3) + 1
				tr.cfg, tr.cfgOff = cfg, off+8+int64(at)+8
			}
		}
		at += sz
	}
	return tr.lengthSize == 1 || tr.lengthSize == 2 || tr.lengthSize == 4
}

func (tr *videoTrack) readSizes(body []byte) error {
	if len(body) < 12 {
		return errorf(ReasonStripFailed, nil, "mp4: short stsz")
	}
	fixed, count := int64(binary.BigEndian.Uint32(body[4:8])), int(binary.BigEndian.Uint32(body[8:12]))
	if count > maxSEISamples || (fixed == 0 && len(body) < 12+4*count) {
		return errorf(ReasonStripFailed, nil, "mp4: stsz of %d samples", count)
	}
	// One size for all samples is kept as such: expanding it into count
	// entries let 12 bytes of stsz allocate 80 MB (caught by FuzzMP4Boxes).
	tr.samples, tr.fixedSize, tr.sizes = count, fixed, nil
	if fixed != 0 {
		return nil
	}
	tr.sizes = make([]int64, count)
	for i := range tr.sizes {
		tr.sizes[i] = int64(binary.BigEndian.Uint32(body[12+4*i:]))
	}
	return nil
}

func (tr *videoTrack) readChunks(body []byte, wide bool) error {
	if len(body) < 8 {
		return errorf(ReasonStripFailed, nil, "mp4: short chunk offsets")
	}
	count, w := int(binary.BigEndian.Uint32(body[4:8])), 4
	if wide {
		w = 8
	}
	if count > maxSEISamples || len(body) < 8+w*count {
		return errorf(ReasonStripFailed, nil, "mp4: %d chunk offsets", count)
	}
	tr.chunks = make([]int64, count)
	for i := range tr.chunks {
		if wide {
			tr.chunks[i] = int64(binary.BigEndian.Uint64(body[8+8*i:]))
		} else {
			tr.chunks[i] = int64(binary.BigEndian.Uint32(body[8+4*i:]))
		}
	}
	return nil
}

func (tr *videoTrack) readStsc(body []byte) error {
	if len(body) < 8 {
		return errorf(ReasonStripFailed, nil, "mp4: short stsc")
	}
	count := int(binary.BigEndian.Uint32(body[4:8]))
	if count > maxSEISamples || len(body) < 8+12*count {
		return errorf(ReasonStripFailed, nil, "mp4: stsc of %d entries", count)
	}
	tr.perChunk = make([]stscEntry, count)
	for i := range tr.perChunk {
		e := body[8+12*i:]
		tr.perChunk[i] = stscEntry{firstChunk: binary.BigEndian.Uint32(e), samples: binary.BigEndian.Uint32(e[4:])}
	}
	return nil
}

// seiUnit is an SEI NAL unit inside an hvcC: where its array's type byte
// is, and where the unit (header and payload) is.
type seiUnit struct{ arrayType, at, n int }

// configSEI lists the SEI units in an hvcC body (x265 puts its settings
// there, outside the samples, where ffmpeg's filter does not reach).
func configSEI(cfg []byte) []seiUnit {
	if len(cfg) < 23 {
		return nil
	}
	var out []seiUnit
	at, arrays := 23, int(cfg[22])
	for a := 0; a < arrays && at+3 <= len(cfg); a++ {
		typeAt, typ := at, cfg[at]&0x3f
		count := int(binary.BigEndian.Uint16(cfg[at+1:]))
		at += 3
		for k := 0; k < count && at+2 <= len(cfg); k++ {
			n := int(binary.BigEndian.Uint16(cfg[at:]))
			if at+2+n > len(cfg) {
				return out
			}
			if typ == 39 || typ == 40 {
				out = append(out, seiUnit{arrayType: typeAt, at: at + 2, n: n})
			}
			at += 2 + n
		}
	}
	return out
}

// blankConfigSEI turns every SEI unit in the HEVC decoder configuration of
// the MP4 at path into filler data of the same size, in place (sizes and
// offsets stay valid, as for blankUserData): decoders skip filler.
func blankConfigSEI(path string) error {
	return editMP4(path, blankSEIUnits)
}

// blankSEIUnits is blankConfigSEI on the open file.
func blankSEIUnits(f *os.File, size int64) error {
	tr, err := findVideoTrack(f, size)
	if err != nil || tr == nil {
		return err
	}
	for _, u := range configSEI(tr.cfg) {
		filler := make([]byte, u.n)
		for i := range filler {
			filler[i] = 0xFF
		}
		if u.n >= 2 {
			filler[0], filler[1] = 38<<1, tr.cfg[u.at+1] // FD_NUT, same layer and temporal id
			filler[u.n-1] = 0x80                         // rbsp trailing bits
		}
		typeByte := tr.cfg[u.arrayType]&0xC0 | 38
		if _, err := f.WriteAt([]byte{typeByte}, tr.cfgOff+int64(u.arrayType)); err != nil {
			return errorf(ReasonInternal, err, "mp4: write")
		}
		if _, err := f.WriteAt(filler, tr.cfgOff+int64(u.at)); err != nil {
			return errorf(ReasonInternal, err, "mp4: write")
		}
	}
	return nil
}
