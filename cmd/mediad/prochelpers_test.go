package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/wxalbum/mediad/internal/signer"
	"github.com/wxalbum/mediad/internal/testenv"
	"github.com/wxalbum/mediad/internal/testenv/metacheck"
	"github.com/wxalbum/mediad/upload"
	"github.com/wxalbum/mediad/worker"
)

// procRedisDB is the Redis database of these tests' engines: their own, so
// a concurrent run of other tests of this package neither flushes their
// queue nor takes their tasks.
const procRedisDB = 7

// procStartEngine is startEngine on the processing tests' Redis database,
// flushed first.
func procStartEngine(t *testing.T, mode string, overrides map[string]string) *engine {
	t.Helper()
	testenv.FlushRedisDB(t, procRedisDB)
	env := map[string]string{"MEDIA_REDIS_DB": strconv.Itoa(procRedisDB)}
	for k, v := range overrides {
		env[k] = v
	}
	return startEngine(t, mode, env)
}

// procItem is the part of a media view the processing tests read.
type procItem struct {
	ID         string            `json:"id"`
	Kind       string            `json:"kind"`
	Status     string            `json:"status"`
	FailReason *string           `json:"fail_reason"`
	Width      *int              `json:"width"`
	Height     *int              `json:"height"`
	URLs       map[string]string `json:"urls"`
}

// procKind is the upload kind of a fixture: video for the video folder.
func procKind(rel string) string {
	if strings.HasPrefix(rel, "video/") {
		return "video"
	}
	return "photo"
}

// procUpload posts a fixture through POST /v1/media (kind first, then the
// file part) and returns the status and body.
func procUpload(e *engine, tok, rel string) (int, []byte) {
	e.t.Helper()
	data, err := os.ReadFile(testenv.Testdata(e.t, rel))
	if err != nil {
		e.t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", procKind(rel))
	fw, _ := mw.CreateFormFile("file", filepath.Base(rel))
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.base+"/v1/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("upload %s: %v", rel, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// procUploadOK uploads a fixture that must be accepted (202, processing).
func procUploadOK(e *engine, tok, rel string) procItem {
	e.t.Helper()
	status, b := procUpload(e, tok, rel)
	var out struct {
		Media procItem `json:"media"`
	}
	if status != http.StatusAccepted || json.Unmarshal(b, &out) != nil || out.Media.ID == "" {
		e.t.Fatalf("upload %s: status %d, body %s; want 202 with a media item", rel, status, b)
	}
	if out.Media.Status != "processing" || len(out.Media.URLs) != 0 {
		e.t.Fatalf("upload %s: answered %+v; want processing without urls", rel, out.Media)
	}
	return out.Media
}

// procGet returns GET /v1/media/:id as the given user.
func procGet(e *engine, tok, id string) procItem {
	e.t.Helper()
	var out struct {
		Media procItem `json:"media"`
	}
	e.do("GET", "/v1/media/"+id, tok, nil, 200, &out)
	return out.Media
}

// procWaitSettled polls until none of ids is processing any more, or the
// deadline passes (then it fails naming the ones still processing).
func procWaitSettled(e *engine, tok string, ids []string, within time.Duration) map[string]procItem {
	e.t.Helper()
	got := map[string]procItem{}
	deadline := time.Now().Add(within)
	for {
		var pending []string
		for _, id := range ids {
			if _, done := got[id]; done {
				continue
			}
			if m := procGet(e, tok, id); m.Status != "processing" {
				got[id] = m
			} else {
				pending = append(pending, id)
			}
		}
		if len(pending) == 0 {
			return got
		}
		if time.Now().After(deadline) {
			procDumpAsynq(e.t, procInspector(e.t, e))
			for _, id := range pending {
				st, info := procTaskState(e.t, procInspector(e.t, e), id)
				e.t.Logf("task process:%s: state %v, last error %q", id, st, procLastErr(info))
			}
			e.t.Fatalf("still processing after %s: %v", within, pending)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// procWait polls cond every 50ms until it holds or d passes.
func procWait(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// procFetch GETs a URL without credentials (signed URLs carry their own).
func procFetch(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read: %v", url, err)
	}
	return resp, b
}

// procFetchStatus GETs path on e and checks status (and error code if set).
func procFetchStatus(t *testing.T, e *engine, path string, status int, code string) {
	t.Helper()
	resp, b := procFetch(t, e.base+path, nil)
	if resp.StatusCode != status {
		t.Errorf("GET %s: status %d, want %d; body %s", path, resp.StatusCode, status, b)
		return
	}
	if code != "" {
		if got := errorCode(t, b); got != code {
			t.Errorf("GET %s: code %q, want %q", path, got, code)
		}
	}
}

// procUserID returns the signed-in user's id.
func procUserID(e *engine, tok string) string {
	e.t.Helper()
	var me struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	e.do("GET", "/v1/me", tok, nil, 200, &me)
	return me.User.ID
}

// procSigner signs grants with the stack's URL-signing key, as the
// service does.
func procSigner(t *testing.T) *signer.Signer {
	t.Helper()
	key, err := hex.DecodeString(testenv.SigningKey())
	if err != nil {
		t.Fatalf("signing key: %v", err)
	}
	s, err := signer.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// procSignedPath is the path of a URL the service would issue.
func procSignedPath(s *signer.Signer, id, variant, viewer string, exp time.Time) string {
	tok := s.Sign(signer.Grant{MediaID: id, Variant: variant, Viewer: viewer, Expires: exp})
	return "/f/" + id + "/" + variant + "?t=" + tok
}

// procVariantKeys is the exact set of objects a ready item of kind has.
func procVariantKeys(id, kind string) []string {
	var keys []string
	for _, v := range upload.Variants(upload.Kind(kind)) {
		keys = append(keys, upload.ObjectKey(id, v))
	}
	slices.Sort(keys)
	return keys
}

// procKeys lists the keys under prefix in e's bucket, sorted.
func procKeys(e *engine, prefix string) []string {
	keys := testenv.Keys(e.t, e.blob, prefix)
	slices.Sort(keys)
	return keys
}

// procRawLeft waits (up to 10s: the worker deletes the raw upload just
// after it records the outcome) until the quarantine holds exactly want,
// and returns what it holds.
func procRawLeft(e *engine, want ...string) []string {
	e.t.Helper()
	slices.Sort(want)
	var keys []string
	procWait(10*time.Second, func() bool {
		keys = procKeys(e, upload.RawPrefix)
		return slices.Equal(keys, want)
	})
	return keys
}

// procWorkerConfig is the Asynq side of e's settings (its Redis database).
func procWorkerConfig(t *testing.T, e *engine) worker.Config {
	t.Helper()
	db, err := strconv.Atoi(e.env["MEDIA_REDIS_DB"])
	if err != nil {
		t.Fatalf("MEDIA_REDIS_DB %q: %v", e.env["MEDIA_REDIS_DB"], err)
	}
	return worker.Config{RedisAddr: e.env["MEDIA_REDIS_ADDR"], RedisDB: db}
}

// procInspector inspects e's Asynq database.
func procInspector(t *testing.T, e *engine) *asynq.Inspector {
	t.Helper()
	in := asynq.NewInspector(worker.RedisOpt(procWorkerConfig(t, e)))
	t.Cleanup(func() { in.Close() })
	return in
}

// procTaskState returns the state of media id's process task, or 0 when
// Asynq holds no such task (never queued, or finished and discarded).
func procTaskState(t *testing.T, in *asynq.Inspector, id string) (asynq.TaskState, *asynq.TaskInfo) {
	t.Helper()
	info, err := in.GetTaskInfo(worker.QueueCritical, "process:"+id)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return 0, nil
	}
	if err != nil {
		t.Fatalf("asynq: task info: %v", err)
	}
	return info.State, info
}

// procWorker is an in-process `mediad work` sharing another engine's
// database, bucket and Redis database.
type procWorker struct {
	stop func()
}

// procStartWorker runs `mediad work` in-process with base's settings plus
// overrides and waits until its Asynq server has registered.
func procStartWorker(t *testing.T, base *engine, overrides map[string]string) *procWorker {
	t.Helper()
	env := map[string]string{"MEDIA_WORKER_SHUTDOWN_TIMEOUT": "2s"}
	for k, v := range base.env {
		env[k] = v
	}
	for k, v := range overrides {
		env[k] = v
	}
	in := procInspector(t, base)
	before := procServerIDs(t, in)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	logs := &logBuffer{}
	go func() {
		errc <- run(ctx, []string{"mediad", "work"}, func(k string) string { return env[k] }, io.Discard, logs)
	}()
	w := &procWorker{}
	stopped := false
	w.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("mediad work exited: %v", err)
			}
		case <-time.After(40 * time.Second):
			t.Errorf("mediad work did not stop within 40s")
		}
	}
	t.Cleanup(func() {
		w.stop()
		if t.Failed() {
			t.Logf("mediad work log:\n%s", logs.String())
		}
	})
	ok := procWait(20*time.Second, func() bool {
		select {
		case err := <-errc:
			t.Fatalf("mediad work exited during start: %v\n%s", err, logs.String())
		default:
		}
		return len(procServerIDs(t, in)) > len(before)
	})
	if !ok {
		t.Fatalf("mediad work did not register with asynq within 20s\n%s", logs.String())
	}
	return w
}

// procServerIDs lists the Asynq servers registered in the package's
// Redis database.
func procServerIDs(t *testing.T, in *asynq.Inspector) []string {
	t.Helper()
	srvs, err := in.Servers()
	if err != nil {
		t.Fatalf("asynq: servers: %v", err)
	}
	var out []string
	for _, s := range srvs {
		out = append(out, s.ID)
	}
	return out
}

// procExiftool returns exiftool's path, failing the test (never skipping)
// when it is not installed.
func procExiftool(t *testing.T) string {
	t.Helper()
	return metacheck.Exiftool(t)
}

// procAssertClean fails when the served body (written to a file named
// after what it is) carries anything the allow-list oracle does not accept
// (internal/testenv/metacheck, the same check the process tests use) or
// bytes after the end of the image.
func procAssertClean(t *testing.T, name string, body []byte) {
	t.Helper()
	metacheck.AssertClean(t, map[string][]byte{name: body})
}

// procBuild compiles mediad into dir and returns the binary's path.
func procBuild(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "mediad")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build mediad: %v\n%s", err, out)
	}
	return bin
}

// procProc is `mediad work` running as a child process in its own process
// group, so a kill takes its tool children (ffmpeg) with it, as a
// container kill would.
type procProc struct {
	cmd  *exec.Cmd
	logs *logBuffer
	done chan struct{}
}

// procSpawnWorker starts `bin work` with base's settings plus overrides
// and waits until its Asynq server registered.
func procSpawnWorker(t *testing.T, bin string, base *engine, overrides map[string]string) *procProc {
	t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + t.TempDir(),
		"MEDIA_WORKER_SHUTDOWN_TIMEOUT=2s"}
	for k, v := range base.env {
		if _, over := overrides[k]; !over {
			env = append(env, k+"="+v)
		}
	}
	for k, v := range overrides {
		env = append(env, k+"="+v)
	}
	p := &procProc{cmd: exec.Command(bin, "work"), logs: &logBuffer{}, done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start mediad work: %v", err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			p.signal(syscall.SIGKILL)
			<-p.done
			t.Errorf("mediad work (pid %d) ignored SIGTERM for 20s", p.cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("mediad work (pid %d) log:\n%s", p.cmd.Process.Pid, p.logs.String())
		}
	})
	in := procInspector(t, base)
	ok := procWait(30*time.Second, func() bool {
		srvs, err := in.Servers()
		if err != nil {
			t.Fatalf("asynq: servers: %v", err)
		}
		for _, s := range srvs {
			if s.PID == p.cmd.Process.Pid {
				return true
			}
		}
		select {
		case <-p.done:
			t.Fatalf("mediad work exited during start: %s\n%s", p.cmd.ProcessState, p.logs.String())
		default:
		}
		return false
	})
	if !ok {
		t.Fatalf("mediad work did not register with asynq within 30s\n%s", p.logs.String())
	}
	return p
}

// signal sends sig to the worker's whole process group.
func (p *procProc) signal(sig syscall.Signal) {
	select {
	case <-p.done:
	default:
		syscall.Kill(-p.cmd.Process.Pid, sig)
	}
}

// procExpireLease moves the lease the dead worker held on a task into the
// past, as if asynq's crash-detection delay (lease 30s + 30s of clock skew
// allowance) had elapsed; the next recoverer pass then takes the task back.
func procExpireLease(t *testing.T, e *engine, taskID string) {
	t.Helper()
	cfg := procWorkerConfig(t, e)
	c := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr, DB: cfg.RedisDB})
	defer c.Close()
	key := "asynq:{" + worker.QueueCritical + "}:lease"
	n, err := c.ZAddXX(context.Background(), key, redis.Z{Score: float64(time.Now().Add(-2 * time.Minute).Unix()), Member: taskID}).Result()
	if err != nil {
		t.Fatalf("redis: expire lease: %v", err)
	}
	if score, err := c.ZScore(context.Background(), key, taskID).Result(); err != nil || score > float64(time.Now().Unix()) {
		t.Fatalf("redis: lease of %s not moved (changed %d, score %v, err %v)", taskID, n, score, err)
	}
}

// procDumpAsynq logs what Asynq holds, for failure messages.
func procDumpAsynq(t *testing.T, in *asynq.Inspector) {
	t.Helper()
	srvs, _ := in.Servers()
	for _, s := range srvs {
		t.Logf("asynq server pid %d status %s queues %v active %d", s.PID, s.Status, s.Queues, len(s.ActiveWorkers))
	}
	qs, _ := in.Queues()
	for _, q := range qs {
		if qi, err := in.GetQueueInfo(q); err == nil {
			t.Logf("asynq queue %s: pending %d active %d retry %d archived %d paused %v", q, qi.Pending, qi.Active, qi.Retry, qi.Archived, qi.Paused)
		}
	}
}
