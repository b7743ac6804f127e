//go:build faults

package main

// Private PostgreSQL, Redis and MinIO for the fault tests (faults_test.go)
// and `mediad all` run against them as a child process. Each service runs
// as a child of the test on free loopback ports with its data in a
// temporary folder, so a test can stop, kill and restart it without
// touching the shared dev stack other tests use. Everything started here is
// stopped, and every folder removed, when the test ends. A missing binary
// fails the test with a message naming it; nothing is skipped.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/testenv"
	"github.com/wxalbum/mediad/upload"
)

// fltPGBin is where Debian's PostgreSQL 15 server binaries live;
// MEDIA_FAULTS_PG_BIN overrides it.
const fltPGBin = "/usr/lib/postgresql/15/bin"

// fltStack is one fault test's private services.
type fltStack struct {
	redis *fltRedis
	minio *fltMinio
	pg    *fltPostgres
}

// fltStartStack starts Redis, PostgreSQL (migrated) and MinIO (bucket made).
func fltStartStack(t *testing.T) *fltStack {
	t.Helper()
	s := &fltStack{redis: fltStartRedis(t), pg: fltStartPostgres(t), minio: fltStartMinio(t)}
	t.Logf("private stack: redis %s, postgres %s, minio %s", s.redis.addr, s.pg.addr, s.minio.addr)
	return s
}

// fltChild is a process started by the tests, in its own process group so
// a kill takes its children with it.
type fltChild struct {
	name string
	cmd  *exec.Cmd
	logs *logBuffer
	done chan struct{}
}

// fltSpawn starts bin with exactly env, in dir; its output goes to logs
// (a new buffer when nil).
func fltSpawn(t *testing.T, name, dir string, env []string, logs *logBuffer, bin string, args ...string) *fltChild {
	t.Helper()
	if logs == nil {
		logs = &logBuffer{}
	}
	c := &fltChild{name: name, cmd: exec.Command(bin, args...), logs: logs, done: make(chan struct{})}
	c.cmd.Dir, c.cmd.Env = dir, env
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s (%s): %v", name, bin, err)
	}
	go func() { c.cmd.Wait(); close(c.done) }()
	return c
}

func (c *fltChild) running() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// signal sends sig to the child's whole process group.
func (c *fltChild) signal(sig syscall.Signal) {
	if c.running() {
		syscall.Kill(-c.cmd.Process.Pid, sig)
	}
}

// kill SIGKILLs the process group and waits until the child is gone.
func (c *fltChild) kill(t *testing.T) {
	c.signal(syscall.SIGKILL)
	select {
	case <-c.done:
	case <-time.After(15 * time.Second):
		t.Errorf("%s (pid %d) still running 15s after SIGKILL", c.name, c.cmd.Process.Pid)
	}
}

// fltTail is the last n lines of s.
func fltTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d earlier lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// fltFreePort returns a loopback TCP port nobody listened on a moment ago
// (bound and released: good enough for child services, which fail loudly
// if it was taken in between).
func fltFreePort(t *testing.T) int {
	t.Helper()
	fltPortsMu.Lock()
	defer fltPortsMu.Unlock()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !fltPorts[port] { // never the same port twice in one run
			fltPorts[port] = true
			return port
		}
	}
}

var (
	fltPortsMu sync.Mutex
	fltPorts   = map[int]bool{}
)

func fltAddr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// fltSecret is n random bytes, hex encoded.
func fltSecret(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// fltLookBin finds a program in PATH or at one of the usual places, and
// fails the test naming it when it is in neither.
func fltLookBin(t *testing.T, name string, places ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range places {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	t.Fatalf("the fault tests need %s: not in PATH nor at %v (install it, or run scripts/devstack up)", name, places)
	return ""
}

// fltModuleRoot is the folder holding go.mod above the working directory
// (the package folder when tests run): the repository root.
func fltModuleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

// baseEnv is the environment every child gets besides its own settings.
func fltBaseEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
}

// ---- Redis ------------------------------------------------------------------

// fltRedis is a private redis-server without persistence: a kill loses
// its data, as on this deployment.
type fltRedis struct {
	bin, dir, addr string
	port           int
	child          *fltChild
}

func fltStartRedis(t *testing.T) *fltRedis {
	t.Helper()
	r := &fltRedis{bin: fltLookBin(t, "redis-server", "/usr/bin/redis-server"), dir: t.TempDir(), port: fltFreePort(t)}
	r.addr = fltAddr(r.port)
	t.Cleanup(func() {
		if r.child != nil {
			r.child.kill(t)
			if t.Failed() {
				t.Logf("redis log:\n%s", fltTail(r.child.logs.String(), 30))
			}
		}
	})
	r.start(t)
	return r
}

// start runs redis-server on r's port (again) and waits until it answers.
func (r *fltRedis) start(t *testing.T) {
	t.Helper()
	r.child = fltSpawn(t, "redis-server", r.dir, fltBaseEnv(), nil, r.bin, "--port", strconv.Itoa(r.port),
		"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", r.dir)
	c := redis.NewClient(&redis.Options{Addr: r.addr, MaxRetries: -1})
	defer c.Close()
	ok := poll(15*time.Second, func() bool {
		if !r.child.running() {
			t.Fatalf("redis-server exited at start:\n%s", r.child.logs.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return c.Ping(ctx).Err() == nil
	})
	if !ok {
		t.Fatalf("redis-server on %s did not answer PING within 15s:\n%s", r.addr, r.child.logs.String())
	}
}

// kill SIGKILLs redis-server: everything it held is lost.
func (r *fltRedis) kill(t *testing.T) { r.child.kill(t) }

// ---- MinIO ------------------------------------------------------------------

// fltMinio is a private MinIO server on a data folder that survives kills.
type fltMinio struct {
	bin, dir, addr, console string
	cfg                     blob.Config
	store                   *blob.Store
	child                   *fltChild
}

func fltStartMinio(t *testing.T) *fltMinio {
	t.Helper()
	bin := filepath.Join(fltModuleRoot(t), ".devstack", "bin", "minio")
	if st, err := os.Stat(bin); err != nil || st.IsDir() {
		t.Fatalf("the fault tests need the MinIO server binary minio at %s (scripts/devstack up installs it): %v", bin, err)
	}
	m := &fltMinio{bin: bin, dir: t.TempDir()}
	m.addr, m.console = fltAddr(fltFreePort(t)), fltAddr(fltFreePort(t))
	m.cfg = blob.Config{Endpoint: m.addr, AccessKey: "faults" + fltSecret(4), SecretKey: fltSecret(16),
		Bucket: "media-faults", PartSize: 5 << 20}
	t.Cleanup(func() {
		if m.child != nil {
			m.child.kill(t)
			if t.Failed() {
				t.Logf("minio log:\n%s", fltTail(m.child.logs.String(), 30))
			}
		}
	})
	m.start(t)
	var err error
	if m.store, err = blob.New(m.cfg); err != nil {
		t.Fatal(err)
	}
	// Live is not yet able to serve ("Server not initialized yet"): retry.
	var last error
	if !poll(30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		last = m.store.EnsureBucket(ctx)
		return last == nil
	}) {
		t.Fatalf("private minio: create bucket: %v", last)
	}
	return m
}

// start runs MinIO on m's ports and data (again) and waits until it is
// live and ready.
func (m *fltMinio) start(t *testing.T) {
	t.Helper()
	env := append(fltBaseEnv(), "HOME="+m.dir, "MINIO_ROOT_USER="+m.cfg.AccessKey, "MINIO_ROOT_PASSWORD="+m.cfg.SecretKey)
	m.child = fltSpawn(t, "minio", m.dir, env, nil, m.bin, "server", "--quiet", "--address", m.addr,
		"--console-address", m.console, "--certs-dir", filepath.Join(m.dir, "certs"), filepath.Join(m.dir, "data"))
	ok := poll(40*time.Second, func() bool {
		if !m.child.running() {
			t.Fatalf("minio exited at start:\n%s", m.child.logs.String())
		}
		return m.probe("live") && m.probe("ready")
	})
	if !ok {
		t.Fatalf("minio on %s not live and ready within 40s:\n%s", m.addr, m.child.logs.String())
	}
}

// probe reports whether MinIO answers its health probe (live, ready) 200.
func (m *fltMinio) probe(name string) bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + m.addr + "/minio/health/" + name)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// kill SIGKILLs MinIO; its data folder stays.
func (m *fltMinio) kill(t *testing.T) { m.child.kill(t) }

// ---- PostgreSQL -------------------------------------------------------------

// fltPostgres is a private PostgreSQL 15 cluster with database media,
// migrated. initdb refuses to run as root, so when the tests run as root
// the server runs as the postgres OS user.
type fltPostgres struct {
	bin, base, data, addr, url string
	port                       int
	runAs, runuser             string // "" or the OS user to run as, and runuser's path
	pool                       *pgxpool.Pool
}

func fltStartPostgres(t *testing.T) *fltPostgres {
	t.Helper()
	p := &fltPostgres{bin: fltPGBin, port: fltFreePort(t)}
	if v := testenv.Getenv("MEDIA_FAULTS_PG_BIN"); v != "" {
		p.bin = v
	}
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(p.bin, name)); err != nil {
			t.Fatalf("the fault tests need PostgreSQL 15's %s at %s (apt-get install postgresql-15, or set MEDIA_FAULTS_PG_BIN): %v",
				name, filepath.Join(p.bin, name), err)
		}
	}
	// t.TempDir's parents are private to root: the postgres user could not
	// reach a folder there. The base folder sits directly in the temp dir.
	base, err := os.MkdirTemp("", "mediad-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	p.base, p.data = base, filepath.Join(base, "data")
	if os.Geteuid() == 0 {
		p.runuser = fltLookBin(t, "runuser", "/usr/sbin/runuser", "/sbin/runuser")
		u, err := osuser.Lookup("postgres")
		if err != nil {
			t.Fatalf("the fault tests run as root and initdb refuses root: they need the postgres OS user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(base, uid, gid); err != nil {
			t.Fatal(err)
		}
		p.runAs = "postgres"
	}
	if out, err := p.command("initdb", "-D", p.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
		"--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	conf := fmt.Sprintf("\n# mediad fault tests\nlisten_addresses = '127.0.0.1'\nport = %d\n"+
		"unix_socket_directories = '%s'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"+
		"max_connections = 100\nshared_buffers = 32MB\n", p.port, p.data)
	f, err := os.OpenFile(filepath.Join(p.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(conf)
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	p.addr = fltAddr(p.port)
	p.url = "postgres://postgres@" + p.addr + "/media?sslmode=disable"
	t.Cleanup(func() { p.stopForGood(t) })
	p.start(t)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, "postgres://postgres@"+p.addr+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatalf("private postgres: %v", err)
	}
	_, err = admin.Exec(ctx, "CREATE DATABASE media")
	admin.Close(ctx)
	if err != nil {
		t.Fatalf("private postgres: create database: %v", err)
	}
	if p.pool, err = db.Open(ctx, p.url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.pool.Close) // before the server stops (cleanups run last-in first-out)
	if _, err := db.Migrate(ctx, p.pool); err != nil {
		t.Fatalf("private postgres: migrate: %v", err)
	}
	return p
}

// command runs one of PostgreSQL's programs, as the postgres OS user when
// the tests run as root.
func (p *fltPostgres) command(prog string, args ...string) *exec.Cmd {
	path := filepath.Join(p.bin, prog)
	var cmd *exec.Cmd
	if p.runAs != "" {
		cmd = exec.Command(p.runuser, append([]string{"-u", p.runAs, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir, cmd.Env = p.base, fltBaseEnv()
	return cmd
}

// ctl runs pg_ctl on the cluster; its server's output goes to postgres.log.
func (p *fltPostgres) ctl(args ...string) error {
	args = append([]string{"-D", p.data, "-l", filepath.Join(p.base, "postgres.log"), "-w", "-t", "60"}, args...)
	out, err := p.command("pg_ctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// start starts the server and waits until it accepts connections.
func (p *fltPostgres) start(t *testing.T) {
	t.Helper()
	if err := p.ctl("start"); err != nil {
		t.Fatalf("%v\nlog:\n%s", err, p.log())
	}
}

// stop stops the server: mode fast (sessions are ended, a clean shutdown)
// or immediate (as a crash).
func (p *fltPostgres) stop(t *testing.T, mode string) {
	t.Helper()
	if err := p.ctl("-m", mode, "stop"); err != nil {
		t.Fatalf("%v\nlog:\n%s", err, p.log())
	}
}

// log is the tail of the server's log.
func (p *fltPostgres) log() string {
	b, _ := os.ReadFile(filepath.Join(p.base, "postgres.log"))
	return fltTail(string(b), 30)
}

// stopForGood stops the server at the end of the test, by a signal to the
// postmaster if pg_ctl cannot.
func (p *fltPostgres) stopForGood(t *testing.T) {
	if t.Failed() {
		t.Logf("postgres log:\n%s", p.log())
	}
	pidFile := filepath.Join(p.data, "postmaster.pid")
	if _, err := os.Stat(pidFile); err != nil {
		return // not running
	}
	if err := p.ctl("-m", "immediate", "stop"); err == nil {
		return
	}
	if b, err := os.ReadFile(pidFile); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])); err == nil && pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("postgres (pid %d) did not stop through pg_ctl; killed", pid)
		}
	}
}

// ---- mediad -----------------------------------------------------------------

var (
	fltBinOnce sync.Once
	fltBinDir  string
	fltBinPath string
)

// fltMediadBinary builds mediad once for the whole run; TestMain removes it.
func fltMediadBinary(t *testing.T) string {
	t.Helper()
	fltBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mediad-faults-bin-")
		if err != nil {
			t.Fatal(err)
		}
		fltBinDir = dir
		fltBinPath = procBuild(t, dir)
	})
	if fltBinPath == "" {
		t.Fatal("mediad was not built (see the first fault test)")
	}
	return fltBinPath
}

// TestMain removes the mediad binary the fault tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if fltBinDir != "" {
		os.RemoveAll(fltBinDir)
	}
	os.Exit(code)
}

// fltMediad is `mediad all` running as a child process against a private
// stack. e is a harness engine pointed at it, for the request helpers.
type fltMediad struct {
	bin   string
	env   map[string]string
	e     *engine
	child *fltChild
	logs  *logBuffer // every run's output
	runs  int
}

// fltStartMediad runs `mediad all` against s with overrides and waits
// until it serves and its worker has registered with Asynq.
func fltStartMediad(t *testing.T, s *fltStack, overrides map[string]string) *fltMediad {
	t.Helper()
	httpAddr := fltAddr(fltFreePort(t))
	env := map[string]string{
		"MEDIA_HTTP_ADDR":               httpAddr,
		"MEDIA_METRICS_ADDR":            fltAddr(fltFreePort(t)),
		"MEDIA_PUBLIC_URL":              "http://" + httpAddr,
		"MEDIA_DATABASE_URL":            s.pg.url,
		"MEDIA_REDIS_ADDR":              s.redis.addr,
		"MEDIA_REDIS_DB":                "0",
		"MEDIA_S3_ENDPOINT":             s.minio.cfg.Endpoint,
		"MEDIA_S3_ACCESS_KEY":           s.minio.cfg.AccessKey,
		"MEDIA_S3_SECRET_KEY":           s.minio.cfg.SecretKey,
		"MEDIA_S3_BUCKET":               s.minio.cfg.Bucket,
		"MEDIA_URL_SIGNING_KEY":         testenv.SigningKey(),
		"MEDIA_DEV_LOGIN":               "true",
		"MEDIA_LOG_LEVEL":               "info",
		"MEDIA_QUEUE_WATCH_EVERY":       "1s",
		"MEDIA_WORKER_SHUTDOWN_TIMEOUT": "2s",
		"MEDIA_SHUTDOWN_TIMEOUT":        "5s",
	}
	for k, v := range overrides {
		env[k] = v
	}
	m := &fltMediad{bin: fltMediadBinary(t), env: env, logs: &logBuffer{}}
	m.e = &engine{t: t, base: "http://" + httpAddr, pool: s.pg.pool, blob: s.minio.store, env: env, photos: new(atomic.Int64)}
	t.Cleanup(func() {
		m.stop(t)
		if t.Failed() {
			t.Logf("mediad all log (warnings and errors, then the tail):\n%s\n---\n%s", m.problems(60), fltTail(m.logs.String(), 15))
		}
	})
	m.start(t)
	return m
}

// start runs `mediad all` (again, on the same sockets) and waits until it
// answers /healthz and its Asynq server is registered.
func (m *fltMediad) start(t *testing.T) {
	t.Helper()
	m.runs++
	fmt.Fprintf(m.logs, "=== run %d ===\n", m.runs)
	env := append(fltBaseEnv(), "HOME="+os.Getenv("HOME"), "TMPDIR="+t.TempDir())
	for k, v := range m.env {
		env = append(env, k+"="+v)
	}
	m.child = fltSpawn(t, "mediad all", "", env, m.logs, m.bin, "all")
	http.DefaultClient.CloseIdleConnections()
	in := m.e.in(t).inspector()
	ok := poll(40*time.Second, func() bool {
		if !m.child.running() {
			t.Fatalf("mediad all exited at start: %v\n%s", m.child.cmd.ProcessState, fltTail(m.logs.String(), 40))
		}
		resp, err := http.Get(m.e.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return false
		}
		srvs, err := in.Servers()
		if err != nil {
			return false
		}
		for _, s := range srvs {
			if s.PID == m.child.cmd.Process.Pid {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("mediad all did not serve and register with asynq within 40s\n%s", fltTail(m.logs.String(), 40))
	}
}

// kill SIGKILLs mediad's whole process group (its ffmpeg children too), as
// a crash or an OOM kill would.
func (m *fltMediad) kill(t *testing.T) {
	t.Helper()
	m.child.kill(t)
	http.DefaultClient.CloseIdleConnections()
}

// stop asks mediad to stop (SIGTERM) and kills it if it does not.
func (m *fltMediad) stop(t *testing.T) {
	if m.child == nil || !m.child.running() {
		return
	}
	m.child.signal(syscall.SIGTERM)
	select {
	case <-m.child.done:
	case <-time.After(30 * time.Second):
		m.child.kill(t)
		t.Errorf("mediad all (pid %d) ignored SIGTERM for 30s", m.child.cmd.Process.Pid)
	}
}

// running reports whether the current mediad process is still up.
func (m *fltMediad) running() bool { return m.child != nil && m.child.running() }

// problems lists mediad's log lines at WARN or above (at most n, the last
// ones), plus the lines about the queue watch.
func (m *fltMediad) problems(n int) string {
	return fltTail(m.grep(func(l string) bool {
		return strings.Contains(l, `"level":"WARN"`) || strings.Contains(l, `"level":"ERROR"`) ||
			strings.HasPrefix(l, "===") || !strings.HasPrefix(l, "{")
	}), n)
}

// grep returns the log lines keep accepts.
func (m *fltMediad) grep(keep func(string) bool) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(m.logs.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); keep(l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// logLines returns mediad's log lines containing every one of words.
func (m *fltMediad) logLines(words ...string) []string {
	s := m.grep(func(l string) bool {
		for _, w := range words {
			if !strings.Contains(l, w) {
				return false
			}
		}
		return true
	})
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// reconcile runs `mediad reconcile` (the deep sweep) as its own process on
// mediad's settings, with an orphan grace of a millisecond: the objects a
// fault left a moment ago count, not only those older than an hour.
func (m *fltMediad) reconcile(t *testing.T, dry bool) upload.SweepReport {
	t.Helper()
	args := []string{"reconcile"}
	if dry {
		args = append(args, "--dry-run")
	}
	cmd := exec.Command(m.bin, args...)
	cmd.Env = append(fltBaseEnv(), "HOME="+os.Getenv("HOME"), "MEDIA_ORPHAN_GRACE=1ms")
	for k, v := range m.env {
		if k != "MEDIA_ORPHAN_GRACE" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var r upload.SweepReport
	if jerr := json.Unmarshal(stdout.Bytes(), &r); err != nil || jerr != nil {
		t.Errorf("mediad %s: %v %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, jerr, stdout.String(), fltTail(stderr.String(), 20))
	}
	return r
}

// fltReadyz asks /readyz and returns the status, the down checks and the
// message.
func fltReadyz(base string) (int, []string, string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(base + "/readyz")
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return resp.StatusCode, nil, "", fmt.Errorf("readyz body: %w", err)
	}
	var down []string
	for name, st := range body.Checks {
		if st != "ok" {
			down = append(down, name)
		}
	}
	return resp.StatusCode, down, body.Error.Message, nil
}

// fltWaitNotReady waits until /readyz answers 503 naming check, and
// returns the message; it fails after 10s.
func fltWaitNotReady(t *testing.T, base, check string) string {
	t.Helper()
	var last string
	ok := poll(10*time.Second, func() bool {
		st, down, msg, err := fltReadyz(base)
		last = fmt.Sprintf("%d down=%v %q err=%v", st, down, msg, err)
		return st == 503 && strings.Contains(msg, check) && strings.Contains(strings.Join(down, ","), check)
	})
	if !ok {
		t.Errorf("/readyz while %s is down: %s, want 503 naming %s", check, last, check)
	}
	return last
}

// fltWaitReady waits (up to within) until /readyz answers 200 and returns
// how long it took; within+ when it never did.
func fltWaitReady(t *testing.T, base string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last string
	if !poll(within, func() bool {
		st, down, msg, err := fltReadyz(base)
		last = fmt.Sprintf("%d down=%v %q err=%v", st, down, msg, err)
		return st == 200
	}) {
		t.Errorf("/readyz not 200 within %s: %s", within, last)
		return within + time.Nanosecond
	}
	return time.Since(start)
}
