package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
)

func TestRedactPath(t *testing.T) {
	tok := "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6"
	for in, want := range map[string]string{
		"/s/" + tok:                                   "/s/REDACTED",
		"/v1/public/shares/" + tok + "/unlock":        "/v1/public/shares/REDACTED/unlock",
		"/v1/invites/" + tok + "/accept":              "/v1/invites/REDACTED/accept",
		"/v1/shares/0123456789abcdef0123456789abcdef": "/v1/shares/0123456789abcdef0123456789abcdef",
		"/v1/media/abc":                               "/v1/media/abc",
	} {
		if got := RedactPath(in); got != want {
			t.Errorf("RedactPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTruncateIP(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.77": "203.0.113.0", "2001:db8:abcd:12:34::1": "2001:db8:abcd::", "junk": "",
	} {
		if got := TruncateIP(in); got != want {
			t.Errorf("TruncateIP(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestErrorHandlerAndAccessLog checks the one error handler's JSON shape,
// that internal errors show nothing internal, and that the access log
// carries no bearer token and no share token.
func TestErrorHandlerAndAccessLog(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(log)})
	app.Use(RequestIDs(), AccessLog(log))
	app.Get("/boom", func(c *fiber.Ctx) error { return fmt.Errorf("db password=hunter2: %w", errors.New("x")) })
	app.Get("/gone", func(c *fiber.Ctx) error { return fmt.Errorf("wrapped: %w", apperr.NotFound) })
	app.Get("/s/:token", func(c *fiber.Ctx) error { return c.SendString("ok") })

	check := func(path string, wantStatus int, wantCode string) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer sessiontoken123")
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantStatus {
			t.Errorf("%s: status %d, want %d", path, resp.StatusCode, wantStatus)
		}
		if wantCode != "" && !strings.Contains(string(b), `"code":"`+wantCode+`"`) {
			t.Errorf("%s: body %s lacks code %s", path, b, wantCode)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id", path)
		}
		if strings.Contains(string(b), "hunter2") {
			t.Errorf("%s: internal error leaked: %s", path, b)
		}
	}
	check("/boom", 500, "internal")
	check("/gone", 404, "not_found")
	check("/s/supersecretsharetoken", 200, "")
	check("/nope", 404, "not_found")
	for _, secret := range []string{"sessiontoken123", "supersecretsharetoken"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log contains %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), `"path":"/s/REDACTED"`) {
		t.Errorf("share path not redacted in log:\n%s", logs.String())
	}
}
