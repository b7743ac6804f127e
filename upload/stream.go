package upload

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"hash"
	"io"

	"github.com/wxalbum/mediad/process"
)

// errLimit is returned by limitReader when more than its limit arrives.
var errLimit = errors.New("limit exceeded")

// limitReader counts bytes as they stream and fails past max, so a body
// that lies about its length (or sends none) is cut off at the limit.
type limitReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, errLimit
	}
	return n, err
}

// sniffed is an upload stream whose first bytes were inspected.
type sniffed struct {
	io.Reader
	format process.Format
	sum    hash.Hash
	count  *limitReader
}

// sniff peeks at the first 512 bytes to detect the format by content, then
// returns a reader that hashes (SHA-256) and counts what flows through.
func sniff(r io.Reader, max int64) (*sniffed, error) {
	lr := &limitReader{r: r, max: max}
	br := bufio.NewReaderSize(lr, 4096)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	h := sha256.New()
	return &sniffed{Reader: io.TeeReader(br, h), format: process.Detect(head), sum: h, count: lr}, nil
}
