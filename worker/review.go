package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
)

// Reviewer is the content check (review.Service) as its tasks need it.
type Reviewer interface {
	Submit(ctx context.Context, mediaID string) error
	Sweep(ctx context.Context) error
}

// Review runs the content-check tasks.
type Review struct {
	svc Reviewer
	// refused tells a submission that can never succeed as it is
	// (review.ErrRefused): not retried by the queue.
	refused error
}

// NewReview returns the content-check task handlers; refused is the
// error Reviewer.Submit wraps when retrying cannot help.
func NewReview(svc Reviewer, refused error) *Review { return &Review{svc: svc, refused: refused} }

// SubmitTask handles review:submit. It is idempotent: an item no longer
// pending is done.
func (r *Review) SubmitTask(ctx context.Context, t *asynq.Task) error {
	id, err := parseMedia(t)
	if err != nil {
		return err
	}
	err = r.svc.Submit(ctx, id)
	if err != nil && errors.Is(err, r.refused) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

// SweepTask handles review:sweep.
func (r *Review) SweepTask(ctx context.Context, _ *asynq.Task) error { return r.svc.Sweep(ctx) }

// RegisterReview routes the content-check tasks to r and schedules the
// sweep; called only when checks are on.
func (s *Server) RegisterReview(r *Review) error {
	s.mux.HandleFunc(TypeReviewSubmit, r.SubmitTask)
	p := reviewPeriodic
	p.handle = r.SweepTask
	return s.schedule(p)
}

// EnqueueReview queues the content check of a ready item.
func (c *Client) EnqueueReview(ctx context.Context, mediaID string) error {
	return c.enqueue(ctx, reviewSpec(mediaID, c.cfg))
}
