package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/db/dbtest"
	"github.com/wxalbum/mediad/internal/testenv"
)

// redisDB is this package's own Redis database, flushed per engine.
const redisDB = 9

// engine is a real mediad started by run() on free loopback ports against
// a fresh database, a fresh bucket and a flushed Redis database.
type engine struct {
	t    *testing.T
	base string
	pool *pgxpool.Pool
	blob *blob.Store
	env  map[string]string
	stop func()
	errc chan error
	// api and metrics are the sockets every run of this engine serves on.
	api, metrics *net.TCPListener
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
		"MEDIA_REDIS_DB":        fmt.Sprint(redisDB),
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
	return launch(t, mode, env, pool, bs, api, met)
}

// startAnother runs another `mediad <mode>` of the same deployment: e's
// database, bucket and Redis database, its own sockets, plus overrides
// (another database role, say).
func (e *engine) startAnother(mode string, overrides map[string]string) *engine {
	e.t.Helper()
	api, met := listenLocal(e.t), listenLocal(e.t)
	env := map[string]string{}
	for k, v := range e.env {
		env[k] = v
	}
	for k, v := range overrides {
		env[k] = v
	}
	env["MEDIA_HTTP_ADDR"], env["MEDIA_METRICS_ADDR"] = api.Addr().String(), met.Addr().String()
	return launch(e.t, mode, env, e.pool, e.blob, api, met)
}

// launch runs `mediad <mode>` with env on api and met until the test ends.
func launch(t *testing.T, mode string, env map[string]string, pool *pgxpool.Pool, bs *blob.Store, api, met *net.TCPListener) *engine {
	t.Helper()
	env["MEDIA_PUBLIC_URL"] = "http://" + env["MEDIA_HTTP_ADDR"]
	ctx, cancel := engineContext(api, met)
	e := &engine{t: t, base: env["MEDIA_PUBLIC_URL"], pool: pool, blob: bs, env: env, errc: make(chan error, 1),
		api: api, metrics: met}
	logs := &logBuffer{}
	go func() {
		e.errc <- run(ctx, []string{"mediad", mode}, func(k string) string { return env[k] }, io.Discard, logs)
	}()
	e.stop = func() {
		cancel()
		select {
		case err := <-e.errc:
			if err != nil {
				t.Errorf("mediad exited: %v", err)
			}
		case <-time.After(40 * time.Second):
			t.Errorf("mediad did not stop within 40s")
		}
	}
	t.Cleanup(func() {
		e.stop()
		if t.Failed() {
			t.Logf("mediad log:\n%s", logs.String())
		}
	})
	e.waitHealthy()
	return e
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

// login signs in through dev login and returns a bearer token.
func (e *engine) login(name string) string {
	e.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	e.do("POST", "/v1/auth/dev", "", map[string]string{"name": name}, 200, &out)
	return out.Token
}

// do sends a JSON request and checks the status; out may be nil.
func (e *engine) do(method, path, token string, body any, want int, out any) []byte {
	e.t.Helper()
	req := e.jsonRequest(method, path, body)
	return e.send(req, token, want, out)
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
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", req.Method, req.URL.Path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", req.Method, req.URL.Path, b, err)
		}
	}
	return b
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
