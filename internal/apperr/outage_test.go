package apperr

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
)

type sqlErr string

func (e sqlErr) Error() string    { return "sql " + string(e) }
func (e sqlErr) SQLState() string { return string(e) }

func TestDependencyDown(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"net op", &net.OpError{Op: "dial", Err: errors.New("no route")}, true},
		{"connection dropped mid-reply", fmt.Errorf("query: %w", io.ErrUnexpectedEOF), true},
		{"admin shutdown 57P01", sqlErr("57P01"), true},
		{"connection failure 08006", sqlErr("08006"), true},
		{"read-only transaction on a demoted primary 25006", fmt.Errorf("insert: %w", sqlErr("25006")), true},
		{"unique violation 23505", sqlErr("23505"), false},
		{"storage unavailable", New(503, "storage_unavailable", "x"), true},
		{"not found", NotFound, false},
		{"plain", errors.New("boom"), false},
	} {
		if got := DependencyDown(c.err); got != c.want {
			t.Errorf("%s: DependencyDown = %v, want %v", c.name, got, c.want)
		}
	}
}
