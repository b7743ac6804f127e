package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMDrainsInFlightRequests runs `mediad serve` as a process, starts
// an upload, sends SIGTERM half-way through the body, and checks that the
// upload still completes (202), that new connections are refused, and that
// the process exits 0.
func TestSIGTERMDrainsInFlightRequests(t *testing.T) {
	base := startEngine(t, "serve", nil)
	token := base.login("drainer")
	bin := procBuild(t, t.TempDir())
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range base.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "MEDIA_HTTP_ADDR="+addr, "MEDIA_METRICS_ADDR="+freeAddr(t), "MEDIA_PUBLIC_URL=http://"+addr)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("mediad serve log:\n%s", logs.String())
		}
	}()
	if !poll(20*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	}) {
		t.Fatal("mediad serve did not become healthy")
	}

	photo := readTestdata(t, "images/gps/DSCN0010.jpg")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", "photo")
	fw, _ := mw.CreateFormFile("file", "p.jpg")
	fw.Write(photo)
	mw.Close()

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		token, mw.FormDataContentType(), body.Len())
	half := body.Len() / 2
	conn.Write(body.Bytes()[:half])
	time.Sleep(200 * time.Millisecond) // let the server start streaming this body (setup, not an assertion)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused once the listener closes.
	if !poll(10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err != nil
	}) {
		t.Error("still accepting connections after SIGTERM")
	}
	conn.Write(body.Bytes()[half:])
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight upload after SIGTERM: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 202 {
		t.Fatalf("in-flight upload after SIGTERM: %d %s", resp.StatusCode, b)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("mediad exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("mediad did not exit within 30s of SIGTERM")
	}
}
