// Package apperr is the one error type that crosses package boundaries on its
// way to an HTTP client: a status, a stable machine code and a public message.
// Domain packages declare their sentinels with New and wrap them with %w; the
// HTTP error handler is the single place that turns them into responses.
package apperr

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// Error is an error with an HTTP status and a message that is safe to show.
type Error struct {
	Status  int    // HTTP status code
	Code    string // stable machine code, e.g. "not_found"
	Message string // human message, safe for clients
}

// New returns an *Error. Sentinels declared with New compare by identity, so
// errors.Is works through fmt.Errorf("...: %w", ErrX) chains.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus reports the status the error maps to.
func (e *Error) HTTPStatus() int { return e.Status }

// WithMessage returns a copy of e with another public message; errors.Is
// still matches the original sentinel through Unwrap.
func (e *Error) WithMessage(format string, args ...any) error {
	return &withMessage{pub: Error{Status: e.Status, Code: e.Code, Message: fmt.Sprintf(format, args...)}, base: e}
}

// withMessage carries a specific public message while still matching its
// sentinel with errors.Is.
type withMessage struct {
	pub  Error
	base *Error
}

func (w *withMessage) Error() string { return w.pub.Error() }
func (w *withMessage) Unwrap() error { return w.base }

// As extracts the public error from err. Errors that carry no public
// information come back as Internal, so nothing internal leaks.
func As(err error) *Error {
	var wm *withMessage
	if errors.As(err, &wm) {
		return &wm.pub
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal
}

// Common errors shared by every feature.
var (
	Internal        = New(http.StatusInternalServerError, "internal", "Internal error.")
	Invalid         = New(http.StatusBadRequest, "invalid_request", "The request is not valid.")
	Unauthorized    = New(http.StatusUnauthorized, "unauthorized", "Sign in first.")
	Forbidden       = New(http.StatusForbidden, "forbidden", "You may not do that.")
	NotFound        = New(http.StatusNotFound, "not_found", "Not found.")
	Conflict        = New(http.StatusConflict, "conflict", "The request conflicts with the current state.")
	RateLimited     = New(http.StatusTooManyRequests, "rate_limited", "Too many requests; slow down.")
	Unavailable     = New(http.StatusServiceUnavailable, "unavailable", "The service is temporarily unavailable.")
	PayloadTooLarge = New(http.StatusRequestEntityTooLarge, "too_large", "The request body is too large.")
)

// Invalidf is a 400 invalid_request with a specific message.
func Invalidf(format string, args ...any) error { return Invalid.WithMessage(format, args...) }

// WithRetryAfter returns e saying how long the client should wait before
// trying again; the HTTP error handler sends it as Retry-After.
func (e *Error) WithRetryAfter(d time.Duration) error {
	return &retryAfter{base: e, after: d}
}

type retryAfter struct {
	base  *Error
	after time.Duration
}

func (r *retryAfter) Error() string { return r.base.Error() }
func (r *retryAfter) Unwrap() error { return r.base }

// RetryAfter returns how long err says to wait, in whole seconds (at
// least 1), and whether it says so at all.
func RetryAfter(err error) (int, bool) {
	var r *retryAfter
	if !errors.As(err, &r) {
		return 0, false
	}
	return max(1, int(math.Ceil(r.after.Seconds()))), true
}
