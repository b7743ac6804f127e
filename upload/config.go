package upload

import (
	"errors"
	"time"
)

// Config holds upload limits. Zero values mean the defaults in Defaults.
type Config struct {
	MaxPhoto      int64         // default 30 MiB
	MaxAvatar     int64         // default 5 MiB
	MaxCover      int64         // default 10 MiB
	MaxVideo      int64         // through POST /v1/media; default 1 GiB
	MaxChunked    int64         // through the chunked API; default 4 GiB
	PartSize      int64         // chunked part size; default 8 MiB (S3 minimum 5 MiB)
	UploadTTL     time.Duration // unfinished chunked uploads expire; default 24h
	Quota         int64         // per user; default 10 GiB
	RatePerMinute int           // uploads (and parts) per user per minute; default 120
	URLTTL        time.Duration // signed media URL lifetime; default 10m
	StuckAfter    time.Duration // re-enqueue items processing this long; default 15m
	MaxRequeues   int           // after this many re-enqueues an item fails "stuck"; default 5
	OrphanGrace   time.Duration // raw objects without a row are removed after; default 1h
	// An upload body must bring MinRate bytes per second, averaged over
	// RateWindow, or it is stopped (408 too_slow); default 8 KiB/s over 30s.
	MinRate    int64
	RateWindow time.Duration
	// Uploads (and parts) streaming at once per user and per client
	// network; default 10 (wx.uploadFile's own limit) and 64. Per process.
	PerUser, PerNetwork int
	// GrantCache is how many member checks of /f/ requests each process
	// keeps (kept right by link change notifications); default 100000,
	// negative: off.
	GrantCache int
}

// Defaults fills zero values.
func (c Config) Defaults() Config {
	set := func(p *int64, v int64) {
		if *p == 0 {
			*p = v
		}
	}
	set(&c.MaxPhoto, 30<<20)
	set(&c.MaxAvatar, 5<<20)
	set(&c.MaxCover, 10<<20)
	set(&c.MaxVideo, 1<<30)
	set(&c.MaxChunked, 4<<30)
	set(&c.PartSize, 8<<20)
	set(&c.Quota, 10<<30)
	if c.UploadTTL == 0 {
		c.UploadTTL = 24 * time.Hour
	}
	if c.RatePerMinute == 0 {
		c.RatePerMinute = 120
	}
	if c.URLTTL == 0 {
		c.URLTTL = 10 * time.Minute
	}
	if c.StuckAfter == 0 {
		c.StuckAfter = 15 * time.Minute
	}
	if c.MaxRequeues == 0 {
		c.MaxRequeues = 5
	}
	if c.OrphanGrace == 0 {
		c.OrphanGrace = time.Hour
	}
	set(&c.MinRate, 8<<10)
	if c.RateWindow == 0 {
		c.RateWindow = 30 * time.Second
	}
	if c.PerUser == 0 {
		c.PerUser = 10
	}
	if c.GrantCache == 0 {
		c.GrantCache = 100000
	}
	if c.PerNetwork == 0 {
		c.PerNetwork = 64
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.PartSize < 5<<20 || c.PartSize > 512<<20:
		return errors.New("MEDIA_UPLOAD_PART_SIZE: want 5MiB..512MiB")
	case c.MaxChunked/c.PartSize > 10000:
		return errors.New("MEDIA_UPLOAD_MAX_CHUNKED: more than 10000 parts of MEDIA_UPLOAD_PART_SIZE")
	case c.URLTTL < time.Minute || c.URLTTL > 24*time.Hour:
		return errors.New("MEDIA_URL_TTL: want 1m..24h")
	}
	return nil
}

// MaxSize returns the limit for kind through POST /v1/media.
func (c Config) MaxSize(k Kind) int64 {
	switch k {
	case KindAvatar:
		return c.MaxAvatar
	case KindCover:
		return c.MaxCover
	case KindVideo:
		return c.MaxVideo
	}
	return c.MaxPhoto
}

// MaxSizeAny returns the largest limit of any kind through POST
// /v1/media: the limit a file is streamed under when it arrives before its
// kind (the kind's own limit is applied once it is known).
func (c Config) MaxSizeAny() int64 {
	return max(c.MaxPhoto, c.MaxAvatar, c.MaxCover, c.MaxVideo)
}

// MaxChunkedSize returns the limit for kind through the chunked API: videos
// may be larger there; images keep their limits.
func (c Config) MaxChunkedSize(k Kind) int64 {
	if k == KindVideo {
		return c.MaxChunked
	}
	return c.MaxSize(k)
}
