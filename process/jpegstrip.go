package process

import (
	"bytes"
	"io"
)

// StripJPEG writes src to dst keeping only what is needed to display the
// image (allow-list): SOI, a canonical JFIF APP0 (thumbnail dropped), the
// ICC profile rebuilt from its colour tags (sanitizeICC), Adobe APP14 (colour transform), tables, frame and scan
// headers, the entropy-coded data byte for byte, and EOI. Everything else
// goes: EXIF/XMP APP1, MPF, IPTC APP13, other APPn, COM, and every byte after
// the first EOI (MPF secondary images, motion-photo trailers).
//
// If orientation is 2..8 a minimal EXIF APP1 holding only that Orientation
// tag is written back so viewers keep displaying the original upright.
func StripJPEG(dst io.Writer, src []byte, orientation int) error {
	if len(src) < 2 || src[0] != 0xFF || src[1] != mSOI {
		return errorf(ReasonCorrupt, nil, "jpeg: missing SOI")
	}
	w := &errWriter{w: dst}
	w.write([]byte{0xFF, mSOI})
	pendingExif := orientation >= 2 && orientation <= 8
	icc := iccAPP2(sanitizeICC(jpegICC(src))) // in place of the profile's own APP2 chunks
	pos, scans := 2, 0
	for w.err == nil {
		seg, err := nextSegment(src, pos)
		if err != nil {
			return err
		}
		pos = seg.end
		if seg.marker == mEOI {
			if scans == 0 {
				return errorf(ReasonCorrupt, nil, "jpeg: no scan before EOI")
			}
			w.write([]byte{0xFF, mEOI})
			break
		}
		out := keepJPEGSegment(src, seg)
		if seg.marker == mAPP2 && bytes.HasPrefix(seg.payload, iccTag) {
			out, icc = icc, nil // the rebuilt profile, once
		}
		if out == nil {
			continue
		}
		if pendingExif && seg.marker != mAPP0 {
			// EXIF conventionally follows JFIF APP0 and precedes everything else.
			w.write(orientationAPP1(orientation))
			pendingExif = false
		}
		w.write(out)
		if seg.marker == mSOS {
			scans++
			end, err := scanEntropy(src, pos)
			if err != nil {
				return err
			}
			w.write(src[pos:end])
			pos = end
		}
	}
	if w.err != nil {
		return errorf(ReasonInternal, w.err, "jpeg: write")
	}
	return nil
}

// keepJPEGSegment returns the bytes to emit for seg, or nil to drop it.
func keepJPEGSegment(src []byte, seg segment) []byte {
	m, p := seg.marker, seg.payload
	switch {
	case m == mAPP0 && bytes.HasPrefix(p, jfifTag) && len(p) >= 14:
		// Rewrite with a 0x0 thumbnail: a stale JFIF thumbnail can show what
		// an edit cropped away.
		out := []byte{0xFF, mAPP0, 0, 16}
		out = append(out, p[:12]...)
		return append(out, 0, 0)
	case m == mAPP14 && bytes.HasPrefix(p, adobeTag) && len(p) >= 12:
		return append([]byte{0xFF, mAPP14, 0, 14}, p[:12]...)
	case m >= 0xC0 && m <= 0xCF && m != 0xC8: // SOFn, DHT (C4), DAC (CC)
		return src[seg.start:seg.end]
	case m == 0xDB || m == 0xDC || m == 0xDD || m == mSOS: // DQT, DNL, DRI, SOS
		return src[seg.start:seg.end]
	}
	return nil
}

// orientationAPP1 is a complete EXIF APP1 whose IFD0 holds only Orientation.
func orientationAPP1(o int) []byte {
	return []byte{
		0xFF, mAPP1, 0, 34,
		'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD0 at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, // Orientation SHORT x1
		0, 0, 0, 0, // no IFD1
	}
}

// errWriter remembers the first write error so callers check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}
