package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wxalbum/mediad/internal/apperr"
)

// TestDependencyOutagesAre503: a service we depend on that cannot be
// reached, or that drops us while restarting, is 503 with Retry-After,
// never 500; a fault in our own code stays 500.
func TestDependencyOutagesAre503(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	// What pgx returns when PostgreSQL is down: a real failed connect.
	_, pgDown := pgconn.Connect(context.Background(), "postgres://x@127.0.0.1:1/x?connect_timeout=2&sslmode=disable")
	if pgDown == nil {
		t.Fatal("a connection to port 1 succeeded")
	}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"redis dial refused", fmt.Errorf("rate limit: %w", refused), 503},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), 503},
		{"postgres down", fmt.Errorf("find user: %w", pgDown), 503},
		{"postgres shutting down", fmt.Errorf("query: %w", &pgconn.PgError{Code: "57P01"}), 503},
		{"postgres connection failure", &pgconn.PgError{Code: "08006"}, 503},
		{"postgres unique violation", &pgconn.PgError{Code: "23505"}, 500},
		{"deadline", context.DeadlineExceeded, 503},
		{"a bug", errors.New("nil map"), 500},
		{"a public error", apperr.NotFound, 404},
		{"storage keeps its code", fmt.Errorf("put: %w", apperr.New(503, "storage_unavailable", "Storage is down.")), 503},
	} {
		app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(slog.New(slog.DiscardHandler))})
		app.Get("/", func(*fiber.Ctx) error { return tc.err })
		resp, err := app.Test(httptest.NewRequest("GET", "/", nil))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, b, tc.want)
		}
		if ra := resp.Header.Get("Retry-After"); (tc.want == 503) != (ra != "") {
			t.Errorf("%s: %d with Retry-After %q", tc.name, resp.StatusCode, ra)
		}
	}
}
