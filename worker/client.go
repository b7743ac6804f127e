package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
)

// Client enqueues tasks; it implements the ports features declare
// (upload.Enqueuer).
type Client struct {
	c    *asynq.Client
	insp *asynq.Inspector
	cfg  Config
}

// RedisOpt returns the Asynq connection options for cfg.
func RedisOpt(cfg Config) asynq.RedisClientOpt {
	return asynq.RedisClientOpt{Addr: cfg.RedisAddr, DB: cfg.RedisDB, Password: cfg.RedisPassword}
}

// NewClient returns a Client.
func NewClient(cfg Config) *Client {
	cfg = cfg.Defaults()
	return &Client{c: asynq.NewClient(RedisOpt(cfg)), insp: asynq.NewInspector(RedisOpt(cfg)), cfg: cfg}
}

// Close releases the Redis connections.
func (c *Client) Close() error { return errors.Join(c.c.Close(), c.insp.Close()) }

func (c *Client) enqueue(ctx context.Context, t *asynq.Task, err error, queue, id string) error {
	if err != nil {
		return err
	}
	_, err = c.c.EnqueueContext(ctx, t)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		// Queued, running or retrying already: the task id makes
		// enqueueing idempotent. But a finished copy (archived after its
		// last try, or kept as completed) would hold the id forever, so a
		// re-enqueue from the sweep replaces it.
		info, ierr := c.insp.GetTaskInfo(queue, id)
		if ierr != nil || (info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted) {
			return nil
		}
		if derr := c.insp.DeleteTask(queue, id); derr != nil {
			return fmt.Errorf("replace finished task %s: %w", id, derr)
		}
		_, err = c.c.EnqueueContext(ctx, t)
	}
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue %s: %w", t.Type(), err)
	}
	return nil
}

// EnqueueProcess queues processing of a media item.
func (c *Client) EnqueueProcess(ctx context.Context, mediaID string) error {
	t, err := NewProcessMediaTask(mediaID, c.cfg)
	return c.enqueue(ctx, t, err, QueueCritical, "process:"+mediaID)
}

// EnqueueDelete queues removal of a deleted media item's objects.
func (c *Client) EnqueueDelete(ctx context.Context, mediaID string) error {
	t, err := NewDeleteMediaTask(mediaID, c.cfg)
	return c.enqueue(ctx, t, err, QueueDefault, "delete:"+mediaID)
}
