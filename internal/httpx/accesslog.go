package httpx

import (
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// AccessLog writes one structured line per request. Its size is the
// Content-Length header: reading Response().Body() would pull a streamed
// body (a video, an export) into memory. It never logs a
// session token (headers are not logged) or a share/invite token (RedactPath)
// and keeps client addresses truncated (TruncateIP).
func AccessLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		status := c.Response().StatusCode()
		if err != nil {
			status = Public(err).Status
		}
		log.Info("http", "request_id", RequestID(c), "method", c.Method(),
			"path", RedactPath(c.Path()), "route", RouteName(c), "status", status,
			"bytes_out", c.Response().Header.ContentLength(), "duration_ms", time.Since(start).Milliseconds(),
			"client", TruncateIP(c.IP()))
		return err
	}
}

// secretSegments are path segments followed by a secret token.
var secretSegments = map[string]bool{"s": true, "shares": true, "invites": true, "f": true, "deletion-receipts": true}

// RedactPath replaces tokens that follow secret-bearing segments with
// "REDACTED": /s/<token>, /v1/public/shares/<token>, /v1/invites/<token>,
// /f/<signed>.
func RedactPath(p string) string {
	segs := strings.Split(p, "/")
	for i := 1; i < len(segs); i++ {
		if secretSegments[segs[i-1]] && segs[i] != "" && !isPlainID(segs[i], segs[i-1]) {
			segs[i] = "REDACTED"
		}
	}
	return strings.Join(segs, "/")
}

// isPlainID keeps the share ids of /v1/shares/:id (an id, not a token) readable.
func isPlainID(seg, parent string) bool {
	return parent == "shares" && len(seg) == 32 && strings.Trim(seg, "0123456789abcdef") == ""
}

// TruncateIP keeps an IPv4 address's /24 and an IPv6 address's /48, enough
// for abuse handling and too little to identify a household.
func TruncateIP(s string) string {
	ip := net.ParseIP(s)
	if ip == nil {
		return ""
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.Mask(net.CIDRMask(24, 32)).String()
	}
	return ip.Mask(net.CIDRMask(48, 128)).String()
}

// RouteName is the matched route pattern (not the raw path, which may hold
// ids and tokens), for logs and metric labels.
func RouteName(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "" && r.Path != "/" {
		return r.Path
	}
	return "unmatched"
}
