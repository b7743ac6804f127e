package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/wxalbum/mediad/upload"
)

// contentReasons are the fail reasons about an upload's content; any
// other (stuck, missing_object, internal, strip_failed) is the engine's
// fault and counts as lost.
var contentReasons = map[string]bool{"unsupported_type": true, "too_many_pixels": true, "corrupt": true, "too_large": true}

// checker reads the cluster's PostgreSQL (multi-host URL: whichever node
// is primary) and bucket (through HAProxy) directly.
type checker struct {
	pool *pgxpool.Pool
	s3   *minio.Client
	bkt  string
}

func newChecker(ctx context.Context, e chaosEnv) (*checker, error) {
	pool, err := pgxpool.New(ctx, e.dbURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s3, err := minio.New(e.s3, &minio.Options{Creds: credentials.NewStaticV4(e.s3Key, e.s3Secret, "")})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("minio: %w", err)
	}
	return &checker{pool: pool, s3: s3, bkt: e.s3Bkt}, nil
}

func (c *checker) close() { c.pool.Close() }

// verify waits for the accepted work to finish, runs one reconcile and
// checks what the issue asks: 0 lost, objects and rows agree, exact
// receipts.
func (c *checker) verify(ctx context.Context, o options, e chaosEnv, w *workload, res *result, out io.Writer) error {
	acc := w.acceptedSoFar()
	res.Accepted = len(acc)
	for _, a := range acc {
		if a.Video {
			res.AcceptedVideos++
		}
	}
	fmt.Fprintf(out, "verify: %d uploads accepted (202); waiting up to %s for them to finish\n", len(acc), o.drain)
	states, err := c.drain(ctx, acc, o.drain)
	if err != nil {
		return err
	}
	for _, a := range acc {
		s, ok := states[a.ID]
		switch {
		case ok && s.status == "ready":
			res.Ready++
		case ok && s.status == "failed" && contentReasons[s.reason]:
			res.FailedContent++
		default:
			res.Lost++
			res.LostItems = append(res.LostItems, fmt.Sprintf("%s %s %s", a.ID, s.status, s.reason))
		}
	}
	res.Dissolution = c.checkDissolution(ctx, w)
	res.Export = c.checkExport(ctx, w)
	rep, err := reconcile(ctx, o)
	res.Reconcile = rep
	if err != nil {
		res.Problems = append(res.Problems, "reconcile: "+err.Error())
	}
	res.Objects, err = c.checkObjects(ctx, w)
	if err != nil {
		return err
	}
	res.judge()
	return nil
}

type itemState struct{ status, reason string }

// drain polls PostgreSQL until no accepted item is processing.
func (c *checker) drain(ctx context.Context, acc []accepted, limit time.Duration) (map[string]itemState, error) {
	ids := make([]string, len(acc))
	for i, a := range acc {
		ids[i] = a.ID
	}
	deadline := time.Now().Add(limit)
	for {
		states, err := c.states(ctx, ids)
		busy := 0
		for _, s := range states {
			if s.status == "processing" {
				busy++
			}
		}
		if err == nil && busy == 0 || time.Now().After(deadline) {
			return states, err
		}
		pause(ctx, 2*time.Second)
	}
}

func (c *checker) states(ctx context.Context, ids []string) (map[string]itemState, error) {
	rows, err := c.pool.Query(ctx, `SELECT id, status, coalesce(fail_reason, '') FROM media WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]itemState{}
	for rows.Next() {
		var id string
		var s itemState
		if err := rows.Scan(&id, &s.status, &s.reason); err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, rows.Err()
}

// dissolutionCheck is the dissolution's receipt against what was in it.
type dissolutionCheck struct {
	Requested    bool   `json:"requested"`
	Finished     bool   `json:"finished"`
	ItemsTotal   int    `json:"items_total"`
	ItemsDeleted int    `json:"items_deleted"`
	Want         int    `json:"want_items"`
	RowsLeft     int    `json:"rows_left"`
	Problem      string `json:"problem,omitempty"`
}

func (c *checker) checkDissolution(ctx context.Context, w *workload) dissolutionCheck {
	d := dissolutionCheck{Requested: w.dis.requested, Want: len(w.dis.items)}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		var out struct {
			D struct {
				ItemsTotal   int        `json:"items_total"`
				ItemsDeleted int        `json:"items_deleted"`
				FinishedAt   *time.Time `json:"finished_at"`
			} `json:"dissolution"`
		}
		_, err := w.api.json(ctx, w.rec, "verify", "GET", "/v1/albums/"+w.dis.album+"/dissolution", w.dis.owner.token, nil, []int{200}, &out)
		if err == nil && out.D.FinishedAt != nil {
			d.Finished, d.ItemsTotal, d.ItemsDeleted = true, out.D.ItemsTotal, out.D.ItemsDeleted
			break
		}
		pause(ctx, time.Second)
	}
	c.pool.QueryRow(ctx, `SELECT count(*) FROM media WHERE id = ANY($1)`, w.dis.items).Scan(&d.RowsLeft)
	switch {
	case !d.Finished:
		d.Problem = "not finished within 3 minutes"
	case d.ItemsTotal != d.Want || d.ItemsDeleted != d.Want || d.RowsLeft != 0:
		d.Problem = fmt.Sprintf("receipt %d/%d items, %d rows left; want %d/%d and 0", d.ItemsDeleted, d.ItemsTotal, d.RowsLeft, d.Want, d.Want)
	}
	return d
}

// exportCheck is the export archive against the owner's items.
type exportCheck struct {
	ID      string   `json:"id"`
	Ready   bool     `json:"ready"`
	Media   []string `json:"media_in_zip"`
	Want    int      `json:"want_media"`
	Problem string   `json:"problem,omitempty"`
}

func (c *checker) checkExport(ctx context.Context, w *workload) exportCheck {
	x := exportCheck{ID: w.exp.id, Want: len(w.exp.items)}
	if x.ID == "" {
		x.Problem = "never accepted"
		return x
	}
	var url string
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) && url == "" {
		var out struct {
			Export struct {
				Status string `json:"status"`
				URL    string `json:"download_url"`
			} `json:"export"`
		}
		if _, err := w.api.json(ctx, w.rec, "verify", "GET", "/v1/me/exports/"+x.ID, w.exp.owner.token, nil, []int{200}, &out); err == nil && out.Export.URL != "" {
			url = out.Export.URL
			break
		}
		pause(ctx, time.Second)
	}
	if url == "" {
		x.Problem = "not ready within 3 minutes"
		return x
	}
	x.Ready = true
	zr, err := download(ctx, url)
	if err != nil {
		x.Problem = err.Error()
		return x
	}
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "media/") {
			x.Media = append(x.Media, strings.TrimSuffix(strings.TrimPrefix(f.Name, "media/"), ".jpg"))
		}
	}
	sort.Strings(x.Media)
	want := append([]string(nil), w.exp.items...)
	sort.Strings(want)
	if strings.Join(x.Media, ",") != strings.Join(want, ",") {
		x.Problem = fmt.Sprintf("zip holds %v, want %v", x.Media, want)
	}
	return x
}

func download(ctx context.Context, url string) (*zip.Reader, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return nil, fmt.Errorf("download: %d %v", resp.StatusCode, err)
	}
	return zip.NewReader(bytes.NewReader(b), int64(len(b)))
}

// reconcile runs `mediad reconcile` once against the cluster, with a
// one-second orphan grace: the workload has stopped and every accepted
// item finished, so an object without a row now is one a killed process
// left behind, which is what reconcile is for.
func reconcile(ctx context.Context, o options) (string, error) {
	cmd := exec.CommandContext(ctx, o.mediad, "reconcile")
	cmd.Env = append(os.Environ(), "MEDIA_ORPHAN_GRACE=1s", "MEDIA_LOG_LEVEL=warn")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// objectsCheck compares the bucket with the rows.
type objectsCheck struct {
	Objects        int      `json:"objects"`
	WithoutRow     []string `json:"objects_without_live_row"`
	RawLeft        []string `json:"raw_uploads_left"`
	RowsMissingObj []string `json:"ready_rows_missing_objects"`
}

func (c *checker) checkObjects(ctx context.Context, w *workload) (objectsCheck, error) {
	var oc objectsCheck
	have := map[string]map[string]bool{} // media id -> variants present
	var exports []string
	for obj := range c.s3.ListObjects(ctx, c.bkt, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			return oc, fmt.Errorf("list bucket: %w", obj.Err)
		}
		oc.Objects++
		parts := strings.Split(obj.Key, "/")
		switch {
		case parts[0] == "media" && len(parts) == 3:
			if have[parts[1]] == nil {
				have[parts[1]] = map[string]bool{}
			}
			have[parts[1]][parts[2]] = true
		case parts[0] == "incoming":
			oc.RawLeft = append(oc.RawLeft, obj.Key)
		case parts[0] == "exports":
			exports = append(exports, obj.Key)
		default:
			oc.WithoutRow = append(oc.WithoutRow, obj.Key)
		}
	}
	ids := make([]string, 0, len(have))
	for id := range have {
		ids = append(ids, id)
	}
	live, err := c.states(ctx, ids)
	if err != nil {
		return oc, err
	}
	for id := range have {
		if s, ok := live[id]; !ok || s.status == "deleting" {
			oc.WithoutRow = append(oc.WithoutRow, "media/"+id+"/")
		}
	}
	rows, err := c.pool.Query(ctx, `SELECT id, kind FROM media WHERE status = 'ready'`)
	if err != nil {
		return oc, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return oc, err
		}
		for _, v := range upload.Variants(upload.Kind(kind)) {
			if !have[id][string(v)] {
				oc.RowsMissingObj = append(oc.RowsMissingObj, id+"/"+string(v))
			}
		}
	}
	if err := rows.Err(); err != nil {
		return oc, err
	}
	for _, k := range exports {
		var n int
		c.pool.QueryRow(ctx, `SELECT count(*) FROM exports WHERE $1 LIKE 'exports/' || id || '%'`, k).Scan(&n)
		if n == 0 {
			oc.WithoutRow = append(oc.WithoutRow, k)
		}
	}
	return oc, nil
}
