package process

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
)

// Box walker limits: real files nest about 8 deep and hold a few hundred
// boxes outside the sample tables we never enter.
const (
	maxBoxDepth = 16
	maxBoxes    = 100_000
)

// xmpUUID is the uuid box type Adobe uses for XMP in MP4.
var xmpUUID = []byte{0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC}

// boxContainers are the boxes whose children are walked. Sample tables and
// media data hold no metadata boxes and are skipped, not read.
var boxContainers = map[string]bool{
	"moov": true, "trak": true, "mdia": true, "minf": true, "dinf": true,
	"edts": true, "mvex": true, "moof": true, "traf": true, "mfra": true,
}

// forbiddenBoxes carry user data: location (©xyz, loci, Apple keys under
// meta), make/model, XMP, chapters' titles and the like.
var forbiddenBoxes = map[string]bool{
	"udta": true, "meta": true, "keys": true, "ilst": true, "\xa9xyz": true,
	"loci": true, "XMP_": true, "uuid": true,
}

// box is one parsed box header.
type box struct {
	typ        string
	off, size  int64 // whole box
	hdr        int64 // header length (8 or 16)
	depth      int
	parentType string
}

// walkBoxes visits every box of [off, end) and the children of containers.
// Sizes are checked against the enclosing range; nothing is allocated from
// a declared size, and reads are fixed 16-byte headers.
func walkBoxes(r io.ReaderAt, off, end int64, parent string, depth int, n *int, fn func(box) error) error {
	if depth > maxBoxDepth {
		return errorf(ReasonStripFailed, nil, "mp4: boxes nested deeper than %d", maxBoxDepth)
	}
	var h [16]byte
	for off < end {
		if *n++; *n > maxBoxes || end-off < 8 {
			return errorf(ReasonStripFailed, nil, "mp4: malformed box structure at %d", off)
		}
		if _, err := r.ReadAt(h[:8], off); err != nil {
			return errorf(ReasonStripFailed, err, "mp4: read at %d", off)
		}
		b := box{typ: string(h[4:8]), off: off, size: int64(binary.BigEndian.Uint32(h[:4])), hdr: 8, depth: depth, parentType: parent}
		switch b.size {
		case 0:
			b.size = end - off
		case 1:
			if _, err := r.ReadAt(h[8:16], off+8); err != nil {
				return errorf(ReasonStripFailed, err, "mp4: read at %d", off)
			}
			b.size, b.hdr = int64(binary.BigEndian.Uint64(h[8:16])), 16
		}
		if b.size < b.hdr || b.size > end-off {
			return errorf(ReasonStripFailed, nil, "mp4: box %q size %d out of range", b.typ, b.size)
		}
		if err := fn(b); err != nil {
			return err
		}
		if boxContainers[b.typ] {
			if err := walkBoxes(r, off+b.hdr, off+b.size, b.typ, depth+1, n, fn); err != nil {
				return err
			}
		}
		off += b.size
	}
	return nil
}

// CheckVideoBoxes walks the box tree of an MP4/MOV and fails with
// ErrStripFailed if any box that can carry user metadata is present: udta,
// meta/keys/ilst (Apple location keys), ©xyz, loci, XMP_ and any uuid box
// (XMP's BE7ACFCB-97A9-42E8-9C71-999491E3AFAC among them). It is the
// independent check run on every remuxed file.
func CheckVideoBoxes(r io.ReaderAt, size int64) error {
	n := 0
	return walkBoxes(r, 0, size, "", 0, &n, func(b box) error {
		if !forbiddenBoxes[b.typ] {
			return nil
		}
		what := b.typ
		if b.typ == "uuid" {
			var id [16]byte
			if _, err := r.ReadAt(id[:], b.off+b.hdr); err == nil && bytes.Equal(id[:], xmpUUID) {
				what = "uuid (XMP)"
			}
		}
		return errorf(ReasonStripFailed, nil, "mp4: metadata box %q left inside %q at %d", what, b.parent(), b.off)
	})
}

func (b box) parent() string {
	if b.parentType == "" {
		return "file"
	}
	return b.parentType
}

// blankUserData turns every udta box into a zero-filled free box in place.
// ffmpeg's MP4 muxer always writes moov/udta/meta with an empty ilst even
// with -map_metadata -1; renaming in place keeps every chunk offset valid,
// where removing bytes would mean rewriting stco/co64.
func blankUserData(path string) error {
	return editMP4(path, func(f *os.File, size int64) error {
		var zero [32 << 10]byte
		n := 0
		return walkBoxes(f, 0, size, "", 0, &n, func(b box) error {
			if b.typ != "udta" {
				return nil
			}
			if _, err := f.WriteAt([]byte("free"), b.off+4); err != nil {
				return errorf(ReasonInternal, err, "mp4: write")
			}
			for at := b.off + b.hdr; at < b.off+b.size; at += int64(len(zero)) {
				if _, err := f.WriteAt(zero[:min(int64(len(zero)), b.off+b.size-at)], at); err != nil {
					return errorf(ReasonInternal, err, "mp4: write")
				}
			}
			return nil
		})
	})
}

// editMP4 opens the MP4 at path for writing in place, runs edit on it and
// closes it, reporting a failed close: the edits are writes.
func editMP4(path string, edit func(f *os.File, size int64) error) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return errorf(ReasonInternal, err, "mp4: open output")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return errorf(ReasonInternal, err, "mp4: stat output")
	}
	if err := edit(f, fi.Size()); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return errorf(ReasonInternal, err, "mp4: close output")
	}
	return nil
}
