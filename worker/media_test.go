package worker

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/process"
	"github.com/wxalbum/mediad/upload"
)

// The handlers are tested here with fakes of their small interfaces; the
// end-to-end tests in cmd/mediad run them against the real services.

type fakeStore struct {
	mu       sync.Mutex
	items    map[string]*upload.Media
	findErr  error
	failed   map[string]string
	deleting []string
	deleted  []string
}

func (f *fakeStore) Find(_ context.Context, id string) (*upload.Media, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.findErr != nil {
		return nil, f.findErr
	}
	m, ok := f.items[id]
	if !ok {
		return nil, upload.ErrNotFound
	}
	c := *m
	return &c, nil
}

func (f *fakeStore) MarkFailed(_ context.Context, id, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed[id] = reason
	return nil
}

func (f *fakeStore) MarkDeleting(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleting = append(f.deleting, id)
	return nil
}

func (f *fakeStore) SetPlay(_ context.Context, id, status string, reason *string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.items[id]
	if !ok || m.Status != upload.StatusReady || m.PlayStatus != upload.PlayPending {
		return false, nil
	}
	m.PlayStatus, m.PlayFailReason = status, reason
	return true, nil
}

func (f *fakeStore) DeleteRow(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, id)
	return nil
}

type fakeReady struct {
	gone     bool   // the row was not processing any more
	replaced string // avatar replaced
	kind     upload.Kind
	calls    []string
	got      []upload.Ready
}

func (f *fakeReady) MarkReady(_ context.Context, id string, r upload.Ready) (*upload.Media, string, error) {
	f.calls, f.got = append(f.calls, id), append(f.got, r)
	if f.gone {
		return nil, "", nil
	}
	return &upload.Media{ID: id, Kind: f.kind, Status: upload.StatusReady}, f.replaced, nil
}

type fakeBlobs struct {
	mu      sync.Mutex
	objects map[string][]byte
	openErr error
}

func (f *fakeBlobs) Open(_ context.Context, key string, _ *blob.Range) (io.ReadCloser, blob.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.openErr != nil {
		return nil, blob.Info{}, f.openErr
	}
	b, ok := f.objects[key]
	if !ok {
		return nil, blob.Info{}, blob.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(b)), blob.Info{Key: key, Size: int64(len(b))}, nil
}

func (f *fakeBlobs) PutBytes(_ context.Context, key string, b []byte, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = b
	return nil
}

func (f *fakeBlobs) PutFile(_ context.Context, key string, r io.Reader, _ int64, _ string) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return f.PutBytes(context.Background(), key, b, "")
}

func (f *fakeBlobs) Delete(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.objects, key)
	return nil
}

func (f *fakeBlobs) DeleteMany(ctx context.Context, keys []string) (int, error) {
	for _, k := range keys {
		f.Delete(ctx, k)
	}
	return len(keys), nil
}

func (f *fakeBlobs) List(_ context.Context, prefix string, fn func(blob.Info) error) error {
	f.mu.Lock()
	var keys []string
	for k := range f.objects {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	f.mu.Unlock()
	for _, k := range keys {
		if err := fn(blob.Info{Key: k}); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeBlobs) keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ks []string
	for k := range f.objects {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

type fakeProc struct {
	err   error
	calls int
	// play: the transcode's bytes (nil: the original already plays);
	// during runs while it transcodes (an item deleted meanwhile).
	play    []byte
	during  func()
	takenAt time.Time
}

func (f *fakeProc) Play(_ context.Context, _, out string) (*process.PlayResult, error) {
	f.calls++
	if f.during != nil {
		f.during()
	}
	if f.err != nil {
		return nil, f.err
	}
	if f.play == nil {
		return &process.PlayResult{VideoCodec: "h264"}, nil
	}
	return &process.PlayResult{Transcoded: true, VideoCodec: "h264"}, os.WriteFile(out, f.play, 0o600)
}

func (f *fakeProc) Image(context.Context, []byte) (*process.ImageResult, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return &process.ImageResult{Original: []byte("o"), OriginalType: "image/jpeg", Thumb: []byte("t"),
		Preview: []byte("p"), Card: []byte("c"), Width: 4, Height: 3}, nil
}

func (f *fakeProc) Video(_ context.Context, _, out string) (*process.VideoResult, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return &process.VideoResult{Width: 4, Height: 3, DurationMS: 1000, Poster: []byte("p"), Thumb: []byte("t"),
		Preview: []byte("p"), Card: []byte("c"), TakenAt: f.takenAt}, os.WriteFile(out, []byte("stripped"), 0o600)
}

type fakeDeletes struct{ ids, plays []string }

func (f *fakeDeletes) EnqueueDelete(_ context.Context, id string) error {
	f.ids = append(f.ids, id)
	return nil
}

func (f *fakeDeletes) EnqueuePlay(_ context.Context, id string) error {
	f.plays = append(f.plays, id)
	return nil
}

// rig is a Media handler on fakes holding one processing photo "m1" whose
// raw upload is in the fake bucket.
type rig struct {
	h       *Media
	store   *fakeStore
	ready   *fakeReady
	blobs   *fakeBlobs
	proc    *fakeProc
	deletes *fakeDeletes
	last    bool // the task is on its last attempt
}

func newRig(kind upload.Kind, raw []byte) *rig {
	r := &rig{
		store: &fakeStore{items: map[string]*upload.Media{"m1": {ID: "m1", Kind: kind, Status: upload.StatusProcessing}},
			failed: map[string]string{}},
		ready:   &fakeReady{kind: kind},
		blobs:   &fakeBlobs{objects: map[string][]byte{upload.RawKey("m1"): raw}},
		proc:    &fakeProc{},
		deletes: &fakeDeletes{},
	}
	r.h = NewMedia(r.store, r.store, r.ready, r.blobs, r.proc, r.deletes, func(upload.Kind) int64 { return 100 },
		slog.New(slog.DiscardHandler))
	r.h.retrying = func(context.Context) bool { return !r.last }
	return r
}

func mediaTask(typ, payload string) *asynq.Task { return asynq.NewTask(typ, []byte(payload)) }

func TestPoisonPayloadsAreNotRetried(t *testing.T) {
	r := newRig(upload.KindPhoto, []byte("raw"))
	jobs := &Jobs{}
	handlers := map[string]asynq.HandlerFunc{
		TypeProcessMedia: r.h.ProcessTask, TypeDeleteMedia: r.h.DeleteTask, TypePlayMedia: r.h.PlayTask,
		TypeDissolveAlbum: jobs.Dissolve, TypeDeleteAccount: jobs.DeleteAccount, TypeBuildExport: jobs.BuildExport,
	}
	for typ, h := range handlers {
		for _, p := range []string{"", "not json", "{}", `{"media_id":""}`, `{"album_id":1}`, `{"id":""}`} {
			err := h(context.Background(), mediaTask(typ, p))
			if !errors.Is(err, asynq.SkipRetry) {
				t.Errorf("%s with payload %q: err = %v, want SkipRetry", typ, p, err)
			}
		}
	}
	if r.proc.calls != 0 || len(r.store.failed) != 0 {
		t.Errorf("a poison payload did work: %d process calls, failed %v", r.proc.calls, r.store.failed)
	}
}

func TestProcessTaskReadyStoresVariantsAndDropsRaw(t *testing.T) {
	r := newRig(upload.KindPhoto, []byte("raw photo"))
	if err := r.h.ProcessTask(context.Background(), mediaTask(TypeProcessMedia, `{"media_id":"m1"}`)); err != nil {
		t.Fatal(err)
	}
	want := []string{"media/m1/card", "media/m1/original", "media/m1/preview", "media/m1/thumb"}
	if diff := cmp.Diff(want, r.blobs.keys()); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	if !slices.Equal(r.ready.calls, []string{"m1"}) {
		t.Errorf("MarkReady calls %v", r.ready.calls)
	}
}

func TestProcessTaskReplacedAvatarIsDeleted(t *testing.T) {
	r := newRig(upload.KindAvatar, []byte("raw avatar"))
	r.ready.replaced = "old"
	if err := r.h.ProcessTask(context.Background(), mediaTask(TypeProcessMedia, `{"media_id":"m1"}`)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.store.deleting, []string{"old"}) || !slices.Equal(r.deletes.ids, []string{"old"}) {
		t.Errorf("old avatar: marked %v, enqueued %v", r.store.deleting, r.deletes.ids)
	}
}

func TestProcessTaskOutcomes(t *testing.T) {
	for _, c := range []struct {
		name       string
		raw        []byte
		procErr    error
		last       bool
		wantReason string // "" : not failed
		skip       bool   // SkipRetry expected
		retry      bool   // the error is returned for asynq to retry
	}{
		{name: "corrupt input fails at once", raw: []byte("x"), procErr: process.ErrCorrupt, wantReason: "corrupt", skip: true},
		{name: "a bomb fails at once", raw: []byte("x"), procErr: process.ErrTooManyPixels, wantReason: "too_many_pixels", skip: true},
		{name: "a transient fault is retried", raw: []byte("x"), procErr: errors.New("minio: connection reset"), retry: true},
		{name: "a transient fault on the last attempt fails", raw: []byte("x"), procErr: errors.New("minio: connection reset"),
			last: true, wantReason: "internal", skip: true},
		{name: "a raw image over the kind's limit fails, never truncated", raw: bytes.Repeat([]byte("x"), 101),
			wantReason: ReasonTooLarge, skip: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(upload.KindPhoto, c.raw)
			r.proc.err, r.last = c.procErr, c.last
			err := r.h.ProcessTask(context.Background(), mediaTask(TypeProcessMedia, `{"media_id":"m1"}`))
			if got := errors.Is(err, asynq.SkipRetry); got != c.skip {
				t.Errorf("err = %v, SkipRetry %v, want %v", err, got, c.skip)
			}
			if c.retry && err == nil {
				t.Error("a transient fault was swallowed")
			}
			if got := r.store.failed["m1"]; got != c.wantReason {
				t.Errorf("fail reason %q, want %q", got, c.wantReason)
			}
			rawLeft := slices.Contains(r.blobs.keys(), upload.RawKey("m1"))
			if c.wantReason != "" && rawLeft {
				t.Error("the raw upload of a failed item was kept")
			}
			if c.retry && !rawLeft {
				t.Error("the raw upload was deleted although the task will be retried")
			}
			if c.wantReason == ReasonTooLarge && r.proc.calls != 0 {
				t.Error("an image over the limit reached the decoder")
			}
		})
	}
}

func TestProcessTaskSkipsWhatIsGoneOrDone(t *testing.T) {
	// Deleted meanwhile: nothing to do, nothing retried.
	r := newRig(upload.KindPhoto, []byte("raw"))
	delete(r.store.items, "m1")
	if err := r.h.ProcessTask(context.Background(), mediaTask(TypeProcessMedia, `{"media_id":"m1"}`)); err != nil || r.proc.calls != 0 {
		t.Errorf("deleted item: err %v, %d process calls", err, r.proc.calls)
	}
	// Done by an earlier run: only a leftover raw copy goes.
	r = newRig(upload.KindPhoto, []byte("raw"))
	r.store.items["m1"].Status = upload.StatusReady
	if err := r.h.ProcessTask(context.Background(), mediaTask(TypeProcessMedia, `{"media_id":"m1"}`)); err != nil || r.proc.calls != 0 {
		t.Errorf("ready item: err %v, %d process calls", err, r.proc.calls)
	}
	if keys := r.blobs.keys(); len(keys) != 0 {
		t.Errorf("ready item: objects left %v", keys)
	}
	// Deleted (or its album dissolving) while it ran: what it wrote goes.
	r = newRig(upload.KindPhoto, []byte("raw"))
	r.ready.gone = true
	if err := r.h.ProcessTask(context.Background(), mediaTask(TypeProcessMedia, `{"media_id":"m1"}`)); err != nil {
		t.Fatal(err)
	}
	if keys := r.blobs.keys(); len(keys) != 0 {
		t.Errorf("item gone during the run: objects left %v", keys)
	}
	// A database fault is returned to be retried.
	r = newRig(upload.KindPhoto, []byte("raw"))
	r.store.findErr = errors.New("postgres: connection refused")
	if err := r.h.ProcessTask(context.Background(), mediaTask(TypeProcessMedia, `{"media_id":"m1"}`)); err == nil || errors.Is(err, asynq.SkipRetry) {
		t.Errorf("database fault: err %v, want a retryable error", err)
	}
}

func TestDeleteTask(t *testing.T) {
	r := newRig(upload.KindPhoto, []byte("raw"))
	r.blobs.objects["media/m1/original"] = []byte("o")
	r.blobs.objects["media/m1/thumb"] = []byte("t")
	// Not deleting: a stray task that must not run again.
	if err := r.h.DeleteTask(context.Background(), mediaTask(TypeDeleteMedia, `{"media_id":"m1"}`)); !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("item not deleting: err %v, want SkipRetry", err)
	}
	r.store.items["m1"].Status = upload.StatusDeleting
	if err := r.h.DeleteTask(context.Background(), mediaTask(TypeDeleteMedia, `{"media_id":"m1"}`)); err != nil {
		t.Fatal(err)
	}
	if keys := r.blobs.keys(); len(keys) != 0 || !slices.Equal(r.store.deleted, []string{"m1"}) {
		t.Errorf("objects left %v, rows deleted %v", keys, r.store.deleted)
	}
	// Gone already: done.
	delete(r.store.items, "m1")
	if err := r.h.DeleteTask(context.Background(), mediaTask(TypeDeleteMedia, `{"media_id":"m1"}`)); err != nil {
		t.Errorf("gone item: %v", err)
	}
}
