package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/process"
	"github.com/wxalbum/mediad/upload"
)

// MediaStore is what the media handlers need from upload's store.
type MediaStore interface {
	Find(ctx context.Context, id string) (*upload.Media, error)
	MarkFailed(ctx context.Context, id, reason string) error
	MarkDeleting(ctx context.Context, id string) error
	DeleteRow(ctx context.Context, id string) error
}

// ReadyRecorder turns an item ready together with its effects on other
// owners' rows (ReadyTx); it returns the item (nil when it was not
// processing any more) and an avatar it replaced.
type ReadyRecorder interface {
	MarkReady(ctx context.Context, id string, r upload.Ready) (m *upload.Media, replaced string, err error)
}

// MediaBlobs is what the media handlers need from the object store.
type MediaBlobs interface {
	Open(ctx context.Context, key string, rng *blob.Range) (io.ReadCloser, blob.Info, error)
	PutBytes(ctx context.Context, key string, b []byte, contentType string) error
	PutFile(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Delete(ctx context.Context, key string) error
	DeleteMany(ctx context.Context, keys []string) (int, error)
	List(ctx context.Context, prefix string, fn func(blob.Info) error) error
}

// Processor strips and derives (process.Processor).
type Processor interface {
	Image(ctx context.Context, raw []byte) (*process.ImageResult, error)
	Video(ctx context.Context, inPath, outPath string) (*process.VideoResult, error)
	Play(ctx context.Context, inPath, outPath string) (*process.PlayResult, error)
}

// Deletes queues removal of an item's objects and a video's play variant
// (Client).
type Deletes interface {
	EnqueueDelete(ctx context.Context, mediaID string) error
	EnqueuePlay(ctx context.Context, mediaID string) error
}

// ReasonTooLarge is the fail reason of a raw image larger than its kind's
// upload limit (which the upload itself enforces; this guards the worker).
const ReasonTooLarge = "too_large"

// Media processes and deletes media items.
type Media struct {
	store   MediaStore
	plays   PlayStore
	ready   ReadyRecorder
	blobs   MediaBlobs
	proc    Processor
	deletes Deletes
	log     *slog.Logger
	maxSize func(upload.Kind) int64 // the upload limit of a kind (MEDIA_UPLOAD_MAX_*)
	// retrying says whether a failing task will be tried again (Retrying;
	// tests stand in for asynq's context).
	retrying func(context.Context) bool
}

// NewMedia returns the media task handlers; maxSize is the upload limit of
// each kind, which bounds how much of a raw image is read into memory.
func NewMedia(store MediaStore, plays PlayStore, ready ReadyRecorder, blobs MediaBlobs, proc Processor, deletes Deletes, maxSize func(upload.Kind) int64, log *slog.Logger) *Media {
	return &Media{store: store, plays: plays, ready: ready, blobs: blobs, proc: proc, deletes: deletes, maxSize: maxSize, log: log, retrying: Retrying}
}

// ProcessTask handles media:process. It is idempotent: derived objects go
// to deterministic keys and the row turns ready only from processing. Input
// that can never succeed is marked failed with its reason and not retried;
// a transient fault is returned to be retried, and on the last attempt the
// item is marked failed so it is never stuck in processing. The raw upload
// is deleted after success and after failure.
func (h *Media) ProcessTask(ctx context.Context, t *asynq.Task) error {
	m, err := h.find(ctx, t)
	if m == nil || err != nil {
		return err // nil: deleted meanwhile
	}
	if m.Status != upload.StatusProcessing {
		return h.dropRaw(ctx, m.ID) // done before; make sure no raw copy stays
	}
	res, err := h.process(ctx, m)
	if err != nil {
		return h.fail(ctx, m, err)
	}
	done, replaced, err := h.ready.MarkReady(ctx, m.ID, *res)
	if err != nil {
		return err
	}
	if done == nil {
		return h.discardIfGone(ctx, m.ID)
	}
	if replaced != "" {
		if err := h.store.MarkDeleting(ctx, replaced); err == nil {
			_ = h.deletes.EnqueueDelete(ctx, replaced) // a lost enqueue is found by the sweep
		}
	}
	if done.Kind == upload.KindVideo {
		_ = h.deletes.EnqueuePlay(ctx, done.ID) // a lost enqueue is found by the sweep
	}
	return h.dropRaw(ctx, m.ID)
}

func (h *Media) fail(ctx context.Context, m *upload.Media, err error) error {
	reason, permanent := failReason(err)
	if !permanent && h.retrying(ctx) {
		return err
	}
	h.log.Warn("processing failed", "media_id", m.ID, "reason", reason, "err", err)
	if merr := h.store.MarkFailed(ctx, m.ID, reason); merr != nil {
		return merr
	}
	if derr := h.dropRaw(ctx, m.ID); derr != nil {
		return derr
	}
	return fmt.Errorf("media %s: %s: %w", m.ID, reason, asynq.SkipRetry)
}

// failReason is the stored reason of a processing error and whether the
// input can never succeed.
func failReason(err error) (string, bool) {
	var tl *tooLargeError
	switch {
	case errors.As(err, &tl):
		return ReasonTooLarge, true
	case process.Permanent(err):
		return process.Reason(err), true
	}
	return process.ReasonInternal, false
}

// discardIfGone removes what this run wrote when the item was deleted, or
// its album started dissolving (the row is then still processing), while it
// ran, so no derivative outlives its row.
func (h *Media) discardIfGone(ctx context.Context, id string) error {
	m, err := h.store.Find(ctx, id)
	if err != nil && !errors.Is(err, upload.ErrNotFound) {
		return err
	}
	if m != nil && m.Status != upload.StatusDeleting && m.Status != upload.StatusProcessing {
		return h.dropRaw(ctx, id) // finished by an earlier run: keep its objects
	}
	return h.removeAll(ctx, id)
}

// removeAll deletes every object of an item: variants and raw upload.
func (h *Media) removeAll(ctx context.Context, id string) error {
	keys := []string{upload.RawKey(id)}
	err := h.blobs.List(ctx, upload.ObjectPrefix(id), func(i blob.Info) error {
		keys = append(keys, i.Key)
		return nil
	})
	if err != nil {
		return err
	}
	_, err = h.blobs.DeleteMany(ctx, keys)
	return err
}

func (h *Media) dropRaw(ctx context.Context, id string) error {
	return h.blobs.Delete(ctx, upload.RawKey(id))
}

func (h *Media) process(ctx context.Context, m *upload.Media) (*upload.Ready, error) {
	if m.Kind == upload.KindVideo {
		return h.video(ctx, m)
	}
	return h.image(ctx, m)
}

// tooLargeError is a raw image above its kind's limit.
type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("raw image larger than the upload limit of %d bytes", e.limit)
}

func (h *Media) image(ctx context.Context, m *upload.Media) (*upload.Ready, error) {
	rc, _, err := h.blobs.Open(ctx, upload.RawKey(m.ID), nil)
	if err != nil {
		return nil, err
	}
	limit := h.maxSize(m.Kind)
	raw, err := io.ReadAll(io.LimitReader(rc, limit+1))
	rc.Close()
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > limit {
		return nil, &tooLargeError{limit: limit} // never a truncated decode
	}
	res, err := h.proc.Image(ctx, raw)
	if err != nil {
		return nil, err
	}
	for v, b := range map[upload.Variant][]byte{upload.VariantOriginal: res.Original,
		upload.VariantPreview: res.Preview, upload.VariantThumb: res.Thumb, upload.VariantCard: res.Card} {
		ct := "image/jpeg"
		if v == upload.VariantOriginal {
			ct = res.OriginalType
		}
		if err := h.blobs.PutBytes(ctx, upload.ObjectKey(m.ID, v), b, ct); err != nil {
			return nil, err
		}
	}
	r := &upload.Ready{Width: res.Width, Height: res.Height, Placeholder: res.Placeholder, ServedType: res.OriginalType}
	r.TakenAt, r.TakenAtSource = upload.TakenAt(res.TakenAt, upload.TakenFromEXIF, m.CreatedAt, time.Now())
	return r, nil
}

// video needs seekable files for ffmpeg: the raw upload is copied to a
// private temporary file that is removed when the task ends.
func (h *Media) video(ctx context.Context, m *upload.Media) (*upload.Ready, error) {
	dir, err := os.MkdirTemp("", "mediad-video-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := dir+"/in", dir+"/out.mp4"
	if err := h.download(ctx, upload.RawKey(m.ID), in); err != nil {
		return nil, err
	}
	res, err := h.proc.Video(ctx, in, out)
	if err != nil {
		return nil, err
	}
	if err := h.upload(ctx, upload.ObjectKey(m.ID, upload.VariantOriginal), out, "video/mp4"); err != nil {
		return nil, err
	}
	for v, b := range map[upload.Variant][]byte{upload.VariantPoster: res.Poster,
		upload.VariantPreview: res.Preview, upload.VariantThumb: res.Thumb, upload.VariantCard: res.Card} {
		if err := h.blobs.PutBytes(ctx, upload.ObjectKey(m.ID, v), b, "image/jpeg"); err != nil {
			return nil, err
		}
	}
	dur := res.DurationMS
	r := &upload.Ready{Width: res.Width, Height: res.Height, DurationMS: &dur, Placeholder: res.Placeholder, ServedType: "video/mp4"}
	r.TakenAt, r.TakenAtSource = upload.TakenAt(res.TakenAt, upload.TakenFromVideo, m.CreatedAt, time.Now())
	return r, nil
}

// find reads the item a media task names; nil (and no error) when it is
// gone: there is nothing left to do.
func (h *Media) find(ctx context.Context, t *asynq.Task) (*upload.Media, error) {
	id, err := parseMedia(t)
	if err != nil {
		return nil, err
	}
	m, err := h.store.Find(ctx, id)
	if errors.Is(err, upload.ErrNotFound) {
		return nil, nil
	}
	return m, err
}

// upload stores the file at path under key.
func (h *Media) upload(ctx context.Context, key, path, contentType string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return h.blobs.PutFile(ctx, key, f, st.Size(), contentType)
}

func (h *Media) download(ctx context.Context, key, path string) error {
	rc, _, err := h.blobs.Open(ctx, key, nil)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// DeleteTask handles media:delete: every object of the item (processed
// variants and any raw upload left over), then its row.
func (h *Media) DeleteTask(ctx context.Context, t *asynq.Task) error {
	m, err := h.find(ctx, t)
	if m == nil || err != nil {
		return err
	}
	id := m.ID
	if m.Status != upload.StatusDeleting {
		return fmt.Errorf("media %s is %s, not deleting: %w", id, m.Status, asynq.SkipRetry)
	}
	if err := h.removeAll(ctx, id); err != nil {
		return err
	}
	return h.store.DeleteRow(ctx, id)
}
