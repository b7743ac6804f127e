package reports

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/internal/db/dbtest"
	"github.com/wxalbum/mediad/upload"
)

// holdItem inserts a ready item of user u in no album, with report_hold.
func holdItem(t *testing.T, pool *pgxpool.Pool, id, hold string) {
	t.Helper()
	dbtest.MustExec(t, pool, `INSERT INTO media (id, owner_id, kind, status, content_type, size_bytes, sha256, visibility, report_hold)
		VALUES ($1, 'u', 'photo', 'ready', 'image/jpeg', 1, $2, 'link', NULLIF($3, ''))`, id, []byte(id), hold)
}

func oldReport(t *testing.T, pool *pgxpool.Pool, id, mediaID, reason string, answered bool, age time.Duration) {
	t.Helper()
	dbtest.MustExec(t, pool, `INSERT INTO reports (id, media_id, reporter_id, reason, created_at, answered_at, answered_as, reply)
		VALUES ($1, $2, 'r', $3, now() - $4::interval, CASE WHEN $5 THEN now() END, CASE WHEN $5 THEN 'uploader' END,
		CASE WHEN $5 THEN 'kept' END)`, id, mediaID, reason, age.String(), answered)
}

// TestReportRetentionKeepsWhatHolds: retention purges old reports but an
// unanswered one its item is held for right now.
func TestReportRetentionKeepsWhatHolds(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	dbtest.MustExec(t, pool, `INSERT INTO users (id, openid) VALUES ('u', 'o'), ('r', 'o2')`)
	holdItem(t, pool, "held", upload.HoldShowsMe)
	holdItem(t, pool, "free", "")
	day := 24 * time.Hour
	oldReport(t, pool, "holding", "held", ShowsMe, false, 200*day)          // kept: its item is held for it
	oldReport(t, pool, "answered", "held", Other, true, 200*day)            // purged
	oldReport(t, pool, "other-open", "free", Inappropriate, false, 200*day) // purged: its item is not held
	oldReport(t, pool, "young", "free", Other, false, day)                  // kept: young
	n, err := NewStore(pool).Purge(ctx, time.Now().Add(-180*day))
	if err != nil || n != 2 {
		t.Fatalf("Purge = %d, %v; want 2", n, err)
	}
	if got := dbtest.Count(t, pool, `SELECT count(*) FROM reports WHERE id IN ('holding', 'young')`); got != 2 {
		t.Errorf("%d of the reports to keep are left, want 2", got)
	}
}

// TestReportHoldTaskIsIdempotent: ApplyHolds holds an item whose removal
// request is past its grace, changes nothing when run again, and lifts a
// hold no unanswered report backs.
func TestReportHoldTaskIsIdempotent(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	dbtest.MustExec(t, pool, `INSERT INTO users (id, openid) VALUES ('u', 'o'), ('r', 'o2')`)
	holdItem(t, pool, "due", "")
	holdItem(t, pool, "orphan", upload.HoldShowsMe) // its reports went with their reporter
	holdItem(t, pool, "young", "")
	oldReport(t, pool, "r1", "due", ShowsMe, false, 8*24*time.Hour)
	oldReport(t, pool, "r2", "young", ShowsMe, false, time.Hour)
	s := NewService(Config{}.Defaults(), pool, nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i, want := range []int{2, 0} {
		if n, err := s.ApplyHolds(ctx); err != nil || n != want {
			t.Fatalf("run %d: ApplyHolds = %d, %v; want %d", i+1, n, err, want)
		}
	}
	for id, want := range map[string]string{"due": upload.HoldShowsMe, "orphan": "", "young": ""} {
		m, err := upload.NewStore(pool).Find(ctx, id)
		if err != nil || m.ReportHold != want {
			t.Errorf("%s: hold %q (%v), want %q", id, m.ReportHold, err, want)
		}
	}
}
