package upload

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/db/dbtest"
)

type sweepBlobs struct{ deleted []string }

func (b *sweepBlobs) List(context.Context, string, func(blob.Info) error) error { return nil }
func (b *sweepBlobs) ListIncomplete(context.Context, string) ([]blob.IncompleteUpload, error) {
	return nil, nil
}
func (b *sweepBlobs) DeleteMany(_ context.Context, keys []string) (int, error) {
	b.deleted = append(b.deleted, keys...)
	return len(keys), nil
}
func (b *sweepBlobs) AbortMultipart(context.Context, string, string) error { return nil }

type sweepQueue struct{ processed []string }

func (q *sweepQueue) EnqueueProcess(_ context.Context, id string, _ Kind) error {
	q.processed = append(q.processed, id)
	return nil
}
func (q *sweepQueue) EnqueueDelete(context.Context, string) error { return nil }
func (q *sweepQueue) EnqueuePlay(context.Context, string) error   { return nil }

// TestSweepGivesUpOnAnItemThatNeverFinishes: an item whose task never
// finishes (it kills every worker that takes it) is enqueued again
// MaxRequeues times, then fails "stuck" and its raw upload goes; it is not
// enqueued forever.
func TestSweepGivesUpOnAnItemThatNeverFinishes(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	dbtest.MustExec(t, pool, `INSERT INTO users (id, openid) VALUES ('u', 'u')`)
	dbtest.MustExec(t, pool, `INSERT INTO media (id, owner_id, kind, content_type, size_bytes, sha256, visibility)
		VALUES ('m', 'u', 'photo', 'image/gif', 24, '\x00', 'members')`)
	bs, q := &sweepBlobs{}, &sweepQueue{}
	s := NewSweeper(Config{MaxRequeues: 3, StuckAfter: time.Minute}, NewStore(pool), bs, q)
	now := time.Now()
	for round := 1; round <= 5; round++ {
		now = now.Add(2 * time.Minute) // the last re-enqueue is old again
		r, err := s.Quick(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		wantRequeued, wantFailed := 1, 0
		if round > 3 {
			wantRequeued = 0
		}
		if round == 4 {
			wantFailed = 1
		}
		if r.StuckRequeued != wantRequeued || r.StuckFailed != wantFailed {
			t.Errorf("round %d: %+v, want %d requeued and %d failed", round, r, wantRequeued, wantFailed)
		}
	}
	m, err := NewStore(pool).Find(ctx, "m")
	if err != nil || m.Status != StatusFailed || m.FailReason == nil || *m.FailReason != ReasonStuck {
		t.Fatalf("item after the sweeps: %+v, %v; want failed stuck", m, err)
	}
	if !slices.Equal(q.processed, []string{"m", "m", "m"}) || !slices.Equal(bs.deleted, []string{RawKey("m")}) {
		t.Errorf("enqueued %v, deleted %v", q.processed, bs.deleted)
	}
}

// TestSweepsRunningAtOnceRequeueOnce: two sweeps at once (two workers, or
// the hourly reconcile beside `mediad reconcile`) find the same stuck
// item; one claims it, so it is enqueued once and one attempt is counted
// per round, and it still fails after MaxRequeues rounds, not half as many.
func TestSweepsRunningAtOnceRequeueOnce(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	dbtest.MustExec(t, pool, `INSERT INTO users (id, openid) VALUES ('u', 'u')`)
	dbtest.MustExec(t, pool, `INSERT INTO media (id, owner_id, kind, content_type, size_bytes, sha256, visibility)
		VALUES ('m', 'u', 'photo', 'image/gif', 24, '\x00', 'members')`)
	cfg := Config{MaxRequeues: 3, StuckAfter: time.Minute}
	qs := [2]*sweepQueue{{}, {}}
	sweeps := [2]*Sweeper{NewSweeper(cfg, NewStore(pool), &sweepBlobs{}, qs[0]), NewSweeper(cfg, NewStore(pool), &sweepBlobs{}, qs[1])}
	for round := 1; round <= 3; round++ {
		// Two minutes pass (on the database's clock, which claims read).
		dbtest.MustExec(t, pool, `UPDATE media SET updated_at = updated_at - interval '2 minutes'`)
		now := time.Now()
		errs := make(chan error, 2)
		for i, s := range sweeps {
			go func() {
				var err error
				if i == 0 {
					_, err = s.Quick(ctx, now)
				} else {
					_, err = s.Deep(ctx, now, false)
				}
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if n := len(qs[0].processed) + len(qs[1].processed); n != round {
			t.Errorf("round %d: enqueued %d times in all, want %d", round, n, round)
		}
		if n := dbtest.Count(t, pool, `SELECT attempts FROM media WHERE id = 'm'`); n != round {
			t.Errorf("round %d: %d attempts counted, want %d", round, n, round)
		}
	}
	m, err := NewStore(pool).Find(ctx, "m")
	if err != nil || m.Status != StatusProcessing {
		t.Errorf("after 3 rounds: %+v %v, want still processing (MaxRequeues 3)", m, err)
	}
}
