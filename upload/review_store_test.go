package upload

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/internal/db/dbtest"
)

// reviewRow inserts an item with status st.
func reviewRow(t *testing.T, pool *pgxpool.Pool, id string, st Status) {
	t.Helper()
	dbtest.MustExec(t, pool, `INSERT INTO media (id, owner_id, kind, status, content_type, size_bytes, sha256, visibility)
		VALUES ($1, 'u', 'photo', $2, 'image/jpeg', 1, $3, 'only_me')`, id, st, []byte(id))
}

func reviewState(t *testing.T, pool *pgxpool.Pool, id string) (review string, tries int, trace string) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `SELECT coalesce(review, ''), review_tries, coalesce(review_trace_id, '')
		FROM media WHERE id = $1`, id).Scan(&review, &tries, &trace)
	if err != nil {
		t.Fatal(err)
	}
	return review, tries, trace
}

// TestReviewLifecycle walks an item through pending, submissions and a
// result, and checks that a repeated or unknown result changes nothing.
func TestReviewLifecycle(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	s := NewStore(pool)
	dbtest.MustExec(t, pool, `INSERT INTO users (id, openid) VALUES ('u', 'o')`)
	reviewRow(t, pool, "ready1", StatusReady)
	reviewRow(t, pool, "proc1", StatusProcessing)

	for _, id := range []string{"ready1", "proc1"} {
		if err := s.MarkReviewPending(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if r, _, _ := reviewState(t, pool, "proc1"); r != "" {
		t.Errorf("an item still processing turned %q", r)
	}
	if _, _, err := s.PendingReview(ctx, "proc1"); err != ErrNotFound {
		t.Errorf("PendingReview(processing) = %v, want ErrNotFound", err)
	}
	m, tries, err := s.PendingReview(ctx, "ready1")
	if err != nil || m.Review != ReviewPending || tries != 0 {
		t.Fatalf("PendingReview = %+v, %d, %v", m, tries, err)
	}
	if ok, err := s.RecordReviewSubmit(ctx, "ready1", "t1"); !ok || err != nil {
		t.Fatalf("RecordReviewSubmit = %v, %v", ok, err)
	}
	if r, n, tr := reviewState(t, pool, "ready1"); r != ReviewPending || n != 1 || tr != "t1" {
		t.Errorf("after submit: %q %d %q", r, n, tr)
	}
	if m, err := s.SetReviewResult(ctx, "unknown", ReviewRisky); m != nil || err != nil {
		t.Errorf("unknown trace: %v, %v", m, err)
	}
	for i, want := range []bool{true, false} { // the repeat is a no-op
		m, err := s.SetReviewResult(ctx, "t1", ReviewRisky)
		if err != nil || (m != nil) != want {
			t.Errorf("result %d: %v, %v; want an item: %v", i, m, err, want)
		}
	}
	if m, err := s.SetReviewResult(ctx, "t1", ReviewPass); err != nil || m == nil || m.Review != ReviewPass {
		t.Errorf("a later verdict: %v, %v", m, err)
	}
	if ok, _ := s.RecordReviewSubmit(ctx, "ready1", "t2"); ok {
		t.Error("RecordReviewSubmit on an answered item")
	}
	if _, err := s.SetReviewResult(ctx, "t1", ReviewPending); err == nil {
		t.Error("SetReviewResult accepted pending")
	}
}

// TestReviewSweepClaims: resubmissions go to pending items past the
// timeout with tries left, each claimed by one of two sweeps running at
// once; items out of tries are given up in the state asked for.
func TestReviewSweepClaims(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	s := NewStore(pool)
	dbtest.MustExec(t, pool, `INSERT INTO users (id, openid) VALUES ('u', 'o')`)
	var due []string
	for i := range 40 {
		id := "due" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		reviewRow(t, pool, id, StatusReady)
		due = append(due, id)
	}
	reviewRow(t, pool, "fresh", StatusReady)
	reviewRow(t, pool, "spent", StatusReady)
	reviewRow(t, pool, "passed", StatusReady)
	dbtest.MustExec(t, pool, `UPDATE media SET review = 'pending', review_submitted_at = now() - interval '1 hour'`)
	dbtest.MustExec(t, pool, `UPDATE media SET review_submitted_at = now() WHERE id = 'fresh'`)
	dbtest.MustExec(t, pool, `UPDATE media SET review_tries = 3 WHERE id = 'spent'`)
	dbtest.MustExec(t, pool, `UPDATE media SET review = 'pass' WHERE id = 'passed'`)
	before := time.Now().Add(-30 * time.Minute)

	var mu sync.Mutex
	var claimed []string
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				ids, err := s.ClaimReviewResubmits(ctx, before, 3, 7)
				if err != nil {
					t.Error(err)
				}
				if len(ids) == 0 {
					return
				}
				mu.Lock()
				claimed = append(claimed, ids...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(claimed)
	if !slices.Equal(claimed, due) {
		t.Errorf("claimed %v\nwant each due item once: %v", claimed, due)
	}
	gone, err := s.GiveUpReviews(ctx, before, 3, ReviewUncheckedOpen)
	if err != nil || !slices.Equal(gone, []string{"spent"}) {
		t.Errorf("GiveUpReviews = %v, %v; want [spent]", gone, err)
	}
	if r, _, _ := reviewState(t, pool, "spent"); r != ReviewUncheckedOpen {
		t.Errorf("spent: %q", r)
	}
	if _, err := s.GiveUpReviews(ctx, before, 3, ReviewPass); err == nil {
		t.Error("GiveUpReviews accepted pass")
	}
}
