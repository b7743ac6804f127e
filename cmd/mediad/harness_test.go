package main

// The one end-to-end harness of this package: a real mediad started by
// run() against PostgreSQL, Redis and MinIO, driven over HTTP. Every test
// here uses these pieces: startEngine (and startAnother, restart, in) to
// run engines, user and signIn for people, do/try/check for requests,
// uploadOK/refuse/uploadFixture/uploadPhoto for uploads, and
// waitReady/waitSettled to wait for the worker.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/db/dbtest"
	"github.com/wxalbum/mediad/internal/testenv"
	"github.com/wxalbum/mediad/worker"
)

// redisDB is this package's Redis database, flushed by every startEngine.
// The tests of this package run one after the other, so one database is
// enough; other packages use others.
const redisDB = 9

// engine is a real mediad started by run() on loopback sockets against a
// fresh database, a fresh bucket and the flushed Redis database.
type engine struct {
	t    *testing.T
	base string
	pool *pgxpool.Pool
	blob *blob.Store
	env  map[string]string
	stop func() // idempotent
	errc chan error
	// api and metrics are the sockets every run of this engine serves on.
	api, metrics *net.TCPListener
	photos       *atomic.Int64 // photos made by photo(), shared by in() views
}

// user is a signed-in user.
type user struct{ name, tok, id string }

// startEngine runs `mediad <mode>` in-process; overrides replace settings.
func startEngine(t *testing.T, mode string, overrides map[string]string) *engine {
	t.Helper()
	pool, dbURL := dbtest.New(t)
	bs := testenv.Blob(t)
	testenv.FlushRedisDB(t, redisDB)
	api, met := listenLocal(t), listenLocal(t)
	env := map[string]string{
		"MEDIA_HTTP_ADDR":       api.Addr().String(),
		"MEDIA_METRICS_ADDR":    met.Addr().String(),
		"MEDIA_DATABASE_URL":    dbURL,
		"MEDIA_REDIS_ADDR":      testenv.RedisAddr(t),
		"MEDIA_REDIS_DB":        strconv.Itoa(redisDB),
		"MEDIA_S3_ENDPOINT":     testenv.BlobConfig(t).Endpoint,
		"MEDIA_S3_ACCESS_KEY":   testenv.Getenv("MEDIA_S3_ACCESS_KEY"),
		"MEDIA_S3_SECRET_KEY":   testenv.Getenv("MEDIA_S3_SECRET_KEY"),
		"MEDIA_S3_BUCKET":       bs.Bucket(),
		"MEDIA_URL_SIGNING_KEY": testenv.SigningKey(),
		"MEDIA_DEV_LOGIN":       "true",
		"MEDIA_LOG_LEVEL":       "warn",
	}
	for k, v := range overrides {
		env[k] = v
	}
	e := &engine{t: t, pool: pool, blob: bs, env: env, api: api, metrics: met, photos: new(atomic.Int64)}
	e.launch(mode)
	return e
}

// startAnother runs another `mediad <mode>` of the same deployment: e's
// database, bucket and Redis database, its own sockets, plus overrides
// (another database role, a worker with other settings). In mode "work" it
// returns once the worker has registered with Asynq.
func (e *engine) startAnother(mode string, overrides map[string]string) *engine {
	e.t.Helper()
	env := map[string]string{}
	for k, v := range e.env {
		env[k] = v
	}
	for k, v := range overrides {
		env[k] = v
	}
	api, met := listenLocal(e.t), listenLocal(e.t)
	env["MEDIA_HTTP_ADDR"], env["MEDIA_METRICS_ADDR"] = api.Addr().String(), met.Addr().String()
	o := &engine{t: e.t, pool: e.pool, blob: e.blob, env: env, api: api, metrics: met, photos: e.photos}
	o.launch(mode)
	return o
}

// restart stops the engine and runs it again in mode on the same
// database, bucket, Redis database and sockets, as a redeploy would.
func (e *engine) restart(mode string) {
	e.t.Helper()
	e.stop()
	http.DefaultClient.CloseIdleConnections()
	e.launch(mode)
}

// in returns the same engine reporting to t, so helpers that fail stop a
// subtest, not its parent.
func (e *engine) in(t *testing.T) *engine {
	c := *e
	c.t = t
	return &c
}

// launch runs `mediad <mode>` with e.env on e's sockets until e.stop or
// the end of the test, and waits until it serves (or, for a worker, has
// registered with Asynq).
func (e *engine) launch(mode string) {
	t := e.t
	t.Helper()
	e.env["MEDIA_PUBLIC_URL"] = "http://" + e.env["MEDIA_HTTP_ADDR"]
	e.base = e.env["MEDIA_PUBLIC_URL"]
	var before []string
	if mode == "work" {
		before = asynqServers(t, e)
	}
	ctx, cancel := engineContext(e.api, e.metrics)
	errc, logs := make(chan error, 1), &logBuffer{}
	env := e.env
	go func() {
		errc <- run(ctx, []string{"mediad", mode}, func(k string) string { return env[k] }, io.Discard, logs)
	}()
	e.errc = errc
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-errc:
				if err != nil {
					t.Errorf("mediad %s exited: %v", mode, err)
				}
			case <-time.After(40 * time.Second):
				t.Errorf("mediad %s did not stop within 40s", mode)
			}
		})
	}
	t.Cleanup(func() {
		e.stop()
		if t.Failed() {
			t.Logf("mediad %s log:\n%s", mode, logs.String())
		}
	})
	if mode == "work" {
		e.waitRegistered(len(before), logs)
	} else {
		e.waitHealthy()
	}
}

func (e *engine) waitHealthy() {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-e.errc:
			e.t.Fatalf("mediad exited during start: %v", err)
		default:
		}
		resp, err := http.Get(e.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatal("mediad did not answer /healthz within 20s")
}

// waitRegistered waits until more than n Asynq servers are registered in
// the engine's Redis database: the worker just started is taking tasks.
func (e *engine) waitRegistered(n int, logs *logBuffer) {
	e.t.Helper()
	ok := poll(20*time.Second, func() bool {
		select {
		case err := <-e.errc:
			e.t.Fatalf("mediad work exited during start: %v\n%s", err, logs.String())
		default:
		}
		return len(asynqServers(e.t, e)) > n
	})
	if !ok {
		e.t.Fatalf("mediad work did not register with asynq within 20s\n%s", logs.String())
	}
}

// inspector inspects the engine's Asynq database.
func (e *engine) inspector() *asynq.Inspector {
	e.t.Helper()
	db, err := strconv.Atoi(e.env["MEDIA_REDIS_DB"])
	if err != nil {
		e.t.Fatalf("MEDIA_REDIS_DB %q: %v", e.env["MEDIA_REDIS_DB"], err)
	}
	in := asynq.NewInspector(worker.RedisOpt(worker.Config{RedisAddr: e.env["MEDIA_REDIS_ADDR"], RedisDB: db}))
	e.t.Cleanup(func() { in.Close() })
	return in
}

// asynqServers lists the Asynq servers registered in e's Redis database.
func asynqServers(t *testing.T, e *engine) []string {
	t.Helper()
	srvs, err := e.inspector().Servers()
	if err != nil {
		t.Fatalf("asynq: servers: %v", err)
	}
	var out []string
	for _, s := range srvs {
		out = append(out, s.ID)
	}
	return out
}

// listenLocal binds 127.0.0.1:0 for an engine. The socket stays the
// test's: engines get heldListener views of it, so the port can be neither
// taken by another process before the engine listens nor lost between a
// stop and a restart.
func listenLocal(t *testing.T) *net.TCPListener {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// heldListener is one engine run's view of a test's socket: Close stops
// Accept (a deadline in the past) without closing the socket, and the next
// run's view clears the deadline, as a socket-activated restart would.
type heldListener struct {
	*net.TCPListener
	closed atomic.Bool
}

func hold(ln *net.TCPListener) *heldListener {
	ln.SetDeadline(time.Time{})
	return &heldListener{TCPListener: ln}
}

func (h *heldListener) Accept() (net.Conn, error) {
	c, err := h.TCPListener.Accept()
	if err != nil && h.closed.Load() {
		return nil, net.ErrClosed // servers stop on this, not on a timeout
	}
	return c, err
}

func (h *heldListener) Close() error {
	h.closed.Store(true)
	return h.TCPListener.SetDeadline(time.Unix(1, 0))
}

// engineContext returns a context handing e's sockets to a new run.
func engineContext(api, met *net.TCPListener) (context.Context, context.CancelFunc) {
	return context.WithCancel(withListeners(context.Background(), hold(api), hold(met)))
}

// signIn signs in through dev login and returns the user.
func (e *engine) signIn(name string) user {
	e.t.Helper()
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	e.do("POST", "/v1/auth/dev", "", map[string]string{"name": name}, 200, &out)
	if out.Token == "" || out.User.ID == "" {
		e.t.Fatalf("dev login %s: no token or user id", name)
	}
	return user{name: name, tok: out.Token, id: out.User.ID}
}

// login signs in and returns only the token.
func (e *engine) login(name string) string { return e.signIn(name).tok }

// do sends a JSON request and requires status want; out may be nil.
func (e *engine) do(method, path, token string, body any, want int, out any) []byte {
	e.t.Helper()
	return e.send(e.jsonRequest(method, path, body), token, want, out)
}

// try sends a JSON request and returns status and body, whatever they are.
func (e *engine) try(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	return e.sendNoCheck(e.jsonRequest(method, path, body), token)
}

// check expects status want (and error code, if code is set); a mismatch
// is reported and the test goes on, so one run shows every broken cell.
func (e *engine) check(who, method, path, tok string, body any, want int, code string) []byte {
	e.t.Helper()
	st, b := e.try(method, path, tok, body)
	if st != want {
		e.t.Errorf("%s: %s %s: status %d, want %d; body %s", who, method, path, st, want, b)
		return b
	}
	if code != "" {
		if got := errorCode(e.t, b); got != code {
			e.t.Errorf("%s: %s %s: code %q, want %q", who, method, path, got, code)
		}
	}
	return b
}

// jsonRequest builds a request to the engine with body (if any) as JSON.
func (e *engine) jsonRequest(method, path string, body any) *http.Request {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func (e *engine) send(req *http.Request, token string, want int, out any) []byte {
	e.t.Helper()
	status, b := e.sendNoCheck(req, token)
	if status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", req.Method, req.URL.Path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", req.Method, req.URL.Path, b, err)
		}
	}
	return b
}

// sendNoCheck sends req as tok and returns the status and body.
func (e *engine) sendNoCheck(req *http.Request, tok string) (int, []byte) {
	e.t.Helper()
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// errorCode decodes an error body and returns its code, failing on any
// other shape.
func errorCode(t *testing.T, b []byte) string {
	t.Helper()
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("not a JSON error body: %s", b)
	}
	return body.Error.Code
}

func (e *engine) count(sql string, args ...any) int {
	e.t.Helper()
	return dbtest.Count(e.t, e.pool, sql, args...)
}

// mediaView is a media item as the API shows it.
type mediaView struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Status      string            `json:"status"`
	FailReason  *string           `json:"fail_reason"`
	ContentType string            `json:"content_type"`
	Size        int64             `json:"size"`
	AlbumID     *string           `json:"album_id"`
	Visibility  string            `json:"visibility"`
	Width       *int              `json:"width"`
	Height      *int              `json:"height"`
	Mine        bool              `json:"mine"`
	URLs        map[string]string `json:"urls"`
}

// created is the body of 202 (new item) and 200 (duplicate) answers.
type created struct {
	Media     mediaView `json:"media"`
	Duplicate bool      `json:"duplicate"`
}

// uploadOK uploads f, expects 202 and a new item in processing without URLs.
func (e *engine) uploadOK(tok string, f upfile) mediaView {
	e.t.Helper()
	var out created
	e.upload(tok, f, 202, &out)
	if out.Duplicate || out.Media.Status != "processing" || len(out.Media.URLs) != 0 {
		e.t.Fatalf("upload %s: got %+v, want a new item in processing, without URLs", f.kind, out)
	}
	return out.Media
}

// refuse uploads f and expects status and error code.
func (e *engine) refuse(tok string, f upfile, want int, code string) {
	e.t.Helper()
	if got := errorCode(e.t, e.upload(tok, f, want, nil)); got != code {
		e.t.Fatalf("upload %s: code %q, want %q", f.kind, got, code)
	}
}

// fixtureFile is a testdata file as a client uploads it: kind by folder
// (video/ is a video, everything else a photo), its own file name.
func fixtureFile(t *testing.T, rel string) upfile {
	t.Helper()
	kind := "photo"
	if strings.HasPrefix(rel, "video/") {
		kind = "video"
	}
	return upfile{kind: kind, name: filepath.Base(rel), data: readTestdata(t, rel)}
}

// uploadFixture uploads a testdata file (fixtureFile) that must be accepted.
func (e *engine) uploadFixture(tok, rel string) mediaView {
	e.t.Helper()
	return e.uploadOK(tok, fixtureFile(e.t, rel))
}

// photoFiles are real camera photos; photo() hands them out in turn so no
// two uploads of an engine carry the same bytes (the dedupe would merge
// them), then generated JPEGs.
var photoFiles = []string{
	"images/gps/DSCN0010.jpg", "images/gps/DSCN0012.jpg", "images/gps/DSCN0021.jpg",
	"images/orientation/landscape_1.jpg", "images/orientation/landscape_2.jpg", "images/orientation/landscape_3.jpg",
	"images/orientation/landscape_4.jpg", "images/orientation/landscape_5.jpg", "images/orientation/landscape_6.jpg",
	"images/orientation/landscape_7.jpg", "images/orientation/landscape_8.jpg", "images/orientation/portrait_1.jpg",
	"images/orientation/portrait_2.jpg", "images/orientation/portrait_3.jpg", "images/orientation/portrait_4.jpg",
	"images/orientation/portrait_5.jpg", "images/orientation/portrait_6.jpg", "images/orientation/portrait_7.jpg",
	"images/orientation/portrait_8.jpg",
}

// photo returns JPEG bytes no earlier photo() of this engine returned.
func (e *engine) photo() []byte {
	e.t.Helper()
	n := int(e.photos.Add(1))
	if n <= len(photoFiles) {
		return readTestdata(e.t, photoFiles[n-1])
	}
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for x := range 96 {
		for y := range 64 {
			img.Set(x, y, color.RGBA{uint8(x*2 + n), uint8(y*3 + n*7), uint8(n * 13), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		e.t.Fatal(err)
	}
	return b.Bytes()
}

// uploadPhoto uploads a new photo() of kind (photo, avatar, cover) as u into
// albumID ("" for none) with visibility vis ("" for the default) and
// returns it, still processing.
func (e *engine) uploadPhoto(u user, kind, albumID, vis string) mediaView {
	e.t.Helper()
	return e.uploadOK(u.tok, upfile{kind: kind, albumID: albumID, visibility: vis,
		name: "IMG_0001.jpg", partType: "image/jpeg", data: e.photo()})
}

// uploadPhotoID is uploadPhoto returning only the new item's id.
func (e *engine) uploadPhotoID(u user, kind, albumID, vis string) string {
	e.t.Helper()
	return e.uploadPhoto(u, kind, albumID, vis).ID
}

// getMedia fetches GET /v1/media/:id as tok.
func (e *engine) getMedia(tok, id string, want int) mediaView {
	e.t.Helper()
	var out struct {
		Media mediaView `json:"media"`
	}
	b := e.do("GET", "/v1/media/"+id, tok, nil, want, nil)
	if want == 200 {
		if err := json.Unmarshal(b, &out); err != nil {
			e.t.Fatal(err)
		}
	}
	return out.Media
}

// waitSettled polls each item (as tok, who must see them) until none is
// processing, or within passes: then it fails, naming the items still
// processing and what Asynq holds for them.
func (e *engine) waitSettled(tok string, within time.Duration, ids ...string) map[string]mediaView {
	e.t.Helper()
	got := map[string]mediaView{}
	deadline := time.Now().Add(within)
	for {
		var pending []string
		for _, id := range ids {
			if _, done := got[id]; done {
				continue
			}
			if m := e.getMedia(tok, id, 200); m.Status != "processing" {
				got[id] = m
			} else {
				pending = append(pending, id)
			}
		}
		if len(pending) == 0 {
			return got
		}
		if time.Now().After(deadline) {
			e.dumpAsynq(pending)
			e.t.Fatalf("still processing after %s: %v", within, pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitReady waits until the worker has processed id and requires ready.
func (e *engine) waitReady(tok, id string) mediaView {
	e.t.Helper()
	m := e.waitSettled(tok, 60*time.Second, id)[id]
	if m.Status != "ready" {
		e.t.Fatalf("media %s: status %q (fail_reason %v), want ready", id, m.Status, procStr(m.FailReason))
	}
	return m
}

// dumpAsynq logs what Asynq holds, for failure messages.
func (e *engine) dumpAsynq(pending []string) {
	e.t.Helper()
	in := e.inspector()
	srvs, _ := in.Servers()
	for _, s := range srvs {
		e.t.Logf("asynq server pid %d status %s queues %v active %d", s.PID, s.Status, s.Queues, len(s.ActiveWorkers))
	}
	qs, _ := in.Queues()
	for _, q := range qs {
		if qi, err := in.GetQueueInfo(q); err == nil {
			e.t.Logf("asynq queue %s: pending %d active %d retry %d archived %d paused %v", q, qi.Pending, qi.Active, qi.Retry, qi.Archived, qi.Paused)
		}
	}
	for _, id := range pending {
		info, err := in.GetTaskInfo(worker.QueueCritical, "process:"+id)
		switch {
		case errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound):
			e.t.Logf("task process:%s: not in asynq", id)
		case err == nil:
			e.t.Logf("task process:%s: state %v, last error %q", id, info.State, info.LastErr)
		}
	}
}

// procStr prints an optional string.
func procStr(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// logBuffer collects mediad's log lines; they are printed if the test fails.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
