package upload

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// The content check's part of an item's life (the review column; 0016,
// 0017). Only these methods write it:
//
//	NULL -> pending                       MarkReviewPending (with MarkReady, same transaction)
//	pending: submitted (trace id, tries)  RecordReviewSubmit / CountReviewTry (worker)
//	pending: claimed again                ClaimReviewResubmits (sweep, after the timeout)
//	pending -> unchecked | unchecked_open GiveUpReviews (sweep, after the last try)
//	any state -> pass | risky             SetReviewResult (WeChat's pushed result)

// MarkReviewPending puts a ready item's content check in the pending
// state: hidden from everyone but its uploader until the result. The
// worker calls it in the transaction that marks the item ready, so nobody
// else ever sees it unchecked.
func (s *Store) MarkReviewPending(ctx context.Context, id string) error {
	_, err := s.q.Exec(ctx, `UPDATE media SET review = 'pending', review_trace_id = NULL, review_tries = 0,
		review_submitted_at = now() WHERE id = $1 AND status = 'ready'`, id)
	return err
}

// PendingReview returns a ready item whose check is pending and how often
// it was submitted; ErrNotFound when it is not (any more) pending.
func (s *Store) PendingReview(ctx context.Context, id string) (*Media, int, error) {
	var tries int
	m, err := scanMedia(withExtra{s.q.QueryRow(ctx, `SELECT `+mediaCols+`, m.review_tries FROM media m
		WHERE m.id = $1 AND m.status = 'ready' AND m.review = 'pending'`, id), []any{&tries}})
	return m, tries, err
}

// withExtra scans columns selected after mediaCols into extra.
type withExtra struct {
	row   pgx.Row
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

// RecordReviewSubmit records a submission WeChat accepted: its trace id
// and one more try. False when the item is no longer pending.
func (s *Store) RecordReviewSubmit(ctx context.Context, id, traceID string) (bool, error) {
	tag, err := s.q.Exec(ctx, `UPDATE media SET review_trace_id = $2, review_tries = review_tries + 1,
		review_submitted_at = now() WHERE id = $1 AND review = 'pending'`, id, traceID)
	return tag.RowsAffected() == 1, err
}

// CountReviewTry counts a submission that failed for good (WeChat refused
// it), so the sweep gives up after the last try instead of looping.
func (s *Store) CountReviewTry(ctx context.Context, id string) error {
	_, err := s.q.Exec(ctx, `UPDATE media SET review_tries = review_tries + 1, review_submitted_at = now()
		WHERE id = $1 AND review = 'pending'`, id)
	return err
}

// ClaimReviewResubmits returns up to limit ready items pending a check
// submitted (or queued) before t with fewer than maxTries tries, and restarts their
// clock, so a second sweep running at once claims other rows (SKIP
// LOCKED) and none is submitted twice for one timeout.
func (s *Store) ClaimReviewResubmits(ctx context.Context, t time.Time, maxTries, limit int) ([]string, error) {
	return s.ids(ctx, `UPDATE media m SET review_submitted_at = now() WHERE m.id IN (
		SELECT id FROM media WHERE review = 'pending' AND status = 'ready' AND review_submitted_at < $1 AND review_tries < $2
		ORDER BY review_submitted_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING m.id`, t, maxTries, limit)
}

// GiveUpReviews moves pending items whose last of maxTries submissions was
// before t to state (ReviewUnchecked or ReviewUncheckedOpen) and returns
// their ids.
func (s *Store) GiveUpReviews(ctx context.Context, t time.Time, maxTries int, state string) ([]string, error) {
	if state != ReviewUnchecked && state != ReviewUncheckedOpen {
		return nil, errors.New("upload: GiveUpReviews: want an unchecked state")
	}
	return s.ids(ctx, `UPDATE media SET review = $3, updated_at = now()
		WHERE review = 'pending' AND review_submitted_at < $1 AND review_tries >= $2 RETURNING id`, t, maxTries, state)
}

// SetReviewResult records the check result state (ReviewPass or
// ReviewRisky) of the item's latest submission, traceID, and returns the
// item; nil when no item has that trace id or it is already in state (a
// repeated push changes nothing). A result arriving after the sweep gave
// up still counts, and so does a later verdict on the same submission
// (WeChat may push risky after pass): it is the real answer.
func (s *Store) SetReviewResult(ctx context.Context, traceID, state string) (*Media, error) {
	if state != ReviewPass && state != ReviewRisky {
		return nil, errors.New("upload: SetReviewResult: want pass or risky")
	}
	m, err := scanMedia(s.q.QueryRow(ctx, `UPDATE media m SET review = $2, updated_at = now()
		WHERE m.review_trace_id = $1 AND m.review <> $2
		RETURNING `+mediaCols, traceID, state))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return m, err
}
