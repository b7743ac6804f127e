package process

import "io"

// StripGIF writes src to dst without comment, plain-text and application
// extensions (except NETSCAPE2.0 looping) and without anything after the
// trailer. Image data is copied sub-block by sub-block, unchanged.
func StripGIF(dst io.Writer, src []byte) error {
	g := gifScanner{src: src}
	w := &errWriter{w: dst}
	hdr, err := g.header()
	if err != nil {
		return err
	}
	w.write(hdr)
	for w.err == nil {
		block, keep, done, err := g.next()
		if err != nil {
			return err
		}
		if keep {
			w.write(block)
		}
		if done {
			break
		}
	}
	if w.err != nil {
		return errorf(ReasonInternal, w.err, "gif: write")
	}
	return nil
}

// gifScanner walks the GIF block structure.
type gifScanner struct {
	src []byte
	pos int
}

func (g *gifScanner) corrupt(what string) error {
	return errorf(ReasonCorrupt, nil, "gif: %s at %d", what, g.pos)
}

// header returns the signature, logical screen descriptor and global colour table.
func (g *gifScanner) header() ([]byte, error) {
	if len(g.src) < 13 {
		return nil, g.corrupt("truncated header")
	}
	g.pos = 13
	if flags := g.src[10]; flags&0x80 != 0 {
		g.pos += 3 << (flags&7 + 1)
	}
	if g.pos > len(g.src) {
		return nil, g.corrupt("truncated colour table")
	}
	return g.src[:g.pos], nil
}

// next returns the next block, whether to keep it, and whether it was the trailer.
func (g *gifScanner) next() (block []byte, keep, done bool, err error) {
	if g.pos >= len(g.src) {
		return nil, false, false, g.corrupt("missing trailer")
	}
	start := g.pos
	switch g.src[g.pos] {
	case 0x3B:
		return g.src[start : start+1], true, true, nil
	case 0x2C:
		if err := g.image(); err != nil {
			return nil, false, false, err
		}
		return g.src[start:g.pos], true, false, nil
	case 0x21:
		if block, err = g.extension(); err != nil {
			return nil, false, false, err
		}
		return block, block != nil, false, nil
	}
	return nil, false, false, g.corrupt("unknown block")
}

// image skips an image descriptor, its local colour table and LZW data.
func (g *gifScanner) image() error {
	if g.pos+11 > len(g.src) {
		return g.corrupt("truncated image descriptor")
	}
	flags := g.src[g.pos+9]
	g.pos += 10
	if flags&0x80 != 0 {
		g.pos += 3 << (flags&7 + 1)
	}
	g.pos++ // LZW minimum code size
	return g.subBlocks()
}

// extension skips one extension and returns what to keep of it, nil for
// nothing: graphic control (timing, transparency) and the NETSCAPE2.0 loop
// count. Both are rebuilt from their defined fields alone: sub-blocks past
// those are skipped by every decoder, so they could carry any data through
// the strip unseen (caught by FuzzStripGIF).
func (g *gifScanner) extension() ([]byte, error) {
	if g.pos+3 > len(g.src) {
		return nil, g.corrupt("truncated extension")
	}
	label := g.src[g.pos+1]
	g.pos += 2
	// A plain-text extension's header is 12 bytes by definition, and
	// decoders read it as such whatever its size byte says: one that claims
	// another size would make us and them split the stream differently
	// (caught by FuzzStripGIF).
	if label == 0x01 && g.src[g.pos] != 12 {
		return nil, g.corrupt("plain-text extension header size")
	}
	first := g.pos // the first sub-block
	if err := g.subBlocks(); err != nil {
		return nil, err
	}
	b := g.src[first:g.pos]
	switch {
	case label == 0xF9 && len(b) >= 5 && b[0] == 4:
		return append([]byte{0x21, 0xF9}, append(b[:5:5], 0)...), nil
	case label == 0xFF && len(b) >= 16 && string(b[:12]) == "\x0BNETSCAPE2.0" && b[12] == 3 && b[13] == 1:
		return append([]byte{0x21, 0xFF}, append(b[:16:16], 0)...), nil
	}
	return nil, nil
}

// subBlocks skips data sub-blocks up to and including the zero terminator.
func (g *gifScanner) subBlocks() error {
	for {
		if g.pos >= len(g.src) {
			return g.corrupt("truncated sub-blocks")
		}
		n := int(g.src[g.pos])
		if g.pos+1+n > len(g.src) {
			return g.corrupt("truncated sub-block")
		}
		g.pos += 1 + n
		if n == 0 {
			return nil
		}
	}
}
