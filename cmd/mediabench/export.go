package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"

	"github.com/wxalbum/mediad/upload"
)

const (
	exportItems = 128
	exportSize  = 8 << 20 // 128 x 8 MiB = 1 GiB
	partSize    = 8 << 20 // mediad's MEDIA_S3_PART_SIZE default; references use it too
)

// exporter holds what every export round needs.
type exporter struct {
	b         *bench
	u         *client
	m         *mediad
	idle      int64 // mediad's RSS (KiB) before the first export
	ids       []string
	tput, rss *metric
}

// runExport seeds one user's 1 GiB of ready originals once, then per round
// times an export through the API and a direct streamed copy.
func runExport(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	m, err := b.start(ctx, "all")
	if err != nil {
		return nil, err
	}
	if err := probe(ctx, "POST /v1/me/exports"); err != nil {
		return nil, err
	}
	u, err := login(ctx, "exporter")
	if err != nil {
		return nil, err
	}
	ids, err := seedItems(ctx, b, "export", u.userID, nil, exportItems, exportSize)
	if err != nil {
		return nil, err
	}
	if err := putOriginals(ctx, b, ids); err != nil {
		return nil, err
	}
	e := &exporter{b: b, u: u, m: m, idle: idleRSS(m.pid()), ids: ids,
		// The issue sets no throughput target for export: the ratio is reported.
		tput: newMetric("export 1 GiB (128 x 8 MiB originals) until ready", "MB/s", "minio-go GetObject -> PutObject streamed copy of the same bytes"),
		rss:  newMetric("mediad RSS above idle, peak during the export", "MiB", "", valueBelow(64))}
	for r := 0; r < rounds; r++ {
		if err := e.round(ctx, r); err != nil {
			return nil, err
		}
	}
	return results(e.tput, e.rss), nil
}

func (e *exporter) round(ctx context.Context, r int) error {
	var eng, ref float64
	steps := []func() error{
		func() (err error) { eng, err = e.exportOnce(ctx); return err },
		func() (err error) { ref, err = copyOnce(ctx, e.b, e.ids, r); return err },
	}
	if r%2 == 1 { // alternate the order so drift on the machine hits both
		steps[0], steps[1] = steps[1], steps[0]
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	e.tput.addPair(eng, ref)
	e.b.logf("round %d: export %.0f MB/s, copy %.0f MB/s", r+1, eng, ref)
	// A user has one live export at a time (asking again returns it): the
	// next round's export must be a new one, so this one's row goes too.
	if _, err := e.b.stack.pool.Exec(ctx, `DELETE FROM exports WHERE user_id = $1`, e.u.userID); err != nil {
		return err
	}
	return e.b.stack.removePrefix(ctx, "exports/")
}

// exportOnce asks for an export and polls it every 100 ms until ready,
// sampling mediad's RSS meanwhile; it returns MB/s of the ZIP written.
func (e *exporter) exportOnce(ctx context.Context) (float64, error) {
	w := watchRSS(e.m.pid(), e.idle)
	t0 := time.Now()
	var created struct {
		ID string `json:"id"`
	}
	if err := e.u.call(ctx, "POST", "/v1/me/exports", nil, &created); err != nil {
		w.growthMiB()
		return 0, err
	}
	size, err := e.waitExport(ctx, created.ID)
	d := time.Since(t0)
	e.rss.add(w.growthMiB())
	return mbPerSec(size, d), err
}

// waitExport polls an export until ready and returns its size.
func (e *exporter) waitExport(ctx context.Context, id string) (int64, error) {
	var size int64
	err := pollUntil(ctx, 100*time.Millisecond, func() (bool, error) {
		var out struct {
			E struct {
				Status string `json:"status"`
				Size   *int64 `json:"size"`
			} `json:"export"`
		}
		err := e.u.call(ctx, "GET", "/v1/me/exports/"+id, nil, &out)
		if err == nil && out.E.Status == "failed" {
			err = fmt.Errorf("export %s failed", id)
		}
		if out.E.Size != nil {
			size = *out.E.Size
		}
		return out.E.Status == "ready", err
	})
	return size, err
}

// copyOnce streams the same originals, one after another, into one new
// object: what the export does minus the ZIP framing and the API.
func copyOnce(ctx context.Context, b *bench, ids []string, r int) (float64, error) {
	pr, pw := io.Pipe()
	t0 := time.Now()
	go func() { pw.CloseWithError(readAll(ctx, b, ids, pw)) }()
	info, err := b.stack.minio.PutObject(ctx, benchBucket, fmt.Sprintf("exports/reference-%d", r), pr, -1,
		minio.PutObjectOptions{PartSize: partSize, ContentType: "application/zip"})
	pr.CloseWithError(err)
	if err != nil {
		return 0, err
	}
	return mbPerSec(info.Size, time.Since(t0)), nil
}

func readAll(ctx context.Context, b *bench, ids []string, w io.Writer) error {
	for _, id := range ids {
		o, err := b.stack.minio.GetObject(ctx, benchBucket, upload.ObjectKey(id, upload.VariantOriginal), minio.GetObjectOptions{})
		if err != nil {
			return err
		}
		_, err = io.Copy(w, o)
		o.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// putOriginals stores the 8 MiB originals (deterministic bytes), four at a time.
func putOriginals(ctx context.Context, b *bench, ids []string) error {
	t0 := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, id := range ids {
		g.Go(func() error {
			_, err := b.stack.minio.PutObject(gctx, benchBucket, upload.ObjectKey(id, upload.VariantOriginal),
				pad(uint64(1000+i), exportSize), exportSize, minio.PutObjectOptions{ContentType: "image/jpeg", PartSize: partSize})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("seed originals: %w", err)
	}
	b.logf("seeded %d x 8 MiB originals in %s", len(ids), time.Since(t0).Round(time.Millisecond))
	return nil
}
