package upload

import (
	"io"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// copyBuf is the size of the reads and writes that move a served file
// from storage to the client.
const copyBuf = 64 << 10

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBuf); return &b }}

// body streams a stored object to the client. fasthttp copies a body
// stream through its 4 KiB write buffer (our listener's connections have
// no ReadFrom), a system call each way per 4 KiB; WriteTo moves 64 KiB a
// time instead, from a pooled buffer held only while the body is sent.
type body struct{ io.ReadCloser }

// WriteTo copies the whole body to w.
func (b body) WriteTo(w io.Writer) (int64, error) {
	p := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(p)
	// Hiding ReadFrom and WriteTo makes io.CopyBuffer use our buffer.
	return io.CopyBuffer(onlyWriter{w}, onlyReader{b.ReadCloser}, *p)
}

type onlyReader struct{ io.Reader }

type onlyWriter struct{ io.Writer }

// readSmall reads a body that fits the copy buffer whole, before any
// header is set: it then leaves with the headers through fasthttp's
// buffer (a streamed body costs a write for the headers and one per
// read), and a storage failure is still an error response. A larger body
// is left to stream (nil).
func readSmall(r io.ReadCloser, n int64) (*[]byte, error) {
	if n > copyBuf {
		return nil, nil
	}
	defer r.Close()
	p := copyBufs.Get().(*[]byte)
	if _, err := io.ReadFull(r, (*p)[:n]); err != nil {
		copyBufs.Put(p)
		return nil, err
	}
	return p, nil
}

// sendBody sets the response body: the bytes readSmall read (copied, so
// its buffer goes back to the pool), else n bytes streamed from r.
func sendBody(c *fiber.Ctx, r io.ReadCloser, n int64, small *[]byte) {
	if small == nil {
		c.Context().SetBodyStream(body{r}, int(n))
		return
	}
	c.Response().SetBody((*small)[:n])
	copyBufs.Put(small)
}
