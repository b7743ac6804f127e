package apperr

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
)

// DependencyDown reports whether err says a service we depend on
// (PostgreSQL, Redis, MinIO) could not be reached or dropped the
// connection: nothing is wrong with the request or the task, it will work
// once the service is back. HTTP answers 503 for it (never 500), and the
// worker retries it soon without counting an attempt.
func DependencyDown(err error) bool {
	if err == nil {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) { // the server went away mid-reply (a killed primary)
		return true
	}
	// PostgreSQL: connection exceptions (08), operator intervention (57:
	// shutting down, terminated by an administrator) and a write that
	// reached a primary being demoted in a failover (25006).
	var sql interface{ SQLState() string }
	if errors.As(err, &sql) {
		st := sql.SQLState()
		return strings.HasPrefix(st, "08") || strings.HasPrefix(st, "57") || st == "25006"
	}
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusServiceUnavailable // e.g. storage_unavailable
}
