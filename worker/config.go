package worker

import (
	"errors"
	"time"
)

// Config configures the Asynq client, server and scheduler. Zero values
// mean the documented defaults (see Defaults, the one place they are set).
type Config struct {
	RedisAddr       string        // one Redis server; default 127.0.0.1:6379
	RedisSentinels  []string      // Sentinel addresses: when set, the primary is asked of them (RedisMaster) and RedisAddr is unused
	RedisMaster     string        // the name Sentinel monitors the primary under; required with RedisSentinels
	RedisDB         int           // default 0
	RedisPassword   string        // default none
	Concurrency     int           // tasks run at once; default 2
	ShutdownTimeout time.Duration // in-flight tasks get this long to finish on stop; default 30s
	PhotoTimeout    time.Duration // per photo, avatar or cover processing task; default 2m
	VideoTimeout    time.Duration // per video processing task; default 15m
	DeleteTimeout   time.Duration // per media deletion task; default 5m
	DissolveTimeout time.Duration // per album dissolution or account deletion task; default 30m
	ExportTimeout   time.Duration // per export task; default 30m
	MaxRetry        int           // retries for transient faults; default 8
	QueueWatchEvery time.Duration // how often a worker pings Redis to resume lost work after an outage; default 1s
}

// Defaults fills zero values.
func (c Config) Defaults() Config {
	if c.RedisAddr == "" && len(c.RedisSentinels) == 0 {
		c.RedisAddr = "127.0.0.1:6379"
	}
	if c.Concurrency == 0 {
		c.Concurrency = 2
	}
	if c.MaxRetry == 0 {
		c.MaxRetry = 8
	}
	for _, d := range []struct {
		p *time.Duration
		v time.Duration
	}{
		{&c.ShutdownTimeout, 30 * time.Second}, {&c.PhotoTimeout, 2 * time.Minute}, {&c.VideoTimeout, 15 * time.Minute},
		{&c.DeleteTimeout, 5 * time.Minute}, {&c.DissolveTimeout, 30 * time.Minute}, {&c.ExportTimeout, 30 * time.Minute},
		{&c.QueueWatchEvery, time.Second},
	} {
		if *d.p == 0 {
			*d.p = d.v
		}
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
	return c.validateSentinels()
}

// validateSentinels: Sentinel mode names a master and at least one
// sentinel, and is not mixed with a fixed server address.
func (c Config) validateSentinels() error {
	switch {
	case len(c.RedisSentinels) == 0 && c.RedisMaster != "":
		return errors.New("MEDIA_REDIS_MASTER: set MEDIA_REDIS_SENTINELS too (the master name is asked of Sentinel)")
	case len(c.RedisSentinels) == 0:
		return nil
	case c.RedisMaster == "":
		return errors.New("MEDIA_REDIS_MASTER: required with MEDIA_REDIS_SENTINELS (the name Sentinel monitors the primary under)")
	case c.RedisAddr != "":
		return errors.New("MEDIA_REDIS_ADDR: set either it (one server) or MEDIA_REDIS_SENTINELS (failover), not both")
	}
	return nil
}
