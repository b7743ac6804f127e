package main

import (
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/auth"
	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/config"
	"github.com/wxalbum/mediad/internal/retention"
	"github.com/wxalbum/mediad/process"
	"github.com/wxalbum/mediad/share"
	"github.com/wxalbum/mediad/upload"
	"github.com/wxalbum/mediad/worker"
)

// Config is every setting of the process, composed of the packages' own
// configs. It is read from MEDIA_* variables here and nowhere else.
type Config struct {
	HTTPAddr        string
	MetricsAddr     string
	PublicURL       string
	DatabaseURL     string
	LogLevel        slog.Level
	ShutdownTimeout time.Duration
	SigningKey      []byte
	Auth            auth.Config
	Blob            blob.Config
	Worker          worker.Config
	Upload          upload.Config
	Process         process.Options
	Albums          albums.Config
	Share           share.Config
	// PublicRatePerMinute bounds requests per client network to the
	// public link routes (token guessing).
	PublicRatePerMinute int
	Retention           retention.Config
	ExportTTL           time.Duration
	// DeploymentName must be typed to confirm purge-all.
	DeploymentName string
	// Pprof serves net/http/pprof on the metrics address (benchmarks).
	Pprof bool
}

// LoadConfig reads and validates the configuration.
func LoadConfig(getenv func(string) string) (Config, error) {
	e := config.New(getenv)
	c := Config{
		HTTPAddr:        e.Addr("MEDIA_HTTP_ADDR", "127.0.0.1:8080"),
		MetricsAddr:     e.Addr("MEDIA_METRICS_ADDR", "127.0.0.1:9090"),
		PublicURL:       strings.TrimRight(e.String("MEDIA_PUBLIC_URL", "http://127.0.0.1:8080"), "/"),
		DatabaseURL:     e.String("MEDIA_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/media?sslmode=disable"),
		ShutdownTimeout: e.Duration("MEDIA_SHUTDOWN_TIMEOUT", 30*time.Second),
		Auth: auth.Config{
			SessionTTL:    e.Duration("MEDIA_SESSION_TTL", 30*24*time.Hour),
			DevLogin:      e.Bool("MEDIA_DEV_LOGIN", false),
			WeChatBaseURL: e.String("MEDIA_WECHAT_BASE_URL", "https://api.weixin.qq.com"),
			WeChatAppID:   e.String("MEDIA_WECHAT_APPID", ""),
			WeChatSecret:  e.String("MEDIA_WECHAT_SECRET", ""),
			WeChatTimeout: e.Duration("MEDIA_WECHAT_TIMEOUT", 5*time.Second),
		},
		Blob: blob.Config{
			Endpoint:  e.String("MEDIA_S3_ENDPOINT", "127.0.0.1:9000"),
			AccessKey: e.String("MEDIA_S3_ACCESS_KEY", ""),
			SecretKey: e.String("MEDIA_S3_SECRET_KEY", ""),
			Bucket:    e.String("MEDIA_S3_BUCKET", "media"),
			Secure:    e.Bool("MEDIA_S3_SECURE", false),
			PartSize:  e.Bytes("MEDIA_S3_PART_SIZE", 8<<20),
		},
		Worker: worker.Config{
			RedisAddr:       e.Addr("MEDIA_REDIS_ADDR", "127.0.0.1:6379"),
			RedisDB:         e.Int("MEDIA_REDIS_DB", 0, 0),
			RedisPassword:   e.String("MEDIA_REDIS_PASSWORD", ""),
			Concurrency:     e.Int("MEDIA_WORKER_CONCURRENCY", 2, 1),
			ShutdownTimeout: e.Duration("MEDIA_WORKER_SHUTDOWN_TIMEOUT", 30*time.Second),
			PhotoTimeout:    e.Duration("MEDIA_PHOTO_TIMEOUT", 2*time.Minute),
			VideoTimeout:    e.Duration("MEDIA_VIDEO_TIMEOUT", 15*time.Minute),
			MaxRetry:        e.Int("MEDIA_WORKER_MAX_RETRY", 8, 1),
		},
	}
	c.Upload = upload.Config{
		MaxPhoto:      e.Bytes("MEDIA_UPLOAD_MAX_PHOTO", 30<<20),
		MaxAvatar:     e.Bytes("MEDIA_UPLOAD_MAX_AVATAR", 5<<20),
		MaxCover:      e.Bytes("MEDIA_UPLOAD_MAX_COVER", 10<<20),
		MaxVideo:      e.Bytes("MEDIA_UPLOAD_MAX_VIDEO", 1<<30),
		MaxChunked:    e.Bytes("MEDIA_UPLOAD_MAX_CHUNKED", 4<<30),
		PartSize:      e.Bytes("MEDIA_UPLOAD_PART_SIZE", 8<<20),
		UploadTTL:     e.Duration("MEDIA_UPLOAD_TTL", 24*time.Hour),
		Quota:         e.Bytes("MEDIA_USER_QUOTA", 10<<30),
		RatePerMinute: e.Int("MEDIA_UPLOAD_RATE_PER_MINUTE", 120, 1),
		URLTTL:        e.Duration("MEDIA_URL_TTL", 10*time.Minute),
		StuckAfter:    e.Duration("MEDIA_STUCK_AFTER", 15*time.Minute),
		OrphanGrace:   e.Duration("MEDIA_ORPHAN_GRACE", time.Hour),
	}
	c.Albums = albums.Config{MaxMembers: e.Int("MEDIA_ALBUM_MAX_MEMBERS", 500, 2)}
	c.Share = share.Config{MaxTTL: e.Duration("MEDIA_SHARE_MAX_TTL", 90*24*time.Hour), ViewCacheBytes: -1}
	if e.String("MEDIA_SHARE_VIEW_CACHE", "") != "0" { // 0 turns the cache off
		c.Share.ViewCacheBytes = int(e.Bytes("MEDIA_SHARE_VIEW_CACHE", 32<<20))
	}
	c.PublicRatePerMinute = e.Int("MEDIA_PUBLIC_RATE_PER_MINUTE", 600, 1)
	c.Auth.PolicyVersion = e.String("MEDIA_POLICY_VERSION", "")
	c.ExportTTL = e.Duration("MEDIA_EXPORT_TTL", 24*time.Hour)
	c.DeploymentName = e.String("MEDIA_DEPLOYMENT_NAME", "local")
	c.Pprof = e.Bool("MEDIA_PPROF", false)
	day := 24 * time.Hour
	c.Retention = retention.Config{
		DeadLinks:     e.Duration("MEDIA_RETAIN_DEAD_LINKS", 30*day),
		ExpiredInvite: e.Duration("MEDIA_RETAIN_EXPIRED_INVITES", 30*day),
		OpenCounts:    e.Duration("MEDIA_RETAIN_OPEN_COUNTS", 90*day),
		Notifications: e.Duration("MEDIA_RETAIN_NOTIFICATIONS", 90*day),
		FailedMedia:   e.Duration("MEDIA_RETAIN_FAILED_MEDIA", day),
		Receipts:      e.Duration("MEDIA_RETAIN_RECEIPTS", 365*day),
	}
	c.Process = process.DefaultOptions()
	c.Process.MaxPixels = e.Int("MEDIA_MAX_PIXELS", c.Process.MaxPixels, 1)
	c.Process.MaxSide = e.Int("MEDIA_MAX_SIDE", c.Process.MaxSide, 1)
	c.Process.DecodeBudgetBytes = e.Bytes("MEDIA_DECODE_BUDGET", c.Process.DecodeBudgetBytes)
	c.Process.FFmpegPath = e.String("MEDIA_FFMPEG", c.Process.FFmpegPath)
	c.Process.FFprobePath = e.String("MEDIA_FFPROBE", c.Process.FFprobePath)
	c.Process.HeifConvertPath = e.String("MEDIA_HEIF_CONVERT", c.Process.HeifConvertPath)
	c.LogLevel = logLevel(e, "MEDIA_LOG_LEVEL")
	c.SigningKey = signingKey(e, "MEDIA_URL_SIGNING_KEY")
	if err := e.Err(); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate checks what single variables cannot.
func (c Config) Validate() error {
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("MEDIA_PUBLIC_URL: want the public base URL such as https://media.example.com")
	}
	if _, err := url.Parse(c.DatabaseURL); err != nil || !strings.HasPrefix(c.DatabaseURL, "postgres") {
		return errors.New("MEDIA_DATABASE_URL: want a postgres:// URL")
	}
	return errors.Join(c.Auth.Defaults().Validate(), c.Blob.Validate(), c.Worker.Defaults().Validate(),
		c.Upload.Defaults().Validate(), c.Process.Validate())
}

func logLevel(e *config.Env, name string) slog.Level {
	var l slog.Level
	v := e.String(name, "info")
	if err := l.UnmarshalText([]byte(v)); err != nil {
		e.Fail(name, "debug, info, warn or error", v)
		return slog.LevelInfo
	}
	return l
}

// signingKey reads the URL-signing key: at least 32 bytes, hex encoded.
// Every API and worker process must share it, so it is never made up here.
func signingKey(e *config.Env, name string) []byte {
	v := e.String(name, "")
	k, err := hex.DecodeString(v)
	if err != nil || len(k) < 32 {
		if len(v) > 0 {
			v = "(hidden)"
		}
		e.Fail(name, "64 or more hex characters (scripts/devstack env prints one)", v)
	}
	return k
}
