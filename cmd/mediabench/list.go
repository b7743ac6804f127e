package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/upload"
)

const (
	listItems   = 100_000
	listMembers = 10
	listQueries = 300
	listPage    = 100
)

// listSeed makes a 100,000-item album in one statement per table:
// owners cycle over the 10 members, visibility over only_me/members/link,
// created_at spreads over about six weeks with jitter, and taken_at up to
// two years before the upload (a trip's photos are uploaded later, out of
// capture order).
var listSeed = []string{
	`INSERT INTO users (id, openid, nickname) SELECT md5('list-user-'||g), 'bench:list:'||g, 'member'||g FROM generate_series(0, 9) g`,
	`INSERT INTO albums (id, owner_id, title) VALUES (md5('list-album'), md5('list-user-0'), 'list benchmark')`,
	`INSERT INTO album_members (album_id, user_id, role) SELECT md5('list-album'), md5('list-user-'||g),
		CASE WHEN g = 0 THEN 'owner' ELSE 'contributor' END FROM generate_series(0, 9) g`,
	`INSERT INTO media (id, owner_id, kind, status, content_type, size_bytes, sha256, album_id, visibility,
		width, height, placeholder, served_type, created_at, updated_at, taken_at, taken_at_source)
	 SELECT md5('list-item-'||g), md5('list-user-'||(g % 10)), 'photo', 'ready', 'image/jpeg', 2000000 + g,
		sha256(('list-item-'||g)::bytea), md5('list-album'), (ARRAY['only_me','members','link'])[g % 3 + 1],
		1440, 1080, 'YJqGPQw7sFlslqhFafSE+Q6oJ1h2iHB2Rw', 'image/jpeg',
		timestamptz '2025-01-01' + g * interval '37 seconds' + (hashtext('j'||g) % 30) * interval '1 second', now(),
		timestamptz '2025-01-01' + g * interval '37 seconds' - abs(hashtext('t'||g) % 63072000) * interval '1 second', 'exif'
	 FROM generate_series(0, 99999) g`,
	`VACUUM ANALYZE media`,
}

// bareQuery is the reference: the same keyset page in order o with no
// visibility filter, the floor any filtered listing of this album can reach.
func bareQuery(o upload.Order) string {
	return `SELECT ` + upload.MediaColumns + ` FROM media m WHERE m.album_id = $1 AND ` + o.KeysetSQL("$2", "$3") + ` LIMIT $4`
}

// runList times Store.Items at the database, interleaved query by query
// with the bare keyset page, and explains one Items query.
func runList(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	for _, q := range listSeed {
		if _, err := b.stack.pool.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	tr := &captureTracer{}
	pool, err := tracedPool(ctx, b.stack.dbURL, tr)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	l := &lister{store: albums.NewStore(pool), pool: pool, album: md5hex("list-album")}
	if err := l.loadCursors(ctx); err != nil {
		return nil, err
	}
	p99 := newMetric(fmt.Sprintf("Items: 100-item page of a %d-item album, p99", listItems), "ms", "bare keyset page, no visibility filter", valueAtMost(20))
	p50 := newMetric("Items: 100-item page, p50", "ms", "bare keyset page, no visibility filter")
	t99 := newMetric("Items by capture time (order=taken, the timeline): 100-item page, p99", "ms",
		"bare keyset page on (taken_at, id), no visibility filter", valueAtMost(20))
	rng := rand.New(rand.NewPCG(42, 1))
	l.round(ctx, rng, 50, upload.OrderUploaded) // warm-up: plans cached, pages in memory
	l.round(ctx, rng, 50, upload.OrderTaken)
	stop := b.profileSelf()
	for r := 0; r < rounds; r++ {
		eng, ref, err := l.round(ctx, rng, listQueries, upload.OrderUploaded)
		if err != nil {
			stop()
			return nil, err
		}
		p99.addPair(percentile(eng, 99), percentile(ref, 99))
		p50.addPair(percentile(eng, 50), percentile(ref, 50))
		if eng, ref, err = l.round(ctx, rng, listQueries, upload.OrderTaken); err != nil {
			stop()
			return nil, err
		}
		t99.addPair(percentile(eng, 99), percentile(ref, 99))
	}
	stop()
	for _, o := range []upload.Order{upload.OrderUploaded, upload.OrderTaken} {
		if err := l.explain(ctx, b, tr, o); err != nil {
			return nil, err
		}
	}
	return results(p99, p50, t99), nil
}

// lister runs the queries of the list scenario.
type lister struct {
	store   *albums.Store
	pool    *pgxpool.Pool
	album   string
	cursors map[upload.Order][]upload.Cursor
}

// loadCursors picks 1000 positions spread over the album (deterministic
// order), plus the start of the list, in each order.
func (l *lister) loadCursors(ctx context.Context) error {
	l.cursors = map[upload.Order][]upload.Cursor{}
	for _, o := range []upload.Order{upload.OrderUploaded, upload.OrderTaken} {
		rows, err := l.pool.Query(ctx, `SELECT `+o.Column()+`, m.id FROM media m WHERE m.album_id = $1
			ORDER BY md5(m.id || 'cursor') LIMIT 1000`, l.album)
		if err != nil {
			return err
		}
		cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (upload.Cursor, error) {
			c := upload.Cursor{By: o}
			err := r.Scan(&c.At, &c.ID)
			return c, err
		})
		if err != nil {
			return err
		}
		l.cursors[o] = append(cs, upload.Cursor{By: o})
	}
	return nil
}

// round runs n Items queries and n reference queries in order o,
// alternating, each with a random member as viewer and a random cursor;
// latencies in ms.
func (l *lister) round(ctx context.Context, rng *rand.Rand, n int, o upload.Order) (eng, ref []float64, err error) {
	for i := 0; i < n; i++ {
		viewer := md5hex(fmt.Sprintf("list-user-%d", rng.IntN(listMembers)))
		cur := l.cursors[o][rng.IntN(len(l.cursors[o]))]
		t0 := time.Now()
		if _, err := l.store.Items(ctx, l.album, viewer, albums.Contributor, cur, listPage); err != nil {
			return nil, nil, err
		}
		eng = append(eng, ms(time.Since(t0)))
		t0 = time.Now()
		rows, err := l.pool.Query(ctx, bareQuery(o), l.album, cur.TimeOrNil(), cur.ID, listPage)
		if err == nil {
			_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*upload.Media, error) { return upload.ScanMedia(r) })
		}
		if err != nil {
			return nil, nil, err
		}
		ref = append(ref, ms(time.Since(t0)))
	}
	return eng, ref, nil
}

// explain captures the SQL and arguments of one real Items call and runs
// EXPLAIN (ANALYZE, BUFFERS) on exactly that, so the report shows the plan
// of the engine's query, not of a copy that could drift.
func (l *lister) explain(ctx context.Context, b *bench, tr *captureTracer, o upload.Order) error {
	tr.arm()
	if _, err := l.store.Items(ctx, l.album, md5hex("list-user-3"), albums.Contributor, l.cursors[o][0], listPage); err != nil {
		return err
	}
	sql, args := tr.captured()
	rows, err := l.pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	b.addNote("index used by Items (order=%s): %s", o, indexOf(plan))
	b.addNote("EXPLAIN (ANALYZE, BUFFERS) of one Items query (order=%s, viewer a member, a random cursor):\n%s", o, strings.Join(plan, "\n"))
	return nil
}

// indexOf names the indexes a plan scans.
func indexOf(plan []string) string {
	var idx []string
	for _, l := range plan {
		if _, after, ok := strings.Cut(l, " using "); ok {
			idx = append(idx, strings.Fields(after)[0])
		}
	}
	if len(idx) == 0 {
		return "none (sequential scan)"
	}
	return strings.Join(idx, ", ")
}

// captureTracer records the next query's SQL and arguments once armed.
type captureTracer struct {
	mu    sync.Mutex
	armed bool
	sql   string
	args  []any
}

func (t *captureTracer) arm() { t.mu.Lock(); t.armed = true; t.mu.Unlock() }

func (t *captureTracer) captured() (string, []any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sql, t.args
}

func (t *captureTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.armed {
		t.sql, t.args, t.armed = d.SQL, d.Args, false
	}
	return ctx
}

func (t *captureTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func tracedPool(ctx context.Context, url string, tr pgx.QueryTracer) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.Tracer = tr
	return pgxpool.NewWithConfig(ctx, cfg)
}
