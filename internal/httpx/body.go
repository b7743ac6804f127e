package httpx

import (
	"errors"
	"io"

	"github.com/gofiber/fiber/v2"
)

// DrainOrClose keeps the rest of a request body from being read as the
// next request on the connection. Bodies are streamed, so a handler that
// answers without reading its body (a GET with a body, a refusal) leaves
// the unread bytes on the connection, and whatever follows them there
// would be parsed as another request (a request hidden in a body would
// run). After every request with a body, what is left is read and
// discarded up to limit bytes; if more is left, the connection is closed
// after the response.
func DrainOrClose(limit int64) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := c.Next()
		if c.Request().Header.ContentLength() == 0 {
			return err
		}
		if !drained(c, limit) {
			c.Context().SetConnectionClose()
		}
		return err
	}
}

// drained reads what is left of the body, up to limit bytes, and reports
// whether the body ended.
func drained(c *fiber.Ctx, limit int64) bool {
	s := c.Context().RequestBodyStream()
	if s == nil {
		return true // buffered whole by fasthttp: nothing is left on the wire
	}
	n, err := io.CopyN(io.Discard, s, limit+1)
	return n <= limit && (err == nil || errors.Is(err, io.EOF))
}
