package process

import (
	"context"
	"errors"
	"fmt"
)

// Error is the only error type this package returns. Reason is a stable,
// machine-readable code; Err (optional) carries the underlying cause for logs.
type Error struct {
	Reason string
	Msg    string
	Err    error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return "process: " + e.Reason + ": " + e.Msg + ": " + e.Err.Error()
	}
	return "process: " + e.Reason + ": " + e.Msg
}

// Unwrap exposes the cause so errors.Is finds context errors and exec errors.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorrupt) true for every *Error with that reason,
// whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Msg == "" && t.Err == nil && t.Reason == e.Reason
}

// Reason codes, stable across releases: callers store and compare them.
const (
	ReasonUnsupportedType = "unsupported_type"
	ReasonTooManyPixels   = "too_many_pixels"
	ReasonCorrupt         = "corrupt"
	ReasonStripFailed     = "strip_failed"
	ReasonInternal        = "internal"
)

// Sentinels for errors.Is. Every returned *Error with the same Reason matches.
var (
	// ErrUnsupportedType: content is not one of the accepted formats.
	ErrUnsupportedType = &Error{Reason: ReasonUnsupportedType}
	// ErrTooManyPixels: declared dimensions exceed MaxPixels/MaxSide or the decode budget.
	ErrTooManyPixels = &Error{Reason: ReasonTooManyPixels}
	// ErrCorrupt: the file claims a supported format but cannot be parsed or decoded.
	ErrCorrupt = &Error{Reason: ReasonCorrupt}
	// ErrStripFailed: metadata could not be removed with certainty.
	ErrStripFailed = &Error{Reason: ReasonStripFailed}
)

// errorf builds an *Error with the given reason.
func errorf(reason string, cause error, format string, args ...any) *Error {
	return &Error{Reason: reason, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// Reason returns the stable code of err: "" for nil, one of the Reason*
// constants for a *Error, and "internal" for anything else.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonInternal
}

// Permanent reports whether retrying err can never succeed because the input
// itself is at fault. Cancellation, deadlines and environment problems
// (a missing ffmpeg, a full disk) are transient.
func Permanent(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch Reason(err) {
	case ReasonUnsupportedType, ReasonTooManyPixels, ReasonCorrupt, ReasonStripFailed:
		return true
	}
	return false
}
