package db_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/db/dbtest"
)

// listening starts a Changes listening on a fresh database and waits
// until it is live.
func listening(t *testing.T) (*db.Changes, *pgxpool.Pool) {
	pool, _ := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	c := &db.Changes{}
	done := make(chan struct{})
	go func() { c.Listen(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "listener live", func() bool { _, live := c.Version(); return live })
	return c, pool
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
	}
}

func mustExec(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestListenerScopes: the triggers of migration 0015 name what each
// statement touched, and the listener records exactly that; Sync makes a
// write's notifications count before it returns.
func TestListenerScopes(t *testing.T) {
	c, pool := listening(t)
	mustExec(t, pool, `INSERT INTO users (id) VALUES ('u')`)
	v, _ := c.Version()
	mustExec(t, pool, `INSERT INTO albums (id, owner_id, title) VALUES ('a1', 'u', 'x'), ('a2', 'u', 'y')`)
	c.Sync() // the write above committed before: it counts once Sync returns
	a1, a2, a3 := []string{db.AlbumScope("a1")}, []string{db.AlbumScope("a2")}, []string{db.AlbumScope("a3")}
	if !c.Changed(v, a1) || !c.Changed(v, a2) || c.Changed(v, a3) {
		t.Fatal("an insert of albums a1 and a2 did not count as exactly their change")
	}
	v, _ = c.Version()
	mustExec(t, pool, `UPDATE albums SET title = 'z' WHERE id = 'a2'`)
	c.Sync()
	if c.Changed(v, a1) || !c.Changed(v, a2) {
		t.Fatal("a rename of a2 did not count as a change of a2 alone")
	}
}

// TestListenerFallsBackToEverything: whatever cannot be attributed counts
// as a change of everything: a statement touching more than 100 scopes, a
// TRUNCATE, an unreadable payload, and the listener's connection lost.
func TestListenerFallsBackToEverything(t *testing.T) {
	c, pool := listening(t)
	mustExec(t, pool, `INSERT INTO users (id) VALUES ('u')`)
	unrelated := []string{db.AlbumScope("elsewhere"), db.LinkScope("elsewhere")}
	for _, tc := range []struct{ name, sql string }{
		{"101 albums in one statement", `INSERT INTO albums (id, owner_id, title) SELECT 'b' || g, 'u', 't' FROM generate_series(1, 101) g`},
		{"truncate", `TRUNCATE share_opens, reports, shares`},
		{"an unreadable payload", `SELECT pg_notify('` + db.LinkChangeChannel + `', 'a: junk')`},
		{"the listener's connection lost", `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%'`},
	} {
		v, _ := c.Version()
		mustExec(t, pool, tc.sql)
		waitFor(t, tc.name, func() bool { return c.Changed(v, unrelated) })
		waitFor(t, "listener live again", func() bool { _, live := c.Version(); return live })
	}
}
