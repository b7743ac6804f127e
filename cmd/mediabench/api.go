package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// httpClient is shared by every API call: enough idle connections for the
// 100-upload burst, no timeouts beyond each call's context.
var httpClient = &http.Client{Transport: &http.Transport{
	MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute,
	DisableCompression: true, WriteBufferSize: 256 << 10, ReadBufferSize: 64 << 10,
}}

// client is a signed-in API user.
type client struct {
	token, userID string
}

// apiError is a non-2xx answer.
type apiError struct {
	status int
	body   string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

// login signs in through the dev login (MEDIA_DEV_LOGIN, on only in
// mediabench's own mediad), creating the user on first use. Each call is a
// fresh session.
func login(ctx context.Context, name string) (*client, error) {
	var s struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := (&client{}).call(ctx, "POST", "/v1/auth/dev", map[string]string{"name": name}, &s); err != nil {
		return nil, fmt.Errorf("dev login %s: %w", name, err)
	}
	return &client{token: s.Token, userID: s.User.ID}, nil
}

// call sends a JSON request and decodes a JSON answer into out (if not nil).
func (c *client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, baseURL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, out)
}

func (c *client) send(req *http.Request, out any) error {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &apiError{status: resp.StatusCode, body: strings.TrimSpace(string(b))}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// mediaView is the part of GET /v1/media/:id the benchmark reads.
type mediaView struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	FailReason string `json:"fail_reason"`
}

// upload posts one file as multipart/form-data to POST /v1/media, streamed
// with a known Content-Length; query carries kind (and album, visibility).
func (c *client) upload(ctx context.Context, query string, content io.Reader, size int64) (*mediaView, error) {
	body, n, ctype := multipartBody(content, size)
	req, err := http.NewRequestWithContext(ctx, "POST", baseURL+"/v1/media?"+query, body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", ctype)
	var out struct {
		Media mediaView `json:"media"`
	}
	if err := c.send(req, &out); err != nil {
		return nil, err
	}
	return &out.Media, nil
}

// readyTimeout bounds the wait for one item: a lost task must fail the
// scenario, not hang the run.
const readyTimeout = 5 * time.Minute

// errFailed is an item that processing marked failed.
var errFailed = errors.New("processing failed")

// waitReady polls GET /v1/media/:id until the item is ready and returns
// when that was seen.
func (c *client) waitReady(ctx context.Context, id string, every time.Duration) (time.Time, error) {
	deadline := time.Now().Add(readyTimeout)
	for {
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%s not ready after %s (is another process using Redis DB %d?)", id, readyTimeout, benchRedisDB)
		}
		var out struct {
			Media mediaView `json:"media"`
		}
		if err := c.call(ctx, "GET", "/v1/media/"+id, nil, &out); err != nil {
			return time.Time{}, err
		}
		switch out.Media.Status {
		case "ready":
			return time.Now(), nil
		case "failed":
			return time.Time{}, fmt.Errorf("%s: %w (%s)", id, errFailed, out.Media.FailReason)
		}
		if err := sleep(ctx, every); err != nil {
			return time.Time{}, err
		}
	}
}

// pollUntil calls check every interval until it reports done.
func pollUntil(ctx context.Context, every time.Duration, check func() (bool, error)) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		if time.Now().After(deadline) {
			return fmt.Errorf("not finished after %s", readyTimeout)
		}
		done, err := check()
		if err != nil || done {
			return err
		}
		if err := sleep(ctx, every); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// probe reports errNotBuilt when mediad has no route for method+path: an
// unregistered route answers 404 "No such route.", a registered one that
// needs a session answers 401.
func probe(ctx context.Context, routes ...string) error {
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		err := (&client{}).call(ctx, method, path, nil, nil)
		var ae *apiError
		if errors.As(err, &ae) && ae.status == http.StatusNotFound && strings.Contains(ae.body, "No such route") {
			return fmt.Errorf("%w: mediad has no route %s", errNotBuilt, r)
		}
	}
	return nil
}
