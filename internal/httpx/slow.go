package httpx

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/wxalbum/mediad/internal/apperr"
)

// Limits bound what a slow or greedy client can hold: a connection that
// trickles its headers, a body that barely moves, many connections from
// one network.
type Limits struct {
	// HeaderTimeout is how long a connection may take to send a request's
	// headers (and a new connection its first request); default 10s.
	HeaderTimeout time.Duration
	// BodyTimeout bounds reading a whole request body; default 10m (a
	// 1 GiB video on a slow phone link). Uploads also have a minimum rate.
	BodyTimeout time.Duration
	// ConnsPerNetwork caps open connections from one client network (/24
	// or /48); default 512, since carriers put many phones behind one
	// address.
	ConnsPerNetwork int
}

// Defaults fills zero values.
func (l Limits) Defaults() Limits {
	if l.HeaderTimeout == 0 {
		l.HeaderTimeout = 10 * time.Second
	}
	if l.BodyTimeout == 0 {
		l.BodyTimeout = 10 * time.Minute
	}
	if l.ConnsPerNetwork == 0 {
		l.ConnsPerNetwork = 512
	}
	return l
}

// Apply sets the header and body timeouts on app's server: the server's
// read timeout covers the headers only, and a request with a body gets
// BodyTimeout once its headers are in.
func (l Limits) Apply(app *fiber.App) {
	s := app.Server()
	s.ReadTimeout = l.HeaderTimeout
	s.HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		if h.ContentLength() == 0 {
			return fasthttp.RequestConfig{}
		}
		return fasthttp.RequestConfig{ReadTimeout: l.BodyTimeout}
	}
}

// ErrTooSlow ends an upload whose body arrives slower than the minimum.
var ErrTooSlow = apperr.New(http.StatusRequestTimeout, "too_slow",
	"The upload arrived too slowly and was stopped; try again on a better connection.")

// MinRateBody returns the request body as a reader that fails with
// ErrTooSlow when the client sends fewer than min bytes in any window: the
// connection's read deadline is moved one window ahead each time a
// window's worth has arrived, so a stalled client is cut off within one
// window instead of holding a worker and a storage upload for the whole
// body timeout.
func MinRateBody(c *fiber.Ctx, min int64, window time.Duration) io.Reader {
	body := BodyReader(c)
	conn := c.Context().Conn()
	if min <= 0 || window <= 0 || conn == nil {
		return body
	}
	return &minRate{r: body, conn: conn, min: min, window: window}
}

type minRate struct {
	r       io.Reader
	conn    net.Conn
	min     int64
	window  time.Duration
	got     int64
	started bool
}

func (m *minRate) Read(p []byte) (int, error) {
	if !m.started {
		m.started = true
		m.conn.SetReadDeadline(time.Now().Add(m.window))
	}
	n, err := m.r.Read(p)
	if m.got += int64(n); m.got >= m.min {
		m.got = 0
		m.conn.SetReadDeadline(time.Now().Add(m.window))
	}
	var ne net.Error
	if err != nil && (errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()) {
		return n, ErrTooSlow
	}
	return n, err
}
