package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Test inputs from the repository's testdata/ (read-only; see its README
// for provenance).
var (
	phonePhoto  = fixture("images/phone/iphone_hdr_NO.jpg") // 12 MP, the benchmark photo
	jollaPhoto  = fixture("images/phone/jolla.jpg")         // 12 MP
	sampleVideo = fixture("video/location_udta.mp4")
	gpsPhotos   = fixture("images/gps/*.jpg")
)

// fixture returns the path of rel under testdata/ at the module root, the
// nearest folder above the working directory holding go.mod (make bench
// runs from the root; go test runs from cmd/mediabench).
func fixture(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("testdata", rel)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "testdata", rel)
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, "testdata", rel)
		}
	}
}

// mix is SplitMix64's finaliser over (seed, k): the k-th 8-byte word of the
// stream for seed. Counter-based, so any slice of a stream can be made on
// its own and the bytes never depend on how a consumer reads.
func mix(seed, k uint64) uint64 {
	z := seed + (k+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// padReader yields bytes [off, end) of the pseudo-random stream for seed,
// generated on the fly: a 1 GiB body is never held in memory.
type padReader struct {
	seed     uint64
	off, end int64
}

func pad(seed uint64, n int64) *padReader { return &padReader{seed: seed, end: n} }

func (p *padReader) Read(b []byte) (int, error) {
	if p.off >= p.end {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.end-p.off))
	i := 0
	for ; i < n && (p.off+int64(i))%8 != 0; i++ {
		b[i] = p.byteAt(p.off + int64(i))
	}
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], mix(p.seed, uint64(p.off+int64(i))/8))
	}
	for ; i < n; i++ {
		b[i] = p.byteAt(p.off + int64(i))
	}
	p.off += int64(n)
	return n, nil
}

func (p *padReader) byteAt(off int64) byte {
	return byte(mix(p.seed, uint64(off)/8) >> (8 * (off % 8)))
}

// padBytes returns n bytes of the stream for seed (small inputs only).
func padBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	io.ReadFull(pad(seed, int64(n)), b)
	return b
}

// headed is a body made of a real file's first bytes (so type sniffing
// accepts it) followed by padding from seed, size bytes in all.
type headed struct {
	head []byte
	seed uint64
	size int64
}

// section returns bytes [start, end) of the body as a stream.
func (h headed) section(start, end int64) io.Reader {
	hl := int64(len(h.head))
	var rs []io.Reader
	if start < hl {
		rs = append(rs, bytes.NewReader(h.head[start:min(end, hl)]))
	}
	if end > hl {
		rs = append(rs, &padReader{seed: h.seed, off: max(start, hl) - hl, end: end - hl})
	}
	return io.MultiReader(rs...)
}

func (h headed) reader() io.Reader { return h.section(0, h.size) }

// headedAt reads a headed body at any offset (an io.ReaderAt, like a file)
// as well as in order.
type headedAt struct {
	h   headed
	off int64
}

func (a *headedAt) Read(p []byte) (int, error) {
	n, err := a.ReadAt(p, a.off)
	a.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (a *headedAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= a.h.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), a.h.size)
	n, err := io.ReadFull(a.h.section(off, end), p[:end-off])
	if err == nil && int64(n) < int64(len(p)) {
		err = io.EOF
	}
	return n, err
}

// sha256Hex hashes the whole body by streaming it.
func (h headed) sha256Hex() string {
	s := sha256.New()
	io.Copy(s, h.reader())
	return hex.EncodeToString(s.Sum(nil))
}

const boundary = "mediabench-6f1c2b7d9e0a4c35b8f1"

// multipartBody wraps content as the single "file" part of a form,
// without copying it, and returns the body, its length and content type.
func multipartBody(content io.Reader, size int64) (io.Reader, int64, string) {
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n"
	tail := "\r\n--" + boundary + "--\r\n"
	body := io.MultiReader(bytes.NewReader([]byte(head)), content, bytes.NewReader([]byte(tail)))
	return body, int64(len(head)) + size + int64(len(tail)), "multipart/form-data; boundary=" + boundary
}

// readFile reads a test input, naming it on failure.
func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("test input: %w", err)
	}
	return b, nil
}

// withTrailer is photo followed by a unique trailer after its EOI: distinct
// bytes (no deduplication) that decode as the same picture.
func withTrailer(photo []byte, seed uint64) []byte {
	return append(append([]byte(nil), photo...), padBytes(seed, 32)...)
}

// gpsSet reads the small GPS-tagged JPEGs.
func gpsSet() ([][]byte, error) {
	paths, _ := filepath.Glob(gpsPhotos)
	if len(paths) == 0 {
		return nil, fmt.Errorf("test input: no files match %s", gpsPhotos)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := readFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
