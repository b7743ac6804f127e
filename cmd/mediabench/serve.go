package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"golang.org/x/sync/errgroup"
)

const (
	servePages    = 20 // album pages of thumbs
	servePage     = 50 // thumbs on a page, fetched at once
	servePasses   = 3  // passes over the pages per measurement
	videoBytes    = 100 << 20
	videoChunk    = 1 << 20
	videoInFlight = 4 // ranges in flight in the "player reading ahead" row
)

// server holds what every serve round needs: the signed URLs, the keys
// behind them, a reference client and the query counter.
type server struct {
	b                          *bench
	ref                        *minio.Client
	stats                      *pgx.Conn // on the maintenance database, so reading is not counted
	member, link               [][]thumb
	video                      fileRef
	grid, linkGrid, seq, ahead *metric
	queries, linkQueries       *metric
}

// thumb is one thumbnail: its signed URL and the object behind it.
type thumb struct {
	url, key string
	size     int64
}

// fileRef is the video: its signed play URL and its key.
type fileRef struct{ url, key string }

// runServe seeds an album of ready photos and a ready video on a `mediad
// serve`, then per round reads them through /f/ and directly from MinIO.
func runServe(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	if _, err := b.start(ctx, "serve"); err != nil {
		return nil, err
	}
	s, err := newServer(ctx, b)
	if err != nil {
		return nil, err
	}
	defer s.stats.Close(context.WithoutCancel(ctx))
	if err := s.warmUp(ctx); err != nil {
		return nil, err
	}
	for r := 0; r < rounds; r++ {
		if err := s.round(ctx, r); err != nil {
			return nil, err
		}
	}
	if err := s.countQueries(ctx); err != nil {
		return nil, err
	}
	return results(s.grid, s.seq, s.ahead, s.queries, s.linkGrid, s.linkQueries), nil
}

func newServer(ctx context.Context, b *bench) (*server, error) {
	ref, err := referenceClient(b.stack.env)
	if err != nil {
		return nil, err
	}
	stats, err := statsConn(ctx, b.stack.dbURL)
	if err != nil {
		return nil, err
	}
	direct := "minio-go GetObject of the same objects, same parallelism"
	s := &server{b: b, ref: ref, stats: stats,
		grid: newMetric(fmt.Sprintf("thumb grid: %d pages x %d thumbs fetched at once through /f/ (member grants)", servePages, servePage),
			"thumbs/s", direct, ratioAtLeast(0.7)),
		linkGrid: newMetric("the same grid through a share link's /f/ URLs (link grants)", "thumbs/s", direct),
		seq: newMetric("100 MiB video as 1 MiB Range requests through /f/ play, one at a time", "MB/s",
			"minio-go GetObject of the same ranges, one at a time", ratioAtLeast(0.7)),
		ahead: newMetric(fmt.Sprintf("the same video ranges, %d in flight", videoInFlight), "MB/s",
			fmt.Sprintf("minio-go GetObject of the same ranges, %d in flight", videoInFlight), ratioAtLeast(0.7)),
		queries:     newMetric("PostgreSQL transactions per /f/ request, member grants (grid and video)", "queries", ""),
		linkQueries: newMetric("PostgreSQL transactions per /f/ request, link grants", "queries", "")}
	if err := s.seed(ctx); err != nil {
		return nil, err
	}
	return s, s.sameBytes(ctx)
}

// referenceClient is minio-go with enough idle connections for the grid:
// with its default 16 per host the reference would dial and close the
// other 34 connections of every page, and flatter mediad.
func referenceClient(env map[string]string) (*minio.Client, error) {
	tr, err := minio.DefaultTransport(env["MEDIA_S3_SECURE"] == "true")
	if err != nil {
		return nil, err
	}
	tr.MaxIdleConnsPerHost = 256
	return minio.New(env["MEDIA_S3_ENDPOINT"], &minio.Options{Transport: tr, Secure: env["MEDIA_S3_SECURE"] == "true",
		Creds: credentials.NewStaticV4(env["MEDIA_S3_ACCESS_KEY"], env["MEDIA_S3_SECRET_KEY"], "")})
}

// statsConn connects to the server's maintenance database: queries there
// are not counted in the benchmark database's statistics.
func statsConn(ctx context.Context, dbURL string) (*pgx.Conn, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, err
	}
	u.Path = "/postgres"
	return pgx.Connect(ctx, u.String())
}

// round measures every row once. Each row is cut into units (a page of
// thumbs, ten video ranges), and each unit runs through /f/ and directly
// back to back, alternating which goes first: drift on the shared machine
// then hits both sides alike.
func (s *server) round(ctx context.Context, r int) error {
	rows := []struct {
		m     *metric
		units []unit
		work  float64 // thumbs or MB, over all units
	}{
		{s.grid, s.pageUnits(ctx, s.member, servePasses), servePasses * servePages * servePage},
		{s.linkGrid, s.pageUnits(ctx, s.link, servePasses), servePasses * servePages * servePage},
		{s.seq, s.rangeUnits(ctx, 1), videoBytes / 1e6},
		{s.ahead, s.rangeUnits(ctx, videoInFlight), videoBytes / 1e6},
	}
	for _, row := range rows {
		eng, ref, err := interleave(row.units, r)
		if err != nil {
			return err
		}
		e, f := row.work/eng.Seconds(), row.work/ref.Seconds()
		row.m.addPair(e, f)
		s.b.logf("round %d: %s: /f/ %.0f %s, direct %.0f (%.2fx)", r+1, row.m.name, e, row.m.unit, f, e/f)
	}
	return nil
}

// unit is one slice of a row's work, through /f/ and directly.
type unit struct{ eng, ref func() error }

// interleave runs every unit both ways and sums each way's time.
func interleave(units []unit, r int) (eng, ref time.Duration, err error) {
	for i, u := range units {
		first, second, d1, d2 := u.eng, u.ref, &eng, &ref
		if (i+r)%2 == 1 {
			first, second, d1, d2 = second, first, d2, d1
		}
		for _, step := range []struct {
			run func() error
			d   *time.Duration
		}{{first, d1}, {second, d2}} {
			t0 := time.Now()
			if err := step.run(); err != nil {
				return 0, 0, err
			}
			*step.d += time.Since(t0)
		}
	}
	return eng, ref, nil
}

// pageUnits makes a unit of every page, passes times over the pages.
func (s *server) pageUnits(ctx context.Context, pages [][]thumb, passes int) []unit {
	var us []unit
	for pass := 0; pass < passes; pass++ {
		for _, p := range pages {
			us = append(us, unit{func() error { return s.fetchPage(ctx, p, false) }, func() error { return s.fetchPage(ctx, p, true) }})
		}
	}
	return us
}

// rangeUnits cuts the video's 1 MiB ranges into units of ten, read in
// order inFlight at a time.
func (s *server) rangeUnits(ctx context.Context, inFlight int) []unit {
	var us []unit
	const per = 10 * videoChunk
	for off := int64(0); off < videoBytes; off += per {
		end := min(off+per, videoBytes)
		us = append(us, unit{func() error { return s.fetchRanges(ctx, off, end, inFlight, false) },
			func() error { return s.fetchRanges(ctx, off, end, inFlight, true) }})
	}
	return us
}

// warmUp opens the connections every path keeps (mediad's to PostgreSQL
// and MinIO, the clients'), so the first measured row does not pay them.
func (s *server) warmUp(ctx context.Context) error {
	for _, u := range append(s.pageUnits(ctx, s.member[:2], 1), s.pageUnits(ctx, s.link[:1], 1)...) {
		if err := errors.Join(u.eng(), u.ref()); err != nil {
			return err
		}
	}
	return nil
}

// settle waits out PostgreSQL's statistics reporting: a backend that
// reported less than a second ago holds its counts for up to 10 s more.
const settle = 11 * time.Second

// countQueries runs one pass of the member grid plus the sequential video,
// then one of the link grid, outside the timed rounds, and records the
// benchmark database's committed transactions per request of each.
func (s *server) countQueries(ctx context.Context) error {
	for _, c := range []struct {
		m        *metric
		units    []unit
		requests int
	}{
		{s.queries, append(s.pageUnits(ctx, s.member, 1), s.rangeUnits(ctx, 1)...), servePages*servePage + videoBytes/videoChunk},
		{s.linkQueries, s.pageUnits(ctx, s.link, 1), servePages * servePage},
	} {
		n, err := s.xactsDuring(ctx, c.units)
		if err != nil {
			return err
		}
		c.m.add(float64(n) / float64(c.requests))
		s.b.logf("%s: %d transactions for %d requests", c.m.name, n, c.requests)
	}
	return nil
}

// xactsDuring counts the transactions committed while the units ran
// through /f/.
func (s *server) xactsDuring(ctx context.Context, units []unit) (int64, error) {
	if err := sleep(ctx, settle); err != nil {
		return 0, err
	}
	before, err := s.xacts(ctx)
	if err != nil {
		return 0, err
	}
	for _, u := range units {
		if err := u.eng(); err != nil {
			return 0, err
		}
	}
	if err := sleep(ctx, settle); err != nil {
		return 0, err
	}
	after, err := s.xacts(ctx)
	return after - before, err
}

// xacts is the benchmark database's committed transactions so far: each
// statement mediad runs outside a transaction is one.
func (s *server) xacts(ctx context.Context) (int64, error) {
	var n int64
	err := s.stats.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = $1`, benchDB).Scan(&n)
	return n, err
}

// fetchPage fetches a page's thumbs all at once.
func (s *server) fetchPage(ctx context.Context, page []thumb, direct bool) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, t := range page {
		g.Go(func() error { return s.fetchThumb(gctx, t, direct) })
	}
	return g.Wait()
}

func (s *server) fetchThumb(ctx context.Context, t thumb, direct bool) error {
	if direct {
		return s.readDirect(ctx, t.key, nil, t.size)
	}
	return readURL(ctx, t.url, "", http.StatusOK, t.size)
}

// fetchRanges reads the 1 MiB ranges in [from, to) in order, inFlight
// at a time.
func (s *server) fetchRanges(ctx context.Context, from, to int64, inFlight int, direct bool) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(inFlight)
	for off := from; off < to; off += videoChunk {
		g.Go(func() error { return s.fetchRange(gctx, off, direct) })
	}
	return g.Wait()
}

func (s *server) fetchRange(ctx context.Context, off int64, direct bool) error {
	end := off + videoChunk - 1
	if direct {
		return s.readDirect(ctx, s.video.key, &[2]int64{off, end}, videoChunk)
	}
	return readURL(ctx, s.video.url, fmt.Sprintf("bytes=%d-%d", off, end), http.StatusPartialContent, videoChunk)
}

// readDirect is the reference read: minio-go GetObject (of a range).
func (s *server) readDirect(ctx context.Context, key string, rng *[2]int64, want int64) error {
	opts := minio.GetObjectOptions{}
	if rng != nil {
		if err := opts.SetRange(rng[0], rng[1]); err != nil {
			return err
		}
	}
	o, err := s.ref.GetObject(ctx, benchBucket, key, opts)
	if err != nil {
		return err
	}
	defer o.Close()
	return drain(o, want, key)
}

// readURL GETs a signed URL (with a Range header) and reads the body.
func readURL(ctx context.Context, u, rng string, status int, want int64) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET /f/ (%s): HTTP %d, want %d: %s", rng, resp.StatusCode, status, b)
	}
	return drain(resp.Body, want, "/f/ "+rng)
}

func drain(r io.Reader, want int64, what string) error {
	n, err := io.Copy(io.Discard, r)
	if err == nil && n != want {
		err = fmt.Errorf("%s: read %d bytes, want %d", what, n, want)
	}
	return err
}

// sameBytes checks once that /f/ serves the bytes MinIO holds.
func (s *server) sameBytes(ctx context.Context) error {
	t := s.member[0][0]
	via, err := fetchBytes(ctx, t.url, "")
	if err != nil {
		return err
	}
	o, err := s.ref.GetObject(ctx, benchBucket, t.key, minio.GetObjectOptions{})
	if err != nil {
		return err
	}
	defer o.Close()
	direct, err := io.ReadAll(o)
	if err == nil && !bytes.Equal(via, direct) {
		err = fmt.Errorf("/f/ served %d bytes that differ from the object's %d", len(via), len(direct))
	}
	return err
}

func fetchBytes(ctx context.Context, u, rng string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
