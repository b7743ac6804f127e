package process

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// maxHEICOutput bounds the JPEG heif-convert may hand back.
const maxHEICOutput = 512 << 20

// heicSize returns the largest image size declared by the ispe properties
// (meta/iprp/ipco/ispe) of a HEIF file, read without decoding anything. For a
// grid image the largest ispe is the full canvas, not a tile.
func heicSize(b []byte) (w, h int, err error) {
	meta := findBox(b, "meta")
	if len(meta) < 4 {
		return 0, 0, errorf(ReasonCorrupt, nil, "heic: no meta box")
	}
	ipco := findBox(findBox(meta[4:], "iprp"), "ipco") // meta is a FullBox
	eachBox(ipco, func(typ string, body []byte) {
		if typ != "ispe" || len(body) < 12 {
			return
		}
		bw, bh := binary.BigEndian.Uint32(body[4:]), binary.BigEndian.Uint32(body[8:])
		if uint64(bw)*uint64(bh) > uint64(w)*uint64(h) {
			w, h = clampInt(bw), clampInt(bh)
		}
	})
	if w == 0 || h == 0 {
		return 0, 0, errorf(ReasonCorrupt, nil, "heic: no image size (ispe)")
	}
	return w, h, nil
}

// clampInt converts a declared dimension; absurd values stay absurd but
// cannot overflow int32 arithmetic later.
func clampInt(v uint32) int { return int(min(v, 1<<30)) }

// findBox returns the body of the first box of type typ in b, or nil.
func findBox(b []byte, typ string) []byte {
	var found []byte
	eachBox(b, func(t string, body []byte) {
		if found == nil && t == typ {
			found = body
		}
	})
	return found
}

// eachBox calls fn for every well-formed box at one level of b and stops at
// the first malformed header; sizes are checked against len(b), never trusted.
func eachBox(b []byte, fn func(typ string, body []byte)) {
	for len(b) >= 8 {
		size, hdr := uint64(binary.BigEndian.Uint32(b)), uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return
		}
		fn(string(b[4:8]), b[hdr:size])
		b = b[size:]
	}
}

// heicToJPEG converts the primary image of a HEIF file, checked to be
// w x h at most, to JPEG with heif-convert, which applies the HEIF
// transforms (irot/imir/clap): the result is upright, so its EXIF
// orientation must be ignored. The converter runs under resource limits
// (prlimit): address space for an image of that size and no more, CPU time
// ToolTimeout; a file that lies past the checks is killed, not obeyed.
func (p *Processor) heicToJPEG(ctx context.Context, raw []byte, w, h int) ([]byte, error) {
	dir, err := os.MkdirTemp("", "process-heic-")
	if err != nil {
		return nil, errorf(ReasonInternal, err, "heic: temp dir")
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.heic"), filepath.Join(dir, "out.jpg")
	if err := os.WriteFile(in, raw, 0o600); err != nil {
		return nil, errorf(ReasonInternal, err, "heic: write input")
	}
	if _, err := p.run(ctx, p.o.PrlimitPath, 0, p.converterLimits(w, h, p.o.HeifConvertPath, "--quiet", "-q", "92", in, out)...); err != nil {
		return nil, err
	}
	// Files holding several top-level images are written as out-1.jpg, ...
	for _, name := range []string{out, filepath.Join(dir, "out-1.jpg")} {
		if fi, err := os.Stat(name); err == nil {
			if fi.Size() > maxHEICOutput {
				return nil, errorf(ReasonTooManyPixels, nil, "heic: converted image is %d bytes", fi.Size())
			}
			b, err := os.ReadFile(name)
			if err != nil {
				return nil, errorf(ReasonInternal, err, "heic: read output")
			}
			return b, nil
		}
	}
	return nil, errorf(ReasonCorrupt, nil, "heic: heif-convert wrote no image")
}

// converterBase is the address space a converter needs besides the image:
// the program, its libraries, thread stacks (12 MP needs 48 MiB resident).
const converterBase = 256 << 20

// converterLimits returns prlimit's arguments running tool with args under
// an address-space limit for a w x h image (8 bytes per pixel: the coded
// YUV planes, the RGB image and the JPEG encoder's buffers) and a CPU-time
// limit of ToolTimeout.
func (p *Processor) converterLimits(w, h int, tool string, args ...string) []string {
	as := converterBase + 8*int64(w)*int64(h)
	cpu := int64(max(p.o.ToolTimeout/time.Second, 1))
	return append([]string{"--as=" + strconv.FormatInt(as, 10), "--cpu=" + strconv.FormatInt(cpu, 10), "--", tool}, args...)
}
