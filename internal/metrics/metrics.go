// Package metrics owns the Prometheus registry, the HTTP request metrics and
// the internal listener that serves /metrics away from the public API.
package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the process's registry plus the HTTP instruments.
type Metrics struct {
	Registry *prometheus.Registry
	// Pprof mounts net/http/pprof under /debug/pprof/ on the metrics
	// listener (MEDIA_PPROF, for benchmarks). It is off by default: a
	// profile can reveal memory contents, so it is never on the public API.
	Pprof    bool
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// New registers the Go/process collectors and the HTTP instruments.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediad_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mediad_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
	}
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency)
	return m
}

// Observe records one finished request.
func (m *Metrics) Observe(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// Middleware records every request under its route pattern (never the raw
// path, whose ids and tokens would explode cardinality and leak secrets).
func (m *Metrics) Middleware(status func(*fiber.Ctx, error) int, route func(*fiber.Ctx) string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		// Fiber's strings point into fasthttp's reused request buffers;
		// a label value is kept for good, so it must own its bytes.
		m.Observe(strings.Clone(route(c)), strings.Clone(c.Method()), status(c, err), time.Since(start))
		return err
	}
}

// Serve serves /metrics on addr until ctx ends.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	if m.Pprof {
		mountPprof(mux)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// mountPprof registers the profiling endpoints on mux explicitly, so they
// are served only where this mux is (never http.DefaultServeMux).
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}
