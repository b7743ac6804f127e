package main

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
	poll(10*time.Second, func() bool {
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

// procStateName names a state from procTaskState (asynq's own String
// panics on 0, which here means the task is not in asynq).
func procStateName(st asynq.TaskState) string {
	if st == 0 {
		return "not in asynq"
	}
	return st.String()
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
	in := base.inspector()
	ok := poll(30*time.Second, func() bool {
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
