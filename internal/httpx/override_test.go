package httpx

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestMethodOverride(t *testing.T) {
	app := fiber.New()
	app.Use(MethodOverride())
	app.Patch("/x", func(c *fiber.Ctx) error { return c.SendString("patch " + c.Method()) })
	app.Post("/x", func(c *fiber.Ctx) error { return c.SendString("post") })
	app.Delete("/x", func(c *fiber.Ctx) error { return c.SendString("delete") })
	for _, c := range []struct {
		method, override string
		want             string
	}{
		{"POST", "PATCH", "patch PATCH"},
		{"POST", "patch", "patch PATCH"},
		{"POST", "", "post"},
		{"POST", "DELETE", "post"}, // only PATCH can be reached
		{"PUT", "PATCH", ""},       // only from POST
		{"PATCH", "", "patch PATCH"},
	} {
		req := httptest.NewRequest(c.method, "/x", nil)
		if c.override != "" {
			req.Header.Set(MethodOverrideHeader, c.override)
		}
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		got := string(b)
		if resp.StatusCode == 405 {
			got = ""
		}
		if got != c.want {
			t.Errorf("%s with override %q: %d %q, want %q", c.method, c.override, resp.StatusCode, got, c.want)
		}
	}
}
