package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// openers is how many goroutines open the share link; at about three
// opens a second each they stay under the per-address public limit.
const openers = 2

// uploaders is how many users upload at once.
const uploaders = 4

// accepted is an upload answered 202.
type accepted struct {
	ID, User, Album string
	Video           bool // a chunked video (else a multipart photo)
	At              time.Time
}

// workload is the traffic that runs while faults happen.
type workload struct {
	api     *api
	rec     *recorder
	started time.Time

	uploaders []*user
	albums    []string // uploaders[i]'s album
	link      string   // token of a link to uploaders[0]'s album
	photos    [][]byte
	video     []byte

	mu       sync.Mutex
	accepted []accepted
	seq      uint64

	// The album dissolved and the export built during the faults.
	dis dissolution
	exp export
}

type dissolution struct {
	owner        *user
	album, title string
	items        []string
	requested    bool
}

type export struct {
	owner *user
	items []string
	id    string
}

func newWorkload(ctx context.Context, a *api, o options) (*workload, error) {
	w := &workload{api: a, rec: &recorder{}, started: time.Now()}
	var err error
	if w.photos, w.video, err = inputs(); err != nil {
		return nil, err
	}
	run := w.started.Format("150405")
	for i := range uploaders {
		u, err := a.login(ctx, w.rec, fmt.Sprintf("chaos-%s-%d", run, i))
		if err != nil {
			return nil, err
		}
		album, err := w.album(ctx, u, fmt.Sprintf("Chaos %d", i))
		if err != nil {
			return nil, err
		}
		w.uploaders, w.albums = append(w.uploaders, u), append(w.albums, album)
	}
	var l struct {
		Token string `json:"token"`
	}
	if _, err := a.json(ctx, w.rec, "setup", "POST", "/v1/shares", w.uploaders[0].token,
		map[string]any{"album_id": w.albums[0], "expires_in": 86400}, []int{201}, &l); err != nil {
		return nil, err
	}
	w.link = l.Token
	if err := w.prepareDissolution(ctx, run); err != nil {
		return nil, err
	}
	return w, w.prepareExport(ctx, run)
}

// inputs reads the GPS-tagged photos and the video with a location atom.
func inputs() ([][]byte, []byte, error) {
	paths, _ := filepath.Glob("testdata/images/gps/*.jpg")
	if len(paths) == 0 {
		return nil, nil, fmt.Errorf("no photos under testdata/images/gps (run from the repository root)")
	}
	var photos [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, err
		}
		photos = append(photos, b)
	}
	video, err := os.ReadFile("testdata/video/location_udta.mp4")
	if err != nil {
		return nil, nil, err
	}
	// Padded past one part so the upload really is chunked.
	return photos, append(video, make([]byte, 6<<20)...), nil
}

func (w *workload) album(ctx context.Context, u *user, title string) (string, error) {
	var out struct {
		Album struct {
			ID string `json:"id"`
		} `json:"album"`
	}
	_, err := w.api.json(ctx, w.rec, "setup", "POST", "/v1/albums", u.token,
		map[string]string{"title": title, "default_visibility": "link"}, []int{201}, &out)
	return out.Album.ID, err
}

// photo returns a distinct photo: bytes after the JPEG's end differ, so
// no two uploads are deduplicated (processing drops the trailer).
func (w *workload) photo() []byte {
	w.mu.Lock()
	w.seq++
	n := w.seq
	w.mu.Unlock()
	p := w.photos[n%uint64(len(w.photos))]
	return binary.BigEndian.AppendUint64(append([]byte(nil), p...), n)
}

// videoCopy returns a distinct video: its padding ends in a sequence
// number, so no two chunked uploads are deduplicated either.
func (w *workload) videoCopy() []byte {
	w.mu.Lock()
	w.seq++
	n := w.seq
	w.mu.Unlock()
	v := append([]byte(nil), w.video...)
	binary.BigEndian.PutUint64(v[len(v)-8:], n)
	return v
}

// uploadReady uploads n photos for u into album and waits until they are
// ready (before any fault: these are the fixed sets the receipts count).
func (w *workload) uploadReady(ctx context.Context, u *user, album string, n int) ([]string, error) {
	var ids []string
	for range n {
		id, err := w.api.upload(ctx, w.rec, u, album, w.photo())
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		if err := waitStatus(ctx, w.api, w.rec, u, id); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func (w *workload) prepareDissolution(ctx context.Context, run string) error {
	u, err := w.api.login(ctx, w.rec, "chaos-"+run+"-owner")
	if err != nil {
		return err
	}
	w.dis = dissolution{owner: u, title: "Chaos dissolved " + run}
	if w.dis.album, err = w.album(ctx, u, w.dis.title); err != nil {
		return err
	}
	w.dis.items, err = w.uploadReady(ctx, u, w.dis.album, 4)
	return err
}

func (w *workload) prepareExport(ctx context.Context, run string) error {
	u, err := w.api.login(ctx, w.rec, "chaos-"+run+"-export")
	if err != nil {
		return err
	}
	w.exp.owner = u
	w.exp.items, err = w.uploadReady(ctx, u, "", 3)
	return err
}

// waitStatus polls an item until it is ready, for at most two minutes.
func waitStatus(ctx context.Context, a *api, rec *recorder, u *user, id string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var out struct {
			Media struct {
				Status string `json:"status"`
			} `json:"media"`
		}
		if _, err := a.json(ctx, rec, "setup", "GET", "/v1/media/"+id, u.token, nil, []int{200}, &out); err == nil && out.Media.Status == "ready" {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("item %s not ready within 2 minutes", id)
}

// start runs the uploaders and the link openers until ctx ends; the
// returned channel closes when all have stopped.
func (w *workload) start(ctx context.Context) <-chan struct{} {
	var wg sync.WaitGroup
	for i, u := range w.uploaders {
		wg.Add(1)
		go func() { defer wg.Done(); w.uploadLoop(ctx, u, w.albums[i]) }()
	}
	for range openers {
		wg.Add(1)
		go func() { defer wg.Done(); w.openLoop(ctx) }()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// uploadLoop uploads a photo about every second, and every sixth time a
// chunked video instead.
func (w *workload) uploadLoop(ctx context.Context, u *user, album string) {
	for i := 1; ctx.Err() == nil; i++ {
		var id string
		var err error
		if i%6 == 0 {
			id, err = w.api.chunked(ctx, w.rec, u, album, w.videoCopy())
		} else {
			id, err = w.api.upload(ctx, w.rec, u, album, w.photo())
		}
		if err == nil && id != "" {
			w.mu.Lock()
			w.accepted = append(w.accepted, accepted{ID: id, User: u.name, Album: album, Video: i%6 == 0, At: time.Now()})
			w.mu.Unlock()
		}
		pause(ctx, time.Second)
	}
}

func (w *workload) openLoop(ctx context.Context) {
	for ctx.Err() == nil {
		w.api.json(ctx, w.rec, "open", "GET", "/v1/public/shares/"+w.link, "", nil, []int{200}, nil)
		pause(ctx, 300*time.Millisecond)
	}
}

// dissolve asks for the album's dissolution until an answer says it
// started (a lost answer to an accepted request shows as 404 next time).
func (w *workload) dissolve(ctx context.Context) error {
	return retry(ctx, func() error {
		st, err := w.api.json(ctx, w.rec, "dissolve", "DELETE", "/v1/albums/"+w.dis.album, w.dis.owner.token,
			map[string]string{"confirm_title": w.dis.title}, []int{202}, nil)
		if err == nil || (st == 404 && w.dis.requested) {
			w.dis.requested = true
			return nil
		}
		w.dis.requested = w.dis.requested || st == 0 || st >= 500 // it may have committed
		return err
	})
}

// startExport asks for the export owner's export until one is accepted.
func (w *workload) startExport(ctx context.Context) error {
	return retry(ctx, func() error {
		var out struct {
			ID string `json:"id"`
		}
		_, err := w.api.json(ctx, w.rec, "export", "POST", "/v1/me/exports", w.exp.owner.token, nil, []int{202}, &out)
		if err == nil {
			w.exp.id = out.ID
		}
		return err
	})
}

func (w *workload) acceptedSoFar() []accepted {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]accepted(nil), w.accepted...)
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
