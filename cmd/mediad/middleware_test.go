package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/internal/metrics"
)

// TestHandlerPanicAnswers500AndTheServerGoesOn: a panicking handler gets
// the JSON 500 of the error handler, logged with its request id; the next
// request is served as usual.
func TestHandlerPanicAnswers500AndTheServerGoesOn(t *testing.T) {
	var logs bytes.Buffer
	app := newFiber(slog.New(slog.NewJSONHandler(&logs, nil)), metrics.New(), httpx.Limits{}, func() {})
	app.Get("/boom", func(*fiber.Ctx) error { panic("index out of range") })
	app.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
	resp, err := app.Test(httptest.NewRequest("GET", "/boom", nil))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || errorCode(t, b) != "internal" || strings.Contains(string(b), "index out of range") {
		t.Errorf("panicking handler: %d %s, want 500 internal without the panic text", resp.StatusCode, b)
	}
	if !strings.Contains(logs.String(), `"msg":"handler panicked"`) || !strings.Contains(logs.String(), "request_id") {
		t.Errorf("the panic is not logged with its request id:\n%s", logs.String())
	}
	if resp, err := app.Test(httptest.NewRequest("GET", "/ok", nil)); err != nil || resp.StatusCode != 200 {
		t.Errorf("the next request: %v %v", resp, err)
	}
}

// TestMetricsLabelsOwnTheirBytes: the method label of a request must stay
// what it was after fasthttp reuses the request's buffers for others (it
// was seen as "GETT", and /metrics then answered 500).
func TestMetricsLabelsOwnTheirBytes(t *testing.T) {
	m := metrics.New()
	app := newFiber(slog.New(slog.DiscardHandler), m, httpx.Limits{}, func() {})
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		app.Add(method, "/x", func(c *fiber.Ctx) error { return c.SendStatus(204) })
	}
	for range 20 {
		for _, method := range []string{"GET", "DELETE", "POST", "PATCH", "PUT"} {
			if _, err := app.Test(httptest.NewRequest(method, "/x", strings.NewReader("body"))); err != nil {
				t.Fatal(err)
			}
		}
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatalf("gather: %v (a corrupted label fails /metrics)", err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "mediad_http_requests_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "method" {
					got[l.GetValue()] += mt.GetCounter().GetValue()
				}
			}
		}
	}
	want := map[string]float64{"GET": 20, "POST": 20, "PUT": 20, "PATCH": 20, "DELETE": 20}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests by method label (-want +got):\n%s", diff)
	}
}
