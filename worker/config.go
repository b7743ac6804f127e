package worker

import (
	"errors"
	"time"
)

// Config configures the Asynq client, server and scheduler. Zero values
// mean the documented defaults (see Defaults).
type Config struct {
	RedisAddr       string        // default 127.0.0.1:6379
	RedisDB         int           // default 0
	RedisPassword   string        // default none
	Concurrency     int           // tasks run at once; default 2
	ShutdownTimeout time.Duration // in-flight tasks get this long to finish on stop; default 30s
	PhotoTimeout    time.Duration // per photo task; default 2m
	VideoTimeout    time.Duration // per video task; default 15m
	MaxRetry        int           // retries for transient faults; default 8
}

// Queue names, highest priority first.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// Defaults fills zero values.
func (c Config) Defaults() Config {
	if c.RedisAddr == "" {
		c.RedisAddr = "127.0.0.1:6379"
	}
	if c.Concurrency == 0 {
		c.Concurrency = 2
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.PhotoTimeout == 0 {
		c.PhotoTimeout = 2 * time.Minute
	}
	if c.VideoTimeout == 0 {
		c.VideoTimeout = 15 * time.Minute
	}
	if c.MaxRetry == 0 {
		c.MaxRetry = 8
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Concurrency < 1 || c.Concurrency > 256:
		return errors.New("MEDIA_WORKER_CONCURRENCY: want 1..256")
	case c.RedisDB < 0 || c.RedisDB > 15:
		return errors.New("MEDIA_REDIS_DB: want 0..15")
	case c.MaxRetry < 1 || c.MaxRetry > 25:
		return errors.New("MEDIA_WORKER_MAX_RETRY: want 1..25")
	}
	return nil
}

// queues weights the queues: critical work (a user waiting for a photo)
// runs six times as often as low-priority housekeeping.
func queues() map[string]int {
	return map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}
}
