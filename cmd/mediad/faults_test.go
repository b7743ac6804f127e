//go:build faults

package main

// Fault tests: `mediad all` runs as a child process against private
// PostgreSQL, Redis and MinIO instances (faultstack_test.go), and the tests
// kill or restart those services, or mediad itself, in the middle of real
// work: uploads, processing, an album dissolution, an export. Each checks
// what a client sees while the fault lasts (never a 500), measures how long
// the engine takes to recover once the service is back, and then the
// invariants every fault must leave intact (fltInvariants). Each fault logs
// one line
//
//	FAULT <name>: outcome=<pass|FAIL [notes]> recovered_in=<duration>
//
// that scripts/faults collects. Run with
//
//	go test -tags faults -run '^TestFault' -count=1 -v -timeout 20m ./cmd/mediad

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/internal/testenv"
	"github.com/wxalbum/mediad/upload"
	"github.com/wxalbum/mediad/worker"
)

// fltRecoverWithin bounds every recovery measured here: from the moment a
// service (or mediad) is back to the moment the work it interrupted is done.
const fltRecoverWithin = 60 * time.Second

// fltMeasureFor is how long a test keeps waiting past fltRecoverWithin, so
// a slow recovery is measured and reported rather than cut off.
const fltMeasureFor = 3 * time.Minute

// ---- reporting --------------------------------------------------------------

// fltResult is one fault's FAULT line.
type fltResult struct {
	name      string
	notes     []string
	recovered time.Duration // < 0: not measured
}

func fltBegin(name string) *fltResult { return &fltResult{name: name, recovered: -1} }

func (r *fltResult) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// report logs the FAULT line; deferred, so it runs after a Fatal too.
func (r *fltResult) report(t *testing.T) {
	outcome := "pass"
	if t.Failed() {
		outcome = "FAIL"
	}
	if len(r.notes) > 0 {
		outcome += " [" + strings.Join(r.notes, "; ") + "]"
	}
	rec := "n/a"
	if r.recovered >= 0 {
		rec = r.recovered.Round(time.Millisecond).String()
	}
	t.Logf("FAULT %s: outcome=%s recovered_in=%s", r.name, outcome, rec)
}

// ---- requests that never fail the test by themselves ------------------------

// fltResp is an answer, or the error that took its place.
type fltResp struct {
	status     int
	body       []byte
	retryAfter string
	err        error
	at         time.Time
}

func (r fltResp) String() string {
	if r.err != nil {
		return "error: " + r.err.Error()
	}
	return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body))
}

// code is the error code of the answer's body, if it has one.
func (r fltResp) code() string {
	var b struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(r.body, &b)
	return b.Error.Code
}

// fltDo sends req as tok through c (safe from any goroutine).
func fltDo(c *http.Client, req *http.Request, tok string) fltResp {
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.Do(req)
	r := fltResp{err: err, at: time.Now()}
	if err != nil {
		return r
	}
	defer resp.Body.Close()
	r.body, r.err = io.ReadAll(resp.Body)
	r.status, r.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	return r
}

// fltUploadReq is POST /v1/media with f.
func fltUploadReq(t *testing.T, base string, f upfile) *http.Request {
	t.Helper()
	body, ct := multipartBody(t, f)
	req, err := http.NewRequest("POST", base+"/v1/media", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	return req
}

// fltNewPhoto is the next photo() of e as a photo upload.
func fltNewPhoto(e *engine) upfile {
	return upfile{kind: "photo", name: "IMG_0001.jpg", partType: "image/jpeg", data: e.photo()}
}

// fltCreatedID is the media id of a 202 or 200 upload answer ("" if none).
func fltCreatedID(r fltResp) string {
	var out created
	if r.err != nil || json.Unmarshal(r.body, &out) != nil {
		return ""
	}
	return out.Media.ID
}

var fltClient = &http.Client{Timeout: 60 * time.Second}

// fltGate is a request body that trickles data out and stops at byte at
// until open is closed, so a fault can be struck while the body is on its
// way. reached is closed when it stops.
type fltGate struct {
	data    []byte
	off, at int
	open    chan struct{}
	reached chan struct{}
	once    sync.Once
}

func fltNewGate(data []byte, at int) *fltGate {
	return &fltGate{data: data, at: at, open: make(chan struct{}), reached: make(chan struct{})}
}

func (g *fltGate) Read(p []byte) (int, error) {
	if g.off >= len(g.data) {
		return 0, io.EOF
	}
	if g.off == g.at {
		g.once.Do(func() { close(g.reached) })
		<-g.open
	}
	n := min(len(p), 256<<10, len(g.data)-g.off)
	if g.off < g.at {
		n = min(n, g.at-g.off)
	}
	time.Sleep(10 * time.Millisecond) // a phone link, not a loopback burst
	copy(p, g.data[g.off:g.off+n])
	g.off += n
	return n, nil
}

// release lets the body go on (idempotent).
func (g *fltGate) release() {
	select {
	case <-g.open:
	default:
		close(g.open)
	}
}

// waitReached waits until the body stopped at its gate.
func (g *fltGate) waitReached(t *testing.T, what string) {
	t.Helper()
	select {
	case <-g.reached:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: the body never reached its gate", what)
	}
}

// ---- the database's view ----------------------------------------------------

// fltItem is a media row's outcome.
type fltItem struct{ status, reason string }

// fltStatuses reads the rows of ids; ids without a row are absent.
func fltStatuses(pool *pgxpool.Pool, ids []string) (map[string]fltItem, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := pool.Query(ctx, `SELECT id, status, coalesce(fail_reason, '') FROM media WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]fltItem{}
	for rows.Next() {
		var id string
		var it fltItem
		if err := rows.Scan(&id, &it.status, &it.reason); err != nil {
			return nil, err
		}
		out[id] = it
	}
	return out, rows.Err()
}

// fltCount runs a count query (errors count as -1).
func fltCount(pool *pgxpool.Pool, sql string, args ...any) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := -1
	if err := pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return -1
	}
	return n
}

// fltWaitSettled waits until none of ids is processing (or has no row),
// up to within, and returns how long that took, the outcomes and whether
// it happened.
func fltWaitSettled(pool *pgxpool.Pool, ids []string, within time.Duration) (time.Duration, map[string]fltItem, bool) {
	start := time.Now()
	var got map[string]fltItem
	ok := poll(within, func() bool {
		var err error
		if got, err = fltStatuses(pool, ids); err != nil {
			return false
		}
		for _, id := range ids {
			if it, found := got[id]; !found || it.status == "processing" {
				return false
			}
		}
		return true
	})
	return time.Since(start), got, ok
}

// fltTally counts outcomes: "8 ready, 1 failed (reason: 1)".
func fltTally(got map[string]fltItem, ids []string) string {
	by := map[string]int{}
	reasons := map[string]int{}
	for _, id := range ids {
		it, ok := got[id]
		switch {
		case !ok:
			by["missing"]++
		default:
			by[it.status]++
			if it.status == "failed" {
				reasons[it.reason]++
			}
		}
	}
	var parts []string
	for _, st := range []string{"ready", "failed", "processing", "deleting", "missing"} {
		if by[st] > 0 {
			s := fmt.Sprintf("%d %s", by[st], st)
			if st == "failed" {
				s += fmt.Sprintf(" %v", reasons)
			}
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// fltRequireSettled fails for each id still processing, gone, or failed
// without a reason; with wantReady, for each one that is not ready.
func fltRequireSettled(t *testing.T, got map[string]fltItem, ids []string, wantReady bool) {
	t.Helper()
	for _, id := range ids {
		it, ok := got[id]
		switch {
		case !ok:
			t.Errorf("media %s: no row (an accepted upload must end ready or failed)", id)
		case it.status == "processing":
			t.Errorf("media %s: still processing", id)
		case it.status == "failed" && it.reason == "":
			t.Errorf("media %s: failed without a fail_reason", id)
		case wantReady && it.status != "ready":
			t.Errorf("media %s: %s (%s), want ready", id, it.status, it.reason)
		}
	}
}

// ---- invariants -------------------------------------------------------------

// fltInvariants checks what must hold after any fault, once the service is
// back and the work settled:
//   - every accepted upload (accepted) ends ready or failed with a reason,
//     and no row at all is left processing;
//   - a deep sweep (`mediad reconcile`) leaves the bucket and the database
//     agreeing: a dry deep sweep after it reports no orphan object and no
//     row missing its objects (and none of the ready rows had lost its
//     original before the sweep);
//   - Asynq holds no task in retry or archived for these items (the media
//     ids' process tasks plus tasks);
//   - /readyz answers 200, from the same mediad process.
//
// It returns a note for the FAULT line.
func fltInvariants(t *testing.T, m *fltMediad, accepted []string, tasks ...string) string {
	t.Helper()
	e := m.e.in(t)
	accepted = slices.DeleteFunc(slices.Clone(accepted), func(id string) bool { return id == "" })
	if _, got, ok := fltWaitSettled(e.pool, accepted, fltRecoverWithin); !ok {
		t.Errorf("invariants: accepted uploads not settled within %s: %s", fltRecoverWithin, fltTally(got, accepted))
	} else {
		fltRequireSettled(t, got, accepted, false)
	}
	if n := fltCount(e.pool, `SELECT count(*) FROM media WHERE status = 'processing'`); n != 0 {
		t.Errorf("invariants: %d media rows left processing", n)
	}

	before := m.reconcile(t, true)
	if before.MissingObjects != 0 {
		t.Errorf("invariants: before the sweep, %d ready rows had lost their stripped original: %v",
			before.MissingObjects, before.MissingRowsByID)
	}
	m.reconcile(t, false)
	after := m.reconcile(t, true)
	if after.OrphanObjects != 0 || after.MissingObjects != 0 {
		t.Errorf("invariants: dry deep sweep after the sweep: %d orphan objects %v, %d rows missing objects %v; want none",
			after.OrphanObjects, after.OrphanSample, after.MissingObjects, after.MissingRowsByID)
	}
	incomplete := testenv.Incomplete(t, e.blob, upload.RawPrefix)

	want := map[string]bool{}
	for _, id := range accepted {
		want["process:"+id] = true
	}
	for _, id := range tasks {
		want[id] = true
	}
	in := e.inspector()
	for _, q := range []string{worker.QueueCritical, worker.QueueDefault, worker.QueueLow} {
		for state, list := range map[string]func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
			"retry": in.ListRetryTasks, "archived": in.ListArchivedTasks,
		} {
			infos, err := list(q, asynq.PageSize(1000))
			if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
				t.Errorf("invariants: asynq list %s %s: %v", state, q, err)
				continue
			}
			for _, ti := range infos {
				if want[ti.ID] {
					t.Errorf("invariants: asynq task %s left %s in %s (last error %q)", ti.ID, state, q, ti.LastErr)
				} else {
					t.Logf("asynq task %s (%s) %s in %s: %q (not one of this fault's items)", ti.ID, ti.Type, state, q, ti.LastErr)
				}
			}
		}
	}
	fltWaitReady(t, e.base, 10*time.Second)
	if !m.running() {
		t.Errorf("invariants: mediad exited by itself: %v", m.child.cmd.ProcessState)
	}
	note := fmt.Sprintf("sweep found %d orphan objects, %d rows missing objects", before.OrphanObjects, before.MissingObjects)
	if before.OrphanObjects > 0 {
		note += fmt.Sprintf(" %v", before.OrphanSample)
	}
	if len(incomplete) > 0 {
		note += fmt.Sprintf("; %d unfinished multipart uploads left in the bucket", len(incomplete))
	}
	return note
}

// ---- 1. Redis ---------------------------------------------------------------

// TestFaultRedisKilled kills Redis (SIGKILL: it keeps no data, so every
// queued task is lost) right after ten uploads, while the worker processes
// them. While Redis is down /readyz says so and uploads are still accepted
// (the row is the outbox); once Redis is back the worker's queue watch
// enqueues all unfinished work from PostgreSQL again and every item ends
// ready.
func TestFaultRedisKilled(t *testing.T) {
	r := fltBegin("redis-killed")
	defer r.report(t)
	s := fltStartStack(t)
	// One task at a time, so the kill finds work queued behind the one
	// running.
	m := fltStartMediad(t, s, map[string]string{"MEDIA_WORKER_CONCURRENCY": "1"})
	e := m.e
	u := e.signIn("rita")
	var ids []string
	for range 10 {
		ids = append(ids, e.uploadPhoto(u, "photo", "", "").ID)
	}
	s.redis.kill(t)
	killed := time.Now()
	if got, err := fltStatuses(e.pool, ids); err == nil {
		n := 0
		for _, id := range ids {
			if got[id].status == "processing" {
				n++
			}
		}
		r.note("%d of 10 processing at the kill", n)
		if n == 0 {
			t.Log("the worker finished all ten before the kill: the outage hits only the uploads made during it")
		}
	}
	t.Logf("readyz while redis is down: %s", fltWaitNotReady(t, e.base, "redis"))

	// Uploads go on while the queue is away.
	accepted, slowest := 0, time.Duration(0)
	for i := range 3 {
		sent := time.Now()
		res := fltDo(fltClient, fltUploadReq(t, e.base, fltNewPhoto(e)), u.tok)
		slowest = max(slowest, time.Since(sent))
		if res.status != 202 {
			t.Errorf("upload %d while Redis is down: %s; want 202 (the row is the outbox)", i+1, res)
			continue
		}
		id := fltCreatedID(res)
		if id == "" {
			t.Errorf("upload %d while Redis is down: 202 without a media id: %s", i+1, res)
			continue
		}
		accepted++
		ids = append(ids, id)
	}
	r.note("%d/3 uploads accepted during the outage (slowest answer %s)", accepted, slowest.Round(time.Millisecond))
	if res := fltDo(fltClient, e.jsonRequest("GET", "/v1/me", nil), u.tok); res.status != 200 {
		t.Errorf("GET /v1/me while Redis is down: %s, want 200", res)
	}
	// Long enough for the worker's watch (every second) to see the outage.
	time.Sleep(time.Until(killed.Add(3 * time.Second)))

	s.redis.start(t)
	took, got, ok := fltWaitSettled(e.pool, ids, fltMeasureFor)
	r.recovered = took
	r.note("%s", fltTally(got, ids))
	if !ok {
		e.dumpAsynq(ids)
		t.Errorf("%d items not settled %s after Redis came back: %s", len(ids), fltMeasureFor, fltTally(got, ids))
	}
	fltRequireSettled(t, got, ids, true)
	if took >= fltRecoverWithin {
		t.Errorf("all items ready %s after Redis came back, want under %s", took.Round(time.Millisecond), fltRecoverWithin)
	}
	t.Logf("all %d items settled %s after Redis came back", len(ids), took.Round(time.Millisecond))
	for _, l := range m.logLines(`"msg":"`, "queue") {
		if strings.Contains(l, "reachable") || strings.Contains(l, "resumed unfinished work") {
			t.Logf("mediad: %s", l)
		}
	}
	r.note("%s", fltInvariants(t, m, ids))
}

// ---- 2. MinIO ---------------------------------------------------------------

// TestFaultMinIOKilled kills MinIO (SIGKILL) in the middle of a large
// upload, then in the middle of processing. The upload answers 503
// storage_unavailable (or its connection drops) and leaves no row; /readyz
// names MinIO while it is down and recovers by itself when MinIO is back;
// interrupted processing is retried and ends ready or failed with a reason.
func TestFaultMinIOKilled(t *testing.T) {
	s := fltStartStack(t)
	m := fltStartMediad(t, s, map[string]string{"MEDIA_S3_PART_SIZE": "5MiB"})
	u := m.e.signIn("mia")

	t.Run("upload", func(t *testing.T) {
		r := fltBegin("minio-killed-during-upload")
		defer r.report(t)
		e := m.e.in(t)
		rows := e.count(`SELECT count(*) FROM media`)
		handled := e.handled("POST", "/v1/media")
		body, ctype := multipartBody(t, upfile{kind: "video", name: "big.mp4", data: videoBody(t, 20<<20, 11)})
		gate := fltNewGate(body, 6<<20)
		defer gate.release()
		req, _ := http.NewRequest("POST", e.base+"/v1/media", gate)
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", ctype)
		done := make(chan fltResp, 1)
		go func() { done <- fltDo(&http.Client{Transport: &http.Transport{}}, req, u.tok) }()
		gate.waitReached(t, "20 MB upload")
		// The first 5 MiB part is in MinIO when it dies.
		if !poll(30*time.Second, func() bool {
			ups := testenv.Incomplete(t, e.blob, upload.RawPrefix)
			if len(ups) != 1 {
				return false
			}
			ps, err := e.blob.ListParts(context.Background(), ups[0].Key, ups[0].UploadID)
			return err == nil && len(ps) >= 1
		}) {
			t.Fatal("the upload's first part never reached MinIO")
		}
		s.minio.kill(t)
		gate.release()
		var res fltResp
		select {
		case res = <-done:
		case <-time.After(90 * time.Second):
			t.Fatal("the upload got no answer within 90s of MinIO's death")
		}
		switch {
		case res.err != nil:
			r.note("upload's connection failed (%v)", res.err)
		case res.status == 503 && res.code() == "storage_unavailable":
			r.note("upload answered 503 storage_unavailable (Retry-After %q)", res.retryAfter)
		default:
			t.Errorf("upload cut by MinIO's death: %s; want 503 storage_unavailable", res)
		}
		t.Logf("readyz while minio is down: %s", fltWaitNotReady(t, e.base, "minio"))
		small := fltDo(fltClient, fltUploadReq(t, e.base, fltNewPhoto(e)), u.tok)
		if small.status != 503 || small.code() != "storage_unavailable" {
			t.Errorf("photo upload while MinIO is down: %s; want 503 storage_unavailable", small)
		}
		e.waitHandled("POST", "/v1/media", handled+2)
		if n := e.count(`SELECT count(*) FROM media`); n != rows {
			t.Errorf("uploads refused while MinIO was down left %d media rows", n-rows)
		}

		restart := time.Now()
		s.minio.start(t)
		r.note("MinIO took %s to start again", time.Since(restart).Round(time.Millisecond))
		r.recovered = fltWaitReady(t, e.base, fltMeasureFor)
		if r.recovered >= fltRecoverWithin {
			t.Errorf("/readyz 200 %s after MinIO came back, want under %s", r.recovered, fltRecoverWithin)
		}
		if !m.running() {
			t.Fatalf("mediad exited while MinIO was down: %v", m.child.cmd.ProcessState)
		}
		// No row waits for a raw upload that is not there.
		raw := map[string]bool{}
		for _, k := range testenv.Keys(t, e.blob, upload.RawPrefix) {
			raw[strings.TrimPrefix(k, upload.RawPrefix)] = true
		}
		processing, err := pgx.CollectRows(fltQuery(t, e.pool, `SELECT id FROM media WHERE status = 'processing'`), pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range processing {
			if !raw[id] {
				t.Errorf("media %s is processing without its raw object", id)
			}
		}
		// Storage works again without restarting mediad.
		id := e.uploadPhoto(u, "photo", "", "").ID
		if _, got, ok := fltWaitSettled(e.pool, []string{id}, fltRecoverWithin); !ok || got[id].status != "ready" {
			t.Errorf("photo uploaded after MinIO came back: %v, want ready", got[id])
		}
		r.note("%s", fltInvariants(t, m, []string{id}))
	})

	t.Run("processing", func(t *testing.T) {
		r := fltBegin("minio-killed-during-processing")
		defer r.report(t)
		e := m.e.in(t)
		if !s.minio.child.running() {
			s.minio.start(t)
			fltWaitReady(t, e.base, fltRecoverWithin)
		}
		var ids []string
		for range 8 {
			ids = append(ids, e.uploadPhoto(u, "photo", "", "").ID)
		}
		s.minio.kill(t)
		if got, err := fltStatuses(e.pool, ids); err == nil {
			r.note("%s at the kill", fltTally(got, ids))
		}
		fltWaitNotReady(t, e.base, "minio")
		time.Sleep(3 * time.Second) // the worker's tasks meet the outage

		s.minio.start(t)
		spread := fltRetrySpread(e.inspector(), worker.QueueCritical)
		t.Logf("MinIO back: %s", spread)
		r.note("MinIO back: %s", spread)
		took, got, ok := fltWaitSettled(e.pool, ids, fltMeasureFor)
		r.recovered = took
		r.note("%s", fltTally(got, ids))
		if !ok {
			e.dumpAsynq(ids)
			t.Errorf("items not settled %s after MinIO came back: %s", fltMeasureFor, fltTally(got, ids))
		}
		fltRequireSettled(t, got, ids, false)
		if took >= fltRecoverWithin {
			t.Errorf("items settled %s after MinIO came back, want under %s", took.Round(time.Millisecond), fltRecoverWithin)
		}
		r.note("%s", fltInvariants(t, m, ids))
	})
}

// fltQuery runs a query, failing the test on error.
func fltQuery(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) pgx.Rows {
	t.Helper()
	rows, err := pool.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return rows
}

// fltRetrySpread describes the tasks of queue waiting for a retry: how
// many and when asynq will try them again.
func fltRetrySpread(in *asynq.Inspector, queue string) string {
	infos, err := in.ListRetryTasks(queue, asynq.PageSize(1000))
	if err != nil || len(infos) == 0 {
		return "no task waiting for a retry"
	}
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for _, ti := range infos {
		d := time.Until(ti.NextProcessAt)
		lo, hi = min(lo, d), max(hi, d)
	}
	last := infos[0].LastErr
	if len(last) > 90 {
		last = last[:90] + "…"
	}
	return fmt.Sprintf("%d tasks waiting for asynq's retry, next attempts in %s..%s (last error %q)",
		len(infos), lo.Round(time.Second), hi.Round(time.Second), last)
}

// fltTaskWatch records the state changes of some tasks, timed from start.
type fltTaskWatch struct {
	in    *asynq.Inspector
	start time.Time
	tasks [][2]string // queue, task id
	last  map[string]string
	log   []string
}

func (w *fltTaskWatch) poll() {
	for _, q := range w.tasks {
		st := "gone (done)"
		info, err := w.in.GetTaskInfo(q[0], q[1])
		switch {
		case err == nil:
			st = info.State.String()
			if info.State == asynq.TaskStateRetry || info.State == asynq.TaskStateArchived {
				st += fmt.Sprintf(" (last error %q, next attempt at +%s)", info.LastErr, info.NextProcessAt.Sub(w.start).Round(time.Second))
			}
		case !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound):
			st = "error: " + err.Error()
		}
		if w.last[q[1]] != st {
			w.last[q[1]] = st
			w.log = append(w.log, fmt.Sprintf("+%s %s: %s", time.Since(w.start).Round(100*time.Millisecond), q[1], st))
		}
	}
}

// ---- 3. PostgreSQL ----------------------------------------------------------

// TestFaultPostgresRestarted restarts PostgreSQL (fast shutdown, two
// seconds down, start) under a stream of requests from three clients:
// GET /v1/me and photo uploads. No answer is a 500: during the restart
// they may be 503 with Retry-After. /readyz names the database while it is
// down, and the same mediad serves again once it is back.
func TestFaultPostgresRestarted(t *testing.T) {
	r := fltBegin("postgres-restarted")
	defer r.report(t)
	s := fltStartStack(t)
	// The per-user upload rate would answer 429s to this stream; it is not
	// what is under test.
	m := fltStartMediad(t, s, map[string]string{"MEDIA_UPLOAD_RATE_PER_MINUTE": "100000"})
	e := m.e
	users := []user{e.signIn("pia"), e.signIn("paul"), e.signIn("pete")}
	uploads := make([][]*http.Request, len(users))
	for i := range users {
		for range 40 {
			uploads[i] = append(uploads[i], fltUploadReq(t, e.base, fltNewPhoto(e)))
		}
	}

	type call struct {
		what string
		fltResp
	}
	var mu sync.Mutex
	var calls []call
	var accepted []string
	record := func(what string, res fltResp) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, call{what, res})
		if what == "upload" && res.status == 202 {
			if id := fltCreatedID(res); id != "" {
				accepted = append(accepted, id)
			} else {
				calls[len(calls)-1].err = fmt.Errorf("202 without a media id: %s", res.body)
			}
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", e.base+"/v1/me", nil)
				record("GET /v1/me", fltDo(client, req, u.tok))
				if j < len(uploads[i]) {
					record("upload", fltDo(client, uploads[i][j], u.tok))
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	type probe struct {
		status int
		down   []string
		msg    string
	}
	var probes []probe
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			st, down, msg, _ := fltReadyz(e.base)
			mu.Lock()
			probes = append(probes, probe{st, down, msg})
			mu.Unlock()
		}
	}()
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad()

	time.Sleep(1500 * time.Millisecond)
	s.pg.stop(t, "fast")
	downAt := time.Now()
	time.Sleep(2 * time.Second)
	s.pg.start(t)
	upAt := time.Now()
	r.note("postgres down %s", upAt.Sub(downAt).Round(time.Millisecond))
	var last fltResp
	served := poll(fltMeasureFor, func() bool {
		last = fltDo(fltClient, e.jsonRequest("GET", "/v1/me", nil), users[0].tok)
		return last.status == 200
	})
	r.recovered = time.Since(upAt)
	if !served {
		t.Errorf("GET /v1/me not 200 within %s after PostgreSQL came back: %s", fltMeasureFor, last)
	} else if r.recovered >= fltRecoverWithin {
		t.Errorf("mediad served again %s after PostgreSQL came back, want under %s", r.recovered, fltRecoverWithin)
	}
	fltWaitReady(t, e.base, fltRecoverWithin)
	spread := fltRetrySpread(e.inspector(), worker.QueueCritical)
	t.Logf("PostgreSQL back: %s", spread)
	time.Sleep(1500 * time.Millisecond) // the stream goes on a while
	stopLoad()
	s.pg.pool.Reset()

	byStatus := map[string]int{}
	var bad []string
	for _, c := range calls {
		key := fmt.Sprintf("%s %d", c.what, c.status)
		if c.err != nil {
			key = c.what + " error"
		}
		byStatus[key]++
		switch {
		case c.err != nil && fltEarlyRefusal(c.err) && !c.at.Before(downAt) && !c.at.After(upAt.Add(time.Second)):
			// An upload refused (503) before its body was read closes the
			// connection (a body left on it must never be parsed as a
			// request); a client still writing sees the close first. Not a
			// 500, and wx.uploadFile retries it like any failure.
		case c.err != nil:
			bad = append(bad, fmt.Sprintf("%s at %s: %v", c.what, c.at.Format("15:04:05.000"), c.err))
		case c.status >= 500 && c.status != 503:
			bad = append(bad, fmt.Sprintf("%s at %s: %s", c.what, c.at.Format("15:04:05.000"), c.fltResp))
		case c.status == 503 && c.retryAfter == "":
			bad = append(bad, fmt.Sprintf("%s at %s: 503 without Retry-After: %s", c.what, c.at.Format("15:04:05.000"), c.fltResp))
		case c.status != 503 && c.status != 200 && c.status != 202:
			bad = append(bad, fmt.Sprintf("%s at %s: unexpected %s", c.what, c.at.Format("15:04:05.000"), c.fltResp))
		}
	}
	var keys []string
	for k, n := range byStatus {
		keys = append(keys, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(keys)
	t.Logf("answers during the run (postgres down %s..%s): %s", downAt.Format("15:04:05.000"), upAt.Format("15:04:05.000"), strings.Join(keys, ", "))
	r.note("%s", strings.Join(keys, ", "))
	for i, b := range bad {
		if i == 15 {
			t.Errorf("... and %d more", len(bad)-i)
			break
		}
		t.Errorf("%s", b)
	}
	sawDown := false
	for _, p := range probes {
		if p.status == 503 && strings.Contains(p.msg, "postgres") && slices.Contains(p.down, "postgres") {
			sawDown = true
		}
	}
	if !sawDown {
		t.Errorf("/readyz never answered 503 naming postgres during the restart (%d probes)", len(probes))
	}
	if !m.running() {
		t.Fatalf("mediad exited during the restart: %v", m.child.cmd.ProcessState)
	}

	took, got, ok := fltWaitSettled(e.pool, accepted, fltMeasureFor)
	t.Logf("%d accepted uploads settled %s after the stream ended: %s", len(accepted), took.Round(time.Millisecond), fltTally(got, accepted))
	if !ok {
		e.dumpAsynq(accepted)
	}
	fltRequireSettled(t, got, accepted, false)
	r.note("%d uploads accepted, settled %s after the stream: %s (when PostgreSQL was back: %s)",
		len(accepted), took.Round(time.Millisecond), fltTally(got, accepted), spread)
	r.note("%s", fltInvariants(t, m, accepted))
}

// ---- 4. mediad --------------------------------------------------------------

// TestFaultMediadKilled SIGKILLs mediad (its whole process group) while
// three things are under way: a chunked upload (two parts stored, the
// third on its way), an album dissolution of 30 photos (its objects
// removed, its rows not yet: a row lock held by the test stops it there)
// and an export (stopped in the middle by a table lock). mediad restarts
// on the same settings: the chunked upload resumes and completes, the
// dissolution finishes (album, rows and objects gone) and the export ends
// ready. Each is timed from the restart.
func TestFaultMediadKilled(t *testing.T) {
	r := fltBegin("mediad-killed")
	defer r.report(t)
	s := fltStartStack(t)
	m := fltStartMediad(t, s, map[string]string{"MEDIA_UPLOAD_PART_SIZE": "5MiB"})
	e := m.e
	bg := context.Background()
	olivia, ann, cody := e.signIn("olivia"), e.signIn("ann"), e.signIn("cody")

	// Small generated photos: the album fills fast.
	e.photos.Store(int64(len(photoFiles)))
	const title = "Farewell"
	alb := e.albCreate(olivia, title)
	var albumItems, annItems []string
	for range 30 {
		albumItems = append(albumItems, e.uploadPhoto(olivia, "photo", alb.ID, "").ID)
	}
	for range 3 {
		annItems = append(annItems, e.uploadPhoto(ann, "photo", "", "").ID)
	}
	if _, got, ok := fltWaitSettled(e.pool, append(slices.Clone(albumItems), annItems...), fltRecoverWithin); !ok {
		t.Fatalf("photos not processed before the fault: %s", fltTally(got, append(albumItems, annItems...)))
	}
	objectsBefore := 0
	for _, id := range albumItems {
		objectsBefore += len(testenv.Keys(t, e.blob, "media/"+id+"/"))
	}

	// The chunked upload: parts 1 and 2 stored, part 3 half sent.
	data := videoBody(t, 11<<20, 21)
	sum := sha256.Sum256(data)
	up, _ := e.startChunked(cody.tok, map[string]any{"kind": "video", "size": len(data), "sha256": hex.EncodeToString(sum[:])}, 201)
	ps := parts(data, 5<<20)
	if len(ps) != 3 || up.PartCount != 3 {
		t.Fatalf("chunked upload: %d parts here, %d on the server", len(ps), up.PartCount)
	}
	cl := &http.Client{Transport: &http.Transport{}}
	e.putPart(cl, cody.tok, up.UploadID, 1, ps[0], 200)
	e.putPart(cl, cody.tok, up.UploadID, 2, ps[1], 200)
	gate := fltNewGate(ps[2], len(ps[2])/2)
	defer gate.release()
	part3, _ := http.NewRequest("PUT", fmt.Sprintf("%s/v1/uploads/%s/parts/3", e.base, up.UploadID), gate)
	part3.ContentLength = int64(len(ps[2]))
	part3done := make(chan fltResp, 1)
	go func() { part3done <- fltDo(&http.Client{Transport: &http.Transport{}}, part3, cody.tok) }()
	gate.waitReached(t, "part 3")

	// The dissolution: a lock on the album's last item (in id order) lets
	// the task remove every object, then holds its row deletion.
	lock, err := s.pg.pool.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(bg)
	sorted := slices.Sorted(slices.Values(albumItems))
	if _, err := lock.Exec(bg, `SELECT id FROM media WHERE id = $1 FOR UPDATE`, sorted[len(sorted)-1]); err != nil {
		t.Fatal(err)
	}
	e.do("DELETE", "/v1/albums/"+alb.ID, olivia.tok, map[string]string{"confirm_title": title}, 202, nil)
	waiting := func(like string) bool {
		return fltCount(e.pool, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE $1`, like) >= 1
	}
	if !poll(30*time.Second, func() bool { return waiting("DELETE FROM media%") }) {
		t.Fatal("the dissolution task never reached its row deletion")
	}
	// The export: share_opens locked, so the task stops on its documents.
	if _, err := lock.Exec(bg, `LOCK TABLE share_opens IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	var export struct {
		ID string `json:"id"`
	}
	e.do("POST", "/v1/me/exports", ann.tok, nil, 202, &export)
	if !poll(30*time.Second, func() bool { return waiting("%share_opens%") }) {
		t.Fatal("the export task never started")
	}
	objectsAtKill := 0
	for _, id := range albumItems {
		objectsAtKill += len(testenv.Keys(t, e.blob, "media/"+id+"/"))
	}
	in := e.inspector()
	for _, q := range [][2]string{{worker.QueueDefault, "dissolve:" + alb.ID}, {worker.QueueLow, worker.TypeBuildExport + ":" + export.ID}} {
		if info, err := in.GetTaskInfo(q[0], q[1]); err == nil {
			t.Logf("at the kill: task %s %v", q[1], info.State)
		}
	}

	m.kill(t)
	killedAt := time.Now()
	gate.release()
	if res := <-part3done; res.err == nil {
		t.Errorf("part 3 answered although mediad was killed mid-body: %s", res)
	}
	if err := lock.Rollback(bg); err != nil {
		t.Fatal(err)
	}
	r.note("killed with the dissolution past %d of its %d objects (rows held), the export building, part 3 of 3 half sent",
		objectsBefore-objectsAtKill, objectsBefore)

	m.start(t)
	restarted := time.Now()
	t.Logf("mediad back %s after the kill", restarted.Sub(killedAt).Round(time.Millisecond))
	tasks := &fltTaskWatch{in: in, start: restarted, last: map[string]string{},
		tasks: [][2]string{{worker.QueueDefault, "dissolve:" + alb.ID}, {worker.QueueLow, worker.TypeBuildExport + ":" + export.ID}}}
	tasks.poll()

	// The client resumes its upload: asks what arrived, sends the rest.
	var chunkedID string
	got := e.getChunked(cody.tok, up.UploadID)
	if len(got.Parts) != 2 || got.Parts[0].N != 1 || got.Parts[1].N != 2 {
		t.Errorf("parts after the restart: %+v, want 1 and 2", got.Parts)
	}
	e.putPart(cl, cody.tok, up.UploadID, 3, ps[2], 200)
	var done created
	e.do("POST", "/v1/uploads/"+up.UploadID+"/complete", cody.tok, nil, 202, &done)
	chunkedID = done.Media.ID

	// Wait for all three, timing each from the restart.
	var tChunked, tDissolved, tExport time.Duration
	deadline := time.Now().Add(fltMeasureFor)
	for time.Now().Before(deadline) && (tChunked == 0 || tDissolved == 0 || tExport == 0) {
		if tChunked == 0 {
			if st, err := fltStatuses(e.pool, []string{chunkedID}); err == nil && st[chunkedID].status != "processing" {
				tChunked = time.Since(restarted)
			}
		}
		if tDissolved == 0 && fltCount(e.pool, `SELECT count(*) FROM album_dissolutions WHERE album_id = $1 AND finished_at IS NOT NULL`, alb.ID) == 1 {
			tDissolved = time.Since(restarted)
		}
		if tExport == 0 && fltCount(e.pool, `SELECT count(*) FROM exports WHERE id = $1 AND status <> 'pending'`, export.ID) == 1 {
			tExport = time.Since(restarted)
		}
		tasks.poll()
		time.Sleep(100 * time.Millisecond)
	}
	tasks.poll()
	for _, l := range tasks.log {
		t.Logf("after the restart: %s", l)
	}
	for _, l := range m.logLines("resumed unfinished work") {
		t.Logf("mediad: %s", l)
	}
	r.recovered = max(tChunked, tDissolved, tExport)
	if tChunked == 0 || tDissolved == 0 || tExport == 0 {
		r.recovered = -1
		e.dumpAsynq([]string{chunkedID})
		for _, q := range [][2]string{{worker.QueueDefault, "dissolve:" + alb.ID}, {worker.QueueLow, worker.TypeBuildExport + ":" + export.ID}} {
			if info, err := in.GetTaskInfo(q[0], q[1]); err == nil {
				t.Logf("after %s: task %s %v, last error %q, next %v", fltMeasureFor, q[1], info.State, info.LastErr, info.NextProcessAt)
			} else {
				t.Logf("after %s: task %s: %v", fltMeasureFor, q[1], err)
			}
		}
	}
	recovery := func(t *testing.T, r *fltResult, took time.Duration, what string) {
		t.Helper()
		r.recovered = took
		switch {
		case took == 0:
			r.recovered = -1
			t.Errorf("%s not finished %s after mediad restarted", what, fltMeasureFor)
		case took >= fltRecoverWithin:
			t.Errorf("%s finished %s after mediad restarted, want under %s", what, took.Round(time.Millisecond), fltRecoverWithin)
		}
	}

	t.Run("chunked-upload", func(t *testing.T) {
		r := fltBegin("mediad-killed-during-chunked-upload")
		defer r.report(t)
		recovery(t, r, tChunked, "the resumed chunked upload")
		st, err := fltStatuses(e.pool, []string{chunkedID})
		if err != nil {
			t.Fatal(err)
		}
		r.note("resumed with parts 1-2 kept; item %s", st[chunkedID].status)
		fltRequireSettled(t, st, []string{chunkedID}, false)
		var stored []byte
		if err := e.pool.QueryRow(bg, `SELECT sha256 FROM media WHERE id = $1`, chunkedID).Scan(&stored); err != nil || !bytes.Equal(stored, sum[:]) {
			t.Errorf("media sha256 %x (%v), want the file's %x", stored, err, sum)
		}
		if n := fltCount(e.pool, `SELECT count(*) FROM uploads WHERE id = $1`, up.UploadID); n != 0 {
			t.Errorf("chunked upload row left after completion: %d", n)
		}
	})

	t.Run("dissolution", func(t *testing.T) {
		r := fltBegin("mediad-killed-during-dissolution")
		defer r.report(t)
		recovery(t, r, tDissolved, "the dissolution")
		for table, sql := range map[string]string{
			"albums": `SELECT count(*) FROM albums WHERE id = $1`,
			"media":  `SELECT count(*) FROM media WHERE album_id = $1`,
		} {
			if n := fltCount(e.pool, sql, alb.ID); n != 0 {
				t.Errorf("%d %s rows of the dissolved album left", n, table)
			}
		}
		left := 0
		for _, id := range albumItems {
			left += len(testenv.Keys(t, e.blob, "media/"+id+"/")) + len(testenv.Keys(t, e.blob, upload.RawKey(id)))
		}
		if left != 0 {
			t.Errorf("%d objects of the dissolved album's items left", left)
		}
		var deleted, objects int
		if err := e.pool.QueryRow(bg, `SELECT items_deleted, objects_deleted FROM album_dissolutions WHERE album_id = $1`, alb.ID).
			Scan(&deleted, &objects); err != nil {
			t.Fatal(err)
		}
		if deleted != len(albumItems) {
			t.Errorf("receipt: %d items deleted, want %d", deleted, len(albumItems))
		}
		r.note("receipt: %d items, %d objects (of %d)", deleted, objects, objectsBefore)
	})

	t.Run("export", func(t *testing.T) {
		r := fltBegin("mediad-killed-during-export")
		defer r.report(t)
		recovery(t, r, tExport, "the export")
		var out struct {
			Export datExport `json:"export"`
		}
		e.in(t).do("GET", "/v1/me/exports/"+export.ID, ann.tok, nil, 200, &out)
		if out.Export.Status != "ready" || out.Export.URL == "" {
			t.Fatalf("export after the restart: %+v, want ready with a download URL", out.Export)
		}
		resp, body := fetch(t, out.Export.URL, "")
		if resp.StatusCode != 200 {
			t.Fatalf("export download: %d", resp.StatusCode)
		}
		files := datUnzip(t, body)
		n := 0
		for name := range files {
			if strings.HasPrefix(name, "media/") {
				n++
			}
		}
		if n != len(annItems) {
			t.Errorf("export holds %d media files, want %d", n, len(annItems))
		}
		r.note("ready, %d bytes, %d photos", len(body), n)
	})

	r.note("%s", fltInvariants(t, m, append(annItems, chunkedID),
		"dissolve:"+alb.ID, worker.TypeBuildExport+":"+export.ID))
}

// fltEarlyRefusal reports whether err is what a client writing a body sees
// when the server answered and closed before reading it.
func fltEarlyRefusal(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}
