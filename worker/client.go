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
	c   *asynq.Client
	cfg Config
}

// RedisOpt returns the Asynq connection options for cfg.
func RedisOpt(cfg Config) asynq.RedisClientOpt {
	return asynq.RedisClientOpt{Addr: cfg.RedisAddr, DB: cfg.RedisDB, Password: cfg.RedisPassword}
}

// NewClient returns a Client.
func NewClient(cfg Config) *Client {
	cfg = cfg.Defaults()
	return &Client{c: asynq.NewClient(RedisOpt(cfg)), cfg: cfg}
}

// Close releases the Redis connection.
func (c *Client) Close() error { return c.c.Close() }

func (c *Client) enqueue(ctx context.Context, t *asynq.Task, err error) error {
	if err != nil {
		return err
	}
	_, err = c.c.EnqueueContext(ctx, t)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil // already queued: the task id makes enqueueing idempotent
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", t.Type(), err)
	}
	return nil
}

// EnqueueProcess queues processing of a media item.
func (c *Client) EnqueueProcess(ctx context.Context, mediaID string) error {
	t, err := NewProcessMediaTask(mediaID, c.cfg)
	return c.enqueue(ctx, t, err)
}

// EnqueueDelete queues removal of a deleted media item's objects.
func (c *Client) EnqueueDelete(ctx context.Context, mediaID string) error {
	t, err := NewDeleteMediaTask(mediaID, c.cfg)
	return c.enqueue(ctx, t, err)
}
