package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMDrainsInFlightRequests runs `mediad serve` as a process, starts
// an upload, sends SIGTERM while the handler is streaming the body to
// storage, and checks that the upload still completes (202), that new
// connections are refused, and that the process exits 0.
//
// "Streaming" is observed, not assumed: the child talks to MinIO through a
// proxy, parts are 5 MiB, and SIGTERM goes out once the proxy has seen the
// multipart upload start, which happens only after the handler has read the
// first 5 MiB of the file from the client.
func TestSIGTERMDrainsInFlightRequests(t *testing.T) {
	base := startEngine(t, "serve", nil)
	token := base.login("drainer")
	minio := newTCPProxy(t, base.env["MEDIA_S3_ENDPOINT"])
	child := spawnServe(t, base, map[string]string{"MEDIA_S3_ENDPOINT": minio.addr, "MEDIA_S3_PART_SIZE": "5MiB"})

	// A 6 MiB photo: the phone JPEG padded after its end (stripped later).
	photo := append(readTestdata(t, "images/phone/iphone_hdr_NO.jpg"), make([]byte, 6<<20)...)[:6<<20]
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", "photo")
	fw, _ := mw.CreateFormFile("file", "p.jpg")
	fw.Write(photo)
	mw.Close()

	conn, err := net.Dial("tcp", child.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		token, mw.FormDataContentType(), body.Len())
	held := body.Len() - 256<<10 // the last 256 KiB wait until after SIGTERM
	started := minio.seen("?uploads")
	if _, err := conn.Write(body.Bytes()[:held]); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the upload never reached MinIO: the handler is not streaming")
	}
	if err := child.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused once the listener closes.
	if !poll(10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", child.addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err != nil
	}) {
		t.Error("still accepting connections after SIGTERM")
	}
	if _, err := conn.Write(body.Bytes()[held:]); err != nil {
		t.Fatalf("rest of the body after SIGTERM: %v", err)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight upload after SIGTERM: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 202 {
		t.Fatalf("in-flight upload after SIGTERM: %d %s", resp.StatusCode, b)
	}
	select {
	case err := <-child.exited:
		if err != nil {
			t.Fatalf("mediad exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("mediad did not exit within 30s of SIGTERM")
	}
}

// servedChild is `mediad serve` running as a child process.
type servedChild struct {
	cmd    *exec.Cmd
	addr   string // where it listens, from its log
	logs   *logBuffer
	exited chan error
}

// spawnServe builds mediad and runs `mediad serve` with base's settings plus
// overrides on 127.0.0.1:0; it returns once the child logged the address it
// bound and answers /healthz there. Output is collected by a synchronised
// buffer, read while the child still writes.
func spawnServe(t *testing.T, base *engine, overrides map[string]string) *servedChild {
	t.Helper()
	bin := procBuild(t, t.TempDir())
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	env := map[string]string{}
	for k, v := range base.env {
		env[k] = v
	}
	for k, v := range overrides {
		env[k] = v
	}
	env["MEDIA_HTTP_ADDR"], env["MEDIA_METRICS_ADDR"], env["MEDIA_LOG_LEVEL"] = "127.0.0.1:0", "127.0.0.1:0", "info"
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &servedChild{cmd: cmd, logs: &logBuffer{}, exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = c.logs, c.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("mediad serve log:\n%s", c.logs.String())
		}
	})
	if !poll(30*time.Second, func() bool { c.addr = listeningAddr(c.logs.String()); return c.addr != "" }) {
		t.Fatal("mediad serve did not log the address it listens on")
	}
	if !poll(20*time.Second, func() bool {
		resp, err := http.Get("http://" + c.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	}) {
		t.Fatal("mediad serve did not become healthy")
	}
	return c
}

// listeningAddr finds the API address in mediad's "http listening" log line.
func listeningAddr(logs string) string {
	for _, line := range strings.Split(logs, "\n") {
		var l struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "http listening" {
			return l.Addr
		}
	}
	return ""
}
