// Package worker holds the Asynq task names, payloads and constructors in
// one place so enqueuers and handlers cannot drift, plus the handlers and
// the server that runs them.
package worker

import (
	"encoding/json"
	"fmt"

	"github.com/hibiken/asynq"
)

// Task type names.
const (
	TypeProcessMedia  = "media:process"  // strip and derive one upload
	TypeDeleteMedia   = "media:delete"   // remove a deleted item's objects and row
	TypeSweepMedia    = "media:sweep"    // re-enqueue stuck items, drop orphan raw uploads
	TypeExpireUploads = "uploads:expire" // abort chunked uploads past their expiry
)

// MediaPayload names one media item; no bytes ever travel through Redis.
type MediaPayload struct {
	MediaID string `json:"media_id"`
}

// NewProcessMediaTask returns the processing task for a media item. The
// task id is the media id, so enqueueing twice is harmless.
func NewProcessMediaTask(mediaID string, cfg Config) (*asynq.Task, error) {
	b, err := json.Marshal(MediaPayload{MediaID: mediaID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeProcessMedia, b, asynq.TaskID("process:"+mediaID), asynq.Queue(QueueCritical),
		asynq.MaxRetry(cfg.MaxRetry), asynq.Timeout(cfg.VideoTimeout)), nil
}

// NewDeleteMediaTask returns the task that removes a deleted item's objects.
func NewDeleteMediaTask(mediaID string, cfg Config) (*asynq.Task, error) {
	b, err := json.Marshal(MediaPayload{MediaID: mediaID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeDeleteMedia, b, asynq.TaskID("delete:"+mediaID), asynq.Queue(QueueDefault),
		asynq.MaxRetry(cfg.MaxRetry)), nil
}

func parseMedia(t *asynq.Task) (string, error) {
	var p MediaPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.MediaID == "" {
		return "", fmt.Errorf("%s: malformed payload: %w", t.Type(), asynq.SkipRetry)
	}
	return p.MediaID, nil
}
