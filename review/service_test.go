package review

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/wechat"
)

// TestRetryable: WeChat's rate limits and outages are retried with
// backoff; answers that will not change (a refused request, a user with no
// openid, no credentials) are not.
func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"quota reached", &wechat.Error{Code: wechat.CodeRateLimited}, true},
		{"too frequent", &wechat.Error{Code: wechat.CodeTooFrequent}, true},
		{"system busy", fmt.Errorf("wrapped: %w", &wechat.Error{Code: wechat.CodeSystemBusy}), true},
		{"unreachable", fmt.Errorf("%w: timeout", wechat.ErrUnavailable), true},
		{"database down", context.DeadlineExceeded, true},
		{"media too large", &wechat.Error{Code: wechat.CodeMediaTooLarge}, false},
		{"invalid openid", &wechat.Error{Code: 40003}, false},
		{"no openid any more", fmt.Errorf("openid: %w", apperr.NotFound), false},
		{"not configured", wechat.ErrNotConfigured, false},
	} {
		if got := retryable(tc.err); got != tc.want {
			t.Errorf("%s: retryable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
	if errors.Is(fmt.Errorf("x: %w", ErrRefused), wechat.ErrUnavailable) {
		t.Error("ErrRefused must not read as an outage")
	}
}
