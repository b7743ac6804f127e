package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/wxalbum/mediad/account"
	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/upload"
)

// Client enqueues tasks; it implements the ports features declare
// (upload.Enqueuer, albums.Dissolver, account.Tasks).
type Client struct {
	c    *asynq.Client
	insp *asynq.Inspector
	cfg  Config
	// absentOnly: a task id already taken, whatever its state, is left as
	// it is (IfAbsent).
	absentOnly bool
}

var (
	_ upload.Enqueuer  = (*Client)(nil)
	_ albums.Dissolver = (*Client)(nil)
	_ account.Tasks    = (*Client)(nil)
)

// RedisOpt returns the Asynq connection options for cfg: through Sentinel
// when sentinels are configured (a failover needs no restart: every new
// connection asks Sentinel for the current primary), else one server.
func RedisOpt(cfg Config) asynq.RedisConnOpt {
	if len(cfg.RedisSentinels) > 0 {
		return asynq.RedisFailoverClientOpt{MasterName: cfg.RedisMaster, SentinelAddrs: cfg.RedisSentinels,
			DB: cfg.RedisDB, Password: cfg.RedisPassword}
	}
	return asynq.RedisClientOpt{Addr: cfg.RedisAddr, DB: cfg.RedisDB, Password: cfg.RedisPassword}
}

// NewRedis returns a go-redis client for the Redis cfg names, the same
// way RedisOpt reaches it (for rate limits, caches and health checks).
func NewRedis(cfg Config) *redis.Client {
	if len(cfg.RedisSentinels) > 0 {
		return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: cfg.RedisMaster, SentinelAddrs: cfg.RedisSentinels,
			DB: cfg.RedisDB, Password: cfg.RedisPassword})
	}
	return redis.NewClient(&redis.Options{Addr: cfg.RedisAddr, DB: cfg.RedisDB, Password: cfg.RedisPassword})
}

// RedisName describes where cfg's Redis is, for errors and logs.
func RedisName(cfg Config) string {
	if len(cfg.RedisSentinels) > 0 {
		return fmt.Sprintf("master %q via Sentinel %s", cfg.RedisMaster, strings.Join(cfg.RedisSentinels, ","))
	}
	return cfg.RedisAddr
}

// NewClient returns a Client.
func NewClient(cfg Config) *Client {
	cfg = cfg.Defaults()
	return &Client{c: asynq.NewClient(RedisOpt(cfg)), insp: asynq.NewInspector(RedisOpt(cfg)), cfg: cfg}
}

// IfAbsent returns a client sharing c's connections that enqueues a task
// only when Redis has no task of that id at all: what Resume needs after
// Redis lost its data. A task archived after its last try (one that kills
// its worker) stays archived, so restarting workers does not bring it back
// without the sweep counting the attempt.
func (c *Client) IfAbsent() *Client {
	a := *c
	a.absentOnly = true
	return &a
}

// Close releases the Redis connections.
func (c *Client) Close() error { return errors.Join(c.c.Close(), c.insp.Close()) }

// EnqueueProcess queues processing of a media item of kind.
func (c *Client) EnqueueProcess(ctx context.Context, mediaID string, kind upload.Kind) error {
	return c.enqueue(ctx, processSpec(mediaID, kind, c.cfg))
}

// EnqueuePlay queues the play variant of a ready video.
func (c *Client) EnqueuePlay(ctx context.Context, mediaID string) error {
	return c.enqueue(ctx, playSpec(mediaID, c.cfg))
}

// EnqueueDelete queues removal of a deleted media item's objects.
func (c *Client) EnqueueDelete(ctx context.Context, mediaID string) error {
	return c.enqueue(ctx, deleteSpec(mediaID, c.cfg))
}

// EnqueueDissolve queues an album's dissolution.
func (c *Client) EnqueueDissolve(ctx context.Context, albumID string) error {
	return c.enqueue(ctx, dissolveSpec(albumID, c.cfg))
}

// EnqueueAccountDelete queues the rest of an account deletion.
func (c *Client) EnqueueAccountDelete(ctx context.Context, receiptID string) error {
	return c.enqueue(ctx, accountDeleteSpec(receiptID, c.cfg))
}

// EnqueueExport queues building an export.
func (c *Client) EnqueueExport(ctx context.Context, exportID string) error {
	return c.enqueue(ctx, exportSpec(exportID, c.cfg))
}

func (c *Client) enqueue(ctx context.Context, s spec) error {
	t, err := s.task(c.cfg)
	if err != nil {
		return err
	}
	_, err = c.c.EnqueueContext(ctx, t)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		err = nil
		if !c.absentOnly {
			err = c.replaceFinished(ctx, s, t)
		}
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", s.typ, err)
	}
	return nil
}

// replaceFinished handles a task id already taken. Queued, running or
// retrying already: the task id makes enqueueing idempotent. But a finished
// copy (archived after its last try, or kept as completed) would hold the
// id forever, so a re-enqueue from the sweep replaces it.
func (c *Client) replaceFinished(ctx context.Context, s spec, t *asynq.Task) error {
	info, err := c.insp.GetTaskInfo(s.queue, s.id)
	if err != nil || (info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted) {
		return nil
	}
	if err := c.insp.DeleteTask(s.queue, s.id); err != nil {
		return fmt.Errorf("replace finished task %s: %w", s.id, err)
	}
	if _, err := c.c.EnqueueContext(ctx, t); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	return nil
}
