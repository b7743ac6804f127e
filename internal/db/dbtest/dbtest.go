// Package dbtest gives integration tests a fresh, migrated PostgreSQL
// database of their own, dropped when the test ends. It fails (never skips)
// when PostgreSQL cannot be reached.
package dbtest

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
)

// DefaultURL is the local stack's database, used when MEDIA_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/media?sslmode=disable"

// BaseURL returns the server the tests create their databases on.
func BaseURL() string {
	if u := os.Getenv("MEDIA_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New creates database media_test_<random>, migrates it, and returns a pool
// and its URL. The database is dropped in t.Cleanup.
func New(tb testing.TB) (*pgxpool.Pool, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := BaseURL()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("postgres unreachable at %s (run scripts/devstack up): %v", redact(base), err)
	}
	defer admin.Close(ctx)
	name := "media_test_" + ids.New()[:16]
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("postgres: create test database: %v", err)
	}
	u, _ := url.Parse(base)
	u.Path = "/" + name
	pool, err := db.Open(ctx, u.String())
	if err != nil {
		tb.Fatalf("postgres: open test database: %v", err)
	}
	if _, err := db.Migrate(ctx, pool); err != nil {
		tb.Fatalf("postgres: migrate: %v", err)
	}
	tb.Cleanup(func() {
		pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("postgres: drop test database: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("postgres: drop test database: %v", err)
		}
	})
	return pool, u.String()
}

func redact(u string) string {
	if i := strings.Index(u, "@"); i > 0 {
		if j := strings.Index(u, "://"); j > 0 && j < i {
			return u[:j+3] + "…" + u[i:]
		}
	}
	return u
}

// MustExec runs sql and fails the test on error.
func MustExec(tb testing.TB, pool *pgxpool.Pool, sql string, args ...any) {
	tb.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		tb.Fatalf("exec %q: %v", sql, err)
	}
}

// Count returns the number of rows matching a query of the form "SELECT count(*) ...".
func Count(tb testing.TB, pool *pgxpool.Pool, sql string, args ...any) int {
	tb.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatalf("count %q: %v", sql, err)
	}
	return n
}

// Role creates a login role that may read and write every table of the
// test database behind pool (whose URL is dbURL) but owns nothing, and
// returns its name and a URL connecting as it. The role is dropped when the
// test ends. With DenyColumn a test takes a privilege away while an engine
// connected as the role runs: its next query touching that column fails,
// as a database failing mid-request would.
func Role(tb testing.TB, pool *pgxpool.Pool, dbURL string) (name, roleURL string) {
	tb.Helper()
	name = "mediad_role_" + ids.New()[:12]
	MustExec(tb, pool, `CREATE ROLE `+name+` LOGIN`)
	for _, q := range []string{
		`GRANT USAGE ON SCHEMA public TO ` + name,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + name,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + name,
	} {
		MustExec(tb, pool, q)
	}
	// Engines connected as the role are started after this and so stopped
	// before it is dropped (cleanups run last-in first-out).
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, `DROP OWNED BY `+name); err != nil {
			tb.Errorf("postgres: drop the grants of %s: %v", name, err)
			return
		}
		if _, err := pool.Exec(ctx, `DROP ROLE IF EXISTS `+name); err != nil {
			tb.Errorf("postgres: drop role %s: %v", name, err)
		}
	})
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	u.User = url.User(name)
	return name, u.String()
}

// DenyColumn takes away role's right to read column of table: queries
// selecting it fail with "permission denied"; other columns stay readable.
func DenyColumn(tb testing.TB, pool *pgxpool.Pool, role, table, column string) {
	tb.Helper()
	var cols []string
	rows, err := pool.Query(context.Background(), `SELECT column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = $1 AND column_name <> $2`, table, column)
	if err == nil {
		cols, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil || len(cols) == 0 {
		tb.Fatalf("columns of %s: %v", table, err)
	}
	MustExec(tb, pool, `REVOKE SELECT ON `+table+` FROM `+role)
	MustExec(tb, pool, `GRANT SELECT (`+strings.Join(cols, ", ")+`) ON `+table+` TO `+role)
}
