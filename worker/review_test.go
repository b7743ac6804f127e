package worker

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hibiken/asynq"
)

type fakeReviewer struct{ err error }

func (f fakeReviewer) Submit(context.Context, string) error { return f.err }
func (f fakeReviewer) Sweep(context.Context) error          { return nil }

// TestReviewSubmitTaskRetries: a refused submission is not retried by the
// queue (SkipRetry), a transient error is, and a malformed payload never.
func TestReviewSubmitTaskRetries(t *testing.T) {
	refused := errors.New("refused")
	task, err := NewReviewSubmitTask("m1", Config{}.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		task     *asynq.Task
		err      error
		wantErr  bool
		wantSkip bool
	}{
		{"accepted", task, nil, false, false},
		{"rate limited", task, errors.New("wechat: errcode 45009"), true, false},
		{"refused", task, fmt.Errorf("review m1: %w", refused), true, true},
		{"malformed payload", asynq.NewTask(TypeReviewSubmit, []byte("{")), nil, true, true},
	} {
		got := NewReview(fakeReviewer{tc.err}, refused).SubmitTask(context.Background(), tc.task)
		if (got != nil) != tc.wantErr || IsSkipRetry(got) != tc.wantSkip {
			t.Errorf("%s: SubmitTask = %v; want error %v, SkipRetry %v", tc.name, got, tc.wantErr, tc.wantSkip)
		}
	}
}
