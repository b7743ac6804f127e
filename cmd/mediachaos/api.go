package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sync"
	"time"
)

// httpClient goes through HAProxy; a request that outlives a fault by
// far counts as failed rather than hanging the run.
var httpClient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
	MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second,
}}

// api is the cluster's public address.
type api struct{ base string }

// user is a signed-in API user.
type user struct {
	name, token, id string
}

// call is one request's outcome, as the workload records it.
type call struct {
	at     time.Time
	op     string
	status int // 0: no answer (connection refused, reset, timeout)
	err    string
}

// failed: no answer, a 5xx, or a status the operation never expects.
func (c call) failed() bool { return c.err != "" }

// recorder keeps every call of the run.
type recorder struct {
	mu    sync.Mutex
	calls []call
}

func (r *recorder) add(c call) {
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
}

func (r *recorder) all() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

// do sends a request; want lists the statuses that are success. The
// answer body is decoded into out when the status is wanted.
func (a *api) do(ctx context.Context, rec *recorder, op string, req *http.Request, tok string, want []int, out any) (int, error) {
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	c := call{at: time.Now(), op: op}
	resp, err := httpClient.Do(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err() // the run ended: not a failure
		}
		c.err = err.Error()
		rec.add(c)
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.status = resp.StatusCode
	ok := false
	for _, w := range want {
		ok = ok || w == resp.StatusCode
	}
	if !ok {
		c.err = fmt.Sprintf("%s %s: HTTP %d: %.200s", req.Method, req.URL.Path, resp.StatusCode, b)
		rec.add(c)
		return c.status, fmt.Errorf("%s: %s", op, c.err)
	}
	rec.add(c)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return c.status, fmt.Errorf("%s: %w", op, err)
		}
	}
	return c.status, nil
}

// json sends a JSON request.
func (a *api) json(ctx context.Context, rec *recorder, op, method, path, tok string, in any, want []int, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return a.do(ctx, rec, op, req, tok, want, out)
}

// login signs in through the dev login (on in the cluster's mediad only).
func (a *api) login(ctx context.Context, rec *recorder, name string) (*user, error) {
	var s struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if _, err := a.json(ctx, rec, "login", "POST", "/v1/auth/dev", "", map[string]string{"name": name}, []int{200, 201}, &s); err != nil {
		return nil, err
	}
	return &user{name: name, token: s.Token, id: s.User.ID}, nil
}

// mediaRef is what an accepted upload answers.
type mediaRef struct {
	Media struct {
		ID string `json:"id"`
	} `json:"media"`
}

// upload posts one photo as wx.uploadFile does (multipart) and returns the
// item id when it was accepted (202).
func (a *api) upload(ctx context.Context, rec *recorder, u *user, album string, photo []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "photo.jpg")
	fw.Write(photo)
	mw.Close()
	req, err := http.NewRequest("POST", a.base+"/v1/media?kind=photo&album_id="+album, &buf)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var out mediaRef
	_, err = a.do(ctx, rec, "upload", req, u.token, []int{202}, &out)
	return out.Media.ID, err
}

// chunked uploads data as a resumable upload (start, parts, complete) and
// returns the item id once completion was accepted (202). A part or the
// completion that failed is tried again, as the mini-program SDK does,
// for as long as ctx allows.
func (a *api) chunked(ctx context.Context, rec *recorder, u *user, album string, data []byte) (string, error) {
	var up struct {
		UploadID string `json:"upload_id"`
		PartSize int    `json:"part_size"`
	}
	if _, err := a.json(ctx, rec, "chunked", "POST", "/v1/uploads", u.token,
		map[string]any{"kind": "video", "size": len(data), "album_id": album}, []int{201}, &up); err != nil {
		return "", err
	}
	for n, off := 1, 0; off < len(data); n, off = n+1, off+up.PartSize {
		part := data[off:min(off+up.PartSize, len(data))]
		if err := retry(ctx, func() error {
			req, err := http.NewRequest("PUT", fmt.Sprintf("%s/v1/uploads/%s/parts/%d", a.base, up.UploadID, n), bytes.NewReader(part))
			if err != nil {
				return err
			}
			_, err = a.do(ctx, rec, "chunked", req, u.token, []int{200}, nil)
			return err
		}); err != nil {
			return "", err
		}
	}
	var out mediaRef
	err := retry(ctx, func() error {
		_, err := a.json(ctx, rec, "chunked", "POST", "/v1/uploads/"+up.UploadID+"/complete", u.token, nil, []int{202}, &out)
		return err
	})
	return out.Media.ID, err
}

// retry calls f until it succeeds, every second, for at most two minutes.
func retry(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := f()
		if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
