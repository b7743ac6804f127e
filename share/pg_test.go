package share

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/db/dbtest"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/internal/signer"
	"github.com/wxalbum/mediad/upload"
)

// counting is the pool, counting the statements sent through it and the
// round trips they took; gate, when set, runs before each batch (a test
// holds a build there).
type counting struct {
	*pgxpool.Pool
	stmts, trips atomic.Int64
	gate         func()
}

func (c *counting) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.stmts.Add(1)
	c.trips.Add(1)
	return c.Pool.Exec(ctx, sql, args...)
}

func (c *counting) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.stmts.Add(1)
	c.trips.Add(1)
	return c.Pool.Query(ctx, sql, args...)
}

func (c *counting) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c.stmts.Add(1)
	c.trips.Add(1)
	return c.Pool.QueryRow(ctx, sql, args...)
}

func (c *counting) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	c.stmts.Add(int64(b.Len()))
	c.trips.Add(1)
	if c.gate != nil {
		c.gate()
	}
	return c.Pool.SendBatch(ctx, b)
}

// pgFixture is a migrated database holding one owner's albums of ready,
// link-visible photos, and a Service reading it through a counting pool.
type pgFixture struct {
	t    testing.TB
	pool *pgxpool.Pool
	conn *counting
	svc  *Service
	user string
	// changes is what the cache is told (nil: cache off); stopListening
	// ends its listener.
	changes       *db.Changes
	stopListening func()
}

// listen starts a db.Changes on the fixture's database and waits until
// its listener is live.
func (f *pgFixture) listen() *db.Changes {
	ctx, cancel := context.WithCancel(context.Background())
	c, done := &db.Changes{}, make(chan struct{})
	go func() { c.Listen(ctx, f.pool, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	f.stopListening = func() { cancel(); <-done }
	f.t.Cleanup(f.stopListening)
	if !within(5*time.Second, func() bool { _, live := c.Version(); return live }) {
		f.t.Fatal("link change listener not live within 5s")
	}
	return c
}

// within calls cond until it holds or d has passed.
func within(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// newPGFixture builds the fixture. With listen, the Service caches link
// pages, told what changed by a db.Changes listening on the database;
// without, the cache is off.
func newPGFixture(t testing.TB, listen bool) *pgFixture {
	pool, _ := dbtest.New(t)
	f := &pgFixture{t: t, pool: pool, conn: &counting{Pool: pool}, user: ids.New()}
	var changes db.Versioner
	if listen {
		f.changes = f.listen()
		changes = f.changes
	}
	f.exec(`INSERT INTO users (id, nickname) VALUES ($1, 'owner')`, f.user)
	sg, err := signer.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	ups, err := upload.NewService(upload.Config{}, upload.NewStore(pool), nil, nil, nil, sg, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = NewService(Config{}, NewStore(f.conn), albums.NewStore(pool), ups, sg, nil, nil, changes)
	return f
}

func (f *pgFixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// album makes an album of n ready link-visible photos and returns its id
// and the items' ids, newest first.
func (f *pgFixture) album(n int) (string, []string) {
	f.t.Helper()
	a := ids.New()
	f.exec(`INSERT INTO albums (id, owner_id, title) VALUES ($1, $2, 'Trip')`, a, f.user)
	f.exec(`INSERT INTO album_members (album_id, user_id, role) VALUES ($1, $2, 'owner')`, a, f.user)
	items := make([]string, n)
	for i := range items {
		items[n-1-i] = f.item(&a, time.Duration(i)*time.Second)
	}
	return a, items
}

// item adds a ready link-visible photo (in album, when not nil).
func (f *pgFixture) item(album *string, age time.Duration) string {
	id := ids.New()
	f.exec(`INSERT INTO media (id, owner_id, kind, status, content_type, size_bytes, sha256, album_id, visibility,
		width, height, placeholder, created_at)
		VALUES ($1, $2, 'photo', 'ready', 'image/jpeg', 1000, $3, $4, 'link', 800, 600, 'AAAA', now() - interval '1h' + $5::interval)`,
		id, f.user, ids.Hash(id), album, fmt.Sprintf("%d seconds", int(age.Seconds())))
	return id
}

// link makes a link to the album or the item and returns its token and id.
func (f *pgFixture) link(albumID, mediaID *string) (string, string) {
	f.t.Helper()
	l := &Link{AlbumID: albumID, MediaID: mediaID, CreatedBy: f.user, ExpiresAt: time.Now().Add(time.Hour)}
	tok, err := NewStore(f.pool).Create(context.Background(), l, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok, l.ID
}

// open opens a link's first page through the cache path and returns how
// many items it shows, or the error.
func (f *pgFixture) open(token string) (int, error) {
	body, err := f.svc.OpenJSON(context.Background(), "", token, "", "", 50)
	if err != nil {
		return 0, err
	}
	return countItems(body), nil
}

func countItems(body []byte) int {
	n := 0
	for i := 0; i+len(`"thumb_url"`) <= len(body); i++ {
		if string(body[i:i+len(`"thumb_url"`)]) == `"thumb_url"` {
			n++
		}
	}
	return n
}
