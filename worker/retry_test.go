package worker

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wxalbum/mediad/internal/apperr"
)

// TestOutagesAreRetriedSoonAndNotCounted: a task that met an outage
// (storage unavailable, PostgreSQL or Redis unreachable) is tried again in
// seconds and the attempt does not count; any other failure gets asynq's
// growing backoff and counts.
func TestOutagesAreRetriedSoonAndNotCounted(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	storage := fmt.Errorf("get raw: %w", apperr.New(503, "storage_unavailable", "Storage is down."))
	for _, err := range []error{refused, storage, &pgconn.PgError{Code: "57P01"}} {
		if d := retryDelay(5, err, nil); d < outageRetry || d > outageRetry+time.Second {
			t.Errorf("%v: retry in %v, want %v and a jitter", err, d, outageRetry)
		}
		if !apperr.DependencyDown(err) {
			t.Errorf("%v is not seen as an outage: it would count as an attempt", err)
		}
	}
	real := errors.New("decode: corrupt")
	if d := retryDelay(5, real, nil); d < time.Minute {
		t.Errorf("a real failure retried in %v, want asynq's backoff (minutes at the 5th try)", d)
	}
	if apperr.DependencyDown(real) {
		t.Error("a real failure is seen as an outage: it would be retried forever")
	}
}
