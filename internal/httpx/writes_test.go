package httpx

import (
	"errors"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestAfterWritesRunsAfterEveryStateChangingRequest(t *testing.T) {
	calls := 0
	app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(slog.New(slog.DiscardHandler))})
	app.Use(AfterWrites(func() { calls++ }))
	app.All("/ok", func(c *fiber.Ctx) error { return c.SendStatus(200) })
	app.All("/fail", func(*fiber.Ctx) error { return errors.New("boom") })
	for _, c := range []struct {
		method, path string
		calls        int
	}{
		{"GET", "/ok", 0},
		{"HEAD", "/ok", 0},
		{"OPTIONS", "/ok", 0},
		{"POST", "/ok", 1},
		{"PATCH", "/ok", 1},
		{"PUT", "/ok", 1},
		{"DELETE", "/ok", 1},
		{"POST", "/fail", 1}, // a write that failed half-way may still have changed something
	} {
		calls = 0
		resp, err := app.Test(httptest.NewRequest(c.method, c.path, nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if calls != c.calls {
			t.Errorf("%s %s: called %d times, want %d", c.method, c.path, calls, c.calls)
		}
	}
}
