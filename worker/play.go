package worker

import (
	"context"
	"fmt"
	"os"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/upload"
)

// PlayStore is what the play handler needs from upload's store.
type PlayStore interface {
	SetPlay(ctx context.Context, id, status string, reason *string) (bool, error)
}

// PlayTask handles media:play: it makes the play variant of a ready video
// from its stripped original, or finds the original already plays
// everywhere. It is idempotent: only a ready video whose play is pending is
// worked on, the transcode goes to a deterministic key, and the row
// records the outcome only while it is still pending; when the item went
// meanwhile (deleted, dissolving), what this run stored is removed.
// A transcode that can never succeed (corrupt stream) records failed with
// its reason, and so does the last try of a transient fault: the stripped
// original stays served either way.
func (h *Media) PlayTask(ctx context.Context, t *asynq.Task) error {
	m, err := h.find(ctx, t)
	if m == nil || err != nil {
		return err
	}
	if m.Status != upload.StatusReady || m.Kind != upload.KindVideo || m.PlayStatus != upload.PlayPending {
		return nil
	}
	status, err := h.play(ctx, m)
	if err != nil {
		return h.playFailed(ctx, m, err)
	}
	kept, err := h.plays.SetPlay(ctx, m.ID, status, nil)
	if err != nil {
		return err
	}
	if !kept && status == upload.PlayReady {
		return h.blobs.Delete(ctx, upload.ObjectKey(m.ID, upload.VariantPlay))
	}
	return nil
}

// play transcodes when needed and stores the result; it returns the play
// status to record.
func (h *Media) play(ctx context.Context, m *upload.Media) (string, error) {
	dir, err := os.MkdirTemp("", "mediad-play-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	in, out := dir+"/in.mp4", dir+"/play.mp4"
	if err := h.download(ctx, upload.ObjectKey(m.ID, upload.VariantOriginal), in); err != nil {
		return "", err
	}
	res, err := h.proc.Play(ctx, in, out)
	if err != nil {
		return "", err
	}
	if !res.Transcoded {
		return upload.PlayOriginal, nil
	}
	if err := h.upload(ctx, upload.ObjectKey(m.ID, upload.VariantPlay), out, "video/mp4"); err != nil {
		return "", err
	}
	return upload.PlayReady, nil
}

func (h *Media) playFailed(ctx context.Context, m *upload.Media, err error) error {
	reason, permanent := failReason(err)
	if !permanent && h.retrying(ctx) {
		return err
	}
	h.log.Warn("play variant failed", "media_id", m.ID, "reason", reason, "err", err)
	if _, serr := h.plays.SetPlay(ctx, m.ID, upload.PlayFailed, &reason); serr != nil {
		return serr
	}
	return fmt.Errorf("media %s play: %s: %w", m.ID, reason, asynq.SkipRetry)
}
