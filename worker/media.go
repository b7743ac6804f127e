package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/process"
	"github.com/wxalbum/mediad/upload"
)

// Media processes and deletes media items.
type Media struct {
	store *upload.Store
	blobs *blob.Store
	proc  *process.Processor
	queue *Client
	log   *slog.Logger
	// MaxImageBytes bounds how much of a raw image is read into memory.
	MaxImageBytes int64
}

// NewMedia returns the media task handlers.
func NewMedia(store *upload.Store, blobs *blob.Store, proc *process.Processor, queue *Client, log *slog.Logger) *Media {
	return &Media{store: store, blobs: blobs, proc: proc, queue: queue, log: log, MaxImageBytes: 64 << 20}
}

// ProcessTask handles media:process. It is idempotent: derived objects go
// to deterministic keys and the row turns ready only from processing. Input
// that can never succeed is marked failed with its reason and not retried;
// a transient fault is returned to be retried, and on the last attempt the
// item is marked failed so it is never stuck in processing. The raw upload
// is deleted after success and after failure.
func (h *Media) ProcessTask(ctx context.Context, t *asynq.Task) error {
	id, err := parseMedia(t)
	if err != nil {
		return err
	}
	m, err := h.store.Find(ctx, id)
	if errors.Is(err, upload.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if m.Status != upload.StatusProcessing {
		return h.dropRaw(ctx, m.ID) // done before; make sure no raw copy stays
	}
	ready, err := h.process(ctx, m)
	if err != nil {
		return h.fail(ctx, m, err)
	}
	applied, replaced, err := h.store.MarkReady(ctx, m.ID, *ready)
	if err != nil {
		return err
	}
	if !applied {
		return h.discardIfGone(ctx, m.ID)
	}
	if replaced != "" {
		if err := h.store.MarkDeleting(ctx, replaced); err == nil {
			_ = h.queue.EnqueueDelete(ctx, replaced)
		}
	}
	return h.dropRaw(ctx, m.ID)
}

func (h *Media) fail(ctx context.Context, m *upload.Media, err error) error {
	permanent := process.Permanent(err)
	if !permanent && Retrying(ctx) {
		return err
	}
	reason := process.Reason(err)
	if !permanent {
		reason = "internal"
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

func (h *Media) image(ctx context.Context, m *upload.Media) (*upload.Ready, error) {
	rc, _, err := h.blobs.Open(ctx, upload.RawKey(m.ID), nil)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(rc, h.MaxImageBytes))
	rc.Close()
	if err != nil {
		return nil, err
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
	return &upload.Ready{Width: res.Width, Height: res.Height, Placeholder: res.Placeholder, ServedType: res.OriginalType}, nil
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
	f, err := os.Open(out)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := h.blobs.PutFile(ctx, upload.ObjectKey(m.ID, upload.VariantOriginal), f, st.Size(), "video/mp4"); err != nil {
		return nil, err
	}
	for v, b := range map[upload.Variant][]byte{upload.VariantPoster: res.Poster,
		upload.VariantPreview: res.Preview, upload.VariantThumb: res.Thumb, upload.VariantCard: res.Card} {
		if err := h.blobs.PutBytes(ctx, upload.ObjectKey(m.ID, v), b, "image/jpeg"); err != nil {
			return nil, err
		}
	}
	dur := res.DurationMS
	return &upload.Ready{Width: res.Width, Height: res.Height, DurationMS: &dur, Placeholder: res.Placeholder, ServedType: "video/mp4"}, nil
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
	id, err := parseMedia(t)
	if err != nil {
		return err
	}
	m, err := h.store.Find(ctx, id)
	if errors.Is(err, upload.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.Status != upload.StatusDeleting {
		return fmt.Errorf("media %s is %s, not deleting: %w", id, m.Status, asynq.SkipRetry)
	}
	if err := h.removeAll(ctx, id); err != nil {
		return err
	}
	return h.store.DeleteRow(ctx, id)
}
