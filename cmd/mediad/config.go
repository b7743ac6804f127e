package main

import (
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/account"
	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/auth"
	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/config"
	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/internal/wechat"
	"github.com/wxalbum/mediad/notify"
	"github.com/wxalbum/mediad/process"
	"github.com/wxalbum/mediad/reports"
	"github.com/wxalbum/mediad/retention"
	"github.com/wxalbum/mediad/review"
	"github.com/wxalbum/mediad/share"
	"github.com/wxalbum/mediad/upload"
	"github.com/wxalbum/mediad/worker"
)

// Config is every setting of the process, composed of the packages' own
// configs. It is read from MEDIA_* variables here and nowhere else; every
// default comes from the package that owns the setting (its Defaults or
// DefaultOptions), so a default is written once, and the README's table is
// checked against them (TestReadmeDefaultsAreTheDefaults).
type Config struct {
	HTTPAddr        string
	MetricsAddr     string
	PublicURL       string
	DatabaseURL     string
	LogLevel        slog.Level
	ShutdownTimeout time.Duration
	SigningKey      []byte
	HTTP            httpx.Limits
	Auth            auth.Config
	Blob            blob.Config
	Worker          worker.Config
	Upload          upload.Config
	Process         process.Options
	Albums          albums.Config
	Share           share.Config
	Account         account.Config
	// PublicRatePerMinute bounds requests per client network to the
	// public link routes (token guessing).
	PublicRatePerMinute int
	Retention           retention.Config
	// WeChat is how to reach WeChat's server APIs and check its pushes.
	WeChat wechat.Config
	// Review is content checking (mediaCheckAsync).
	Review review.Config
	// Reports is reports and takedown requests (config_reports.go).
	Reports reports.Config
	// Notify is subscribe messages for notices (config_notify.go).
	Notify notify.Config
	// DeploymentName must be typed to confirm purge-all.
	DeploymentName string
	// Pprof serves net/http/pprof on the metrics address (benchmarks).
	Pprof bool
}

// LoadConfig reads and validates the configuration.
func LoadConfig(getenv func(string) string) (Config, error) {
	e := config.New(getenv)
	c := Config{
		HTTPAddr:            e.Addr("MEDIA_HTTP_ADDR", "127.0.0.1:8080"),
		MetricsAddr:         e.Addr("MEDIA_METRICS_ADDR", "127.0.0.1:9090"),
		PublicURL:           strings.TrimRight(e.String("MEDIA_PUBLIC_URL", "http://127.0.0.1:8080"), "/"),
		DatabaseURL:         e.String("MEDIA_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/media?sslmode=disable"),
		ShutdownTimeout:     e.Duration("MEDIA_SHUTDOWN_TIMEOUT", 30*time.Second),
		PublicRatePerMinute: e.Int("MEDIA_PUBLIC_RATE_PER_MINUTE", 600, 1),
		DeploymentName:      e.String("MEDIA_DEPLOYMENT_NAME", "local"),
		Pprof:               e.Bool("MEDIA_PPROF", false),
		HTTP:                httpLimits(e),
		Auth:                authConfig(e),
		Blob:                blobConfig(e),
		Worker:              workerConfig(e),
		Upload:              uploadConfig(e),
		Process:             processOptions(e),
		Albums:              albumsConfig(e),
		Share:               shareConfig(e),
		Account:             accountConfig(e),
		Retention:           retentionConfig(e),
		Review:              reviewConfig(e),
		Reports:             reportsConfig(e),
		Notify:              notifyConfig(e),
		LogLevel:            logLevel(e, "MEDIA_LOG_LEVEL"),
		SigningKey:          signingKey(e, "MEDIA_URL_SIGNING_KEY"),
	}
	c.WeChat = wechatConfig(e, c.Auth)
	if err := e.Err(); err != nil {
		return c, err
	}
	// One zone (MEDIA_TIMEZONE, default from process) for capture times
	// without an offset, timeline days and dates on link pages.
	c.Albums.TimeZone, c.Share.TimeZone = c.Process.TimeZone, c.Process.TimeZone
	return c, c.Validate()
}

func authConfig(e *config.Env) auth.Config {
	d := auth.Config{}.Defaults()
	return auth.Config{
		SessionTTL:       e.Duration("MEDIA_SESSION_TTL", d.SessionTTL),
		DevLogin:         e.Bool("MEDIA_DEV_LOGIN", d.DevLogin),
		WeChatBaseURL:    e.String("MEDIA_WECHAT_BASE_URL", d.WeChatBaseURL),
		WeChatAppID:      e.String("MEDIA_WECHAT_APPID", ""),
		WeChatSecret:     e.String("MEDIA_WECHAT_SECRET", ""),
		WeChatTimeout:    e.Duration("MEDIA_WECHAT_TIMEOUT", d.WeChatTimeout),
		PolicyVersion:    e.String("MEDIA_POLICY_VERSION", ""),
		ReauthWindow:     d.ReauthWindow,
		WeChatPerNetwork: e.Int("MEDIA_WECHAT_LOGIN_PER_NETWORK_PER_MINUTE", d.WeChatPerNetwork, 1),
		WeChatOverall:    e.Int("MEDIA_WECHAT_LOGIN_PER_MINUTE", d.WeChatOverall, 1),
	}
}

func blobConfig(e *config.Env) blob.Config {
	d := blob.Config{}.Defaults()
	return blob.Config{
		Endpoint:  e.String("MEDIA_S3_ENDPOINT", d.Endpoint),
		AccessKey: e.String("MEDIA_S3_ACCESS_KEY", ""),
		SecretKey: e.String("MEDIA_S3_SECRET_KEY", ""),
		Bucket:    e.String("MEDIA_S3_BUCKET", d.Bucket),
		Secure:    e.Bool("MEDIA_S3_SECURE", false),
		PartSize:  e.Bytes("MEDIA_S3_PART_SIZE", d.PartSize),
	}
}

func workerConfig(e *config.Env) worker.Config {
	d := worker.Config{}.Defaults()
	// With Sentinel the server address comes from Sentinel: MEDIA_REDIS_ADDR
	// keeps no default then, so setting both is an error Validate names.
	sentinels, addr := e.AddrList("MEDIA_REDIS_SENTINELS"), ""
	if len(sentinels) == 0 || e.String("MEDIA_REDIS_ADDR", "") != "" {
		addr = e.Addr("MEDIA_REDIS_ADDR", d.RedisAddr)
	}
	return worker.Config{
		RedisAddr:       addr,
		RedisSentinels:  sentinels,
		RedisMaster:     e.String("MEDIA_REDIS_MASTER", ""),
		RedisDB:         e.Int("MEDIA_REDIS_DB", d.RedisDB, 0),
		RedisPassword:   e.String("MEDIA_REDIS_PASSWORD", ""),
		Concurrency:     e.Int("MEDIA_WORKER_CONCURRENCY", d.Concurrency, 1),
		ShutdownTimeout: e.Duration("MEDIA_WORKER_SHUTDOWN_TIMEOUT", d.ShutdownTimeout),
		PhotoTimeout:    e.Duration("MEDIA_PHOTO_TIMEOUT", d.PhotoTimeout),
		VideoTimeout:    e.Duration("MEDIA_VIDEO_TIMEOUT", d.VideoTimeout),
		DeleteTimeout:   e.Duration("MEDIA_DELETE_TIMEOUT", d.DeleteTimeout),
		DissolveTimeout: e.Duration("MEDIA_DISSOLVE_TIMEOUT", d.DissolveTimeout),
		ExportTimeout:   e.Duration("MEDIA_EXPORT_TIMEOUT", d.ExportTimeout),
		QueueWatchEvery: e.Duration("MEDIA_QUEUE_WATCH_EVERY", d.QueueWatchEvery),
		MaxRetry:        e.Int("MEDIA_WORKER_MAX_RETRY", d.MaxRetry, 1),
	}
}

func uploadConfig(e *config.Env) upload.Config {
	d := upload.Config{}.Defaults()
	return upload.Config{
		MaxPhoto:      e.Bytes("MEDIA_UPLOAD_MAX_PHOTO", d.MaxPhoto),
		MaxAvatar:     e.Bytes("MEDIA_UPLOAD_MAX_AVATAR", d.MaxAvatar),
		MaxCover:      e.Bytes("MEDIA_UPLOAD_MAX_COVER", d.MaxCover),
		MaxVideo:      e.Bytes("MEDIA_UPLOAD_MAX_VIDEO", d.MaxVideo),
		MaxChunked:    e.Bytes("MEDIA_UPLOAD_MAX_CHUNKED", d.MaxChunked),
		PartSize:      e.Bytes("MEDIA_UPLOAD_PART_SIZE", d.PartSize),
		UploadTTL:     e.Duration("MEDIA_UPLOAD_TTL", d.UploadTTL),
		Quota:         e.Bytes("MEDIA_USER_QUOTA", d.Quota),
		RatePerMinute: e.Int("MEDIA_UPLOAD_RATE_PER_MINUTE", d.RatePerMinute, 1),
		URLTTL:        e.Duration("MEDIA_URL_TTL", d.URLTTL),
		StuckAfter:    e.Duration("MEDIA_STUCK_AFTER", d.StuckAfter),
		MaxRequeues:   e.Int("MEDIA_MAX_REQUEUES", d.MaxRequeues, 1),
		OrphanGrace:   e.Duration("MEDIA_ORPHAN_GRACE", d.OrphanGrace),
		MinRate:       e.Bytes("MEDIA_UPLOAD_MIN_RATE", d.MinRate),
		RateWindow:    e.Duration("MEDIA_UPLOAD_RATE_WINDOW", d.RateWindow),
		PerUser:       e.Int("MEDIA_UPLOADS_PER_USER", d.PerUser, 1),
		PerNetwork:    e.Int("MEDIA_UPLOADS_PER_NETWORK", d.PerNetwork, 1),
		GrantCache:    grantCacheSize(e, d.GrantCache),
	}
}

// grantCacheSize is MEDIA_GRANT_CACHE: entries, "0" for off.
func grantCacheSize(e *config.Env, def int) int {
	if e.String("MEDIA_GRANT_CACHE", "") == "0" {
		return -1
	}
	return e.Int("MEDIA_GRANT_CACHE", def, 1)
}

func httpLimits(e *config.Env) httpx.Limits {
	d := httpx.Limits{}.Defaults()
	return httpx.Limits{
		HeaderTimeout:   e.Duration("MEDIA_HTTP_HEADER_TIMEOUT", d.HeaderTimeout),
		BodyTimeout:     e.Duration("MEDIA_HTTP_BODY_TIMEOUT", d.BodyTimeout),
		ConnsPerNetwork: e.Int("MEDIA_HTTP_MAX_CONNS_PER_NETWORK", d.ConnsPerNetwork, 1),
	}
}

func processOptions(e *config.Env) process.Options {
	o := process.DefaultOptions()
	o.MaxPixels = e.Int("MEDIA_MAX_PIXELS", o.MaxPixels, 1)
	o.MaxSide = e.Int("MEDIA_MAX_SIDE", o.MaxSide, 1)
	o.DecodeBudgetBytes = e.Bytes("MEDIA_DECODE_BUDGET", o.DecodeBudgetBytes)
	o.FFmpegPath = e.String("MEDIA_FFMPEG", o.FFmpegPath)
	o.FFprobePath = e.String("MEDIA_FFPROBE", o.FFprobePath)
	o.HeifConvertPath = e.String("MEDIA_HEIF_CONVERT", o.HeifConvertPath)
	o.PrlimitPath = e.String("MEDIA_PRLIMIT", o.PrlimitPath)
	o.TimeZone = e.Location("MEDIA_TIMEZONE", o.TimeZone)
	o.FFmpegThreads = e.Int("MEDIA_FFMPEG_THREADS", o.FFmpegThreads, 1)
	o.TranscodeTimeout = e.Duration("MEDIA_TRANSCODE_TIMEOUT", o.TranscodeTimeout)
	o.NicePath = e.String("MEDIA_NICE", o.NicePath)
	return o
}

func albumsConfig(e *config.Env) albums.Config {
	c := albums.Config{}.Defaults()
	c.MaxMembers = e.Int("MEDIA_ALBUM_MAX_MEMBERS", c.MaxMembers, 2)
	return c
}

func shareConfig(e *config.Env) share.Config {
	c := share.Config{}.Defaults()
	c.MaxTTL = e.Duration("MEDIA_SHARE_MAX_TTL", c.MaxTTL)
	c.UnlockTriesPerNetwork = e.Int("MEDIA_SHARE_UNLOCK_TRIES_PER_NETWORK", c.UnlockTriesPerNetwork, 1)
	c.UnlockTriesPerLink = e.Int("MEDIA_SHARE_UNLOCK_TRIES_PER_LINK", c.UnlockTriesPerLink, 1)
	if e.String("MEDIA_SHARE_VIEW_CACHE", "") == "0" {
		c.ViewCacheBytes = -1 // off
	} else {
		c.ViewCacheBytes = int(e.Bytes("MEDIA_SHARE_VIEW_CACHE", int64(c.ViewCacheBytes)))
	}
	return c
}

func accountConfig(e *config.Env) account.Config {
	c := account.Config{}.Defaults()
	c.ExportTTL = e.Duration("MEDIA_EXPORT_TTL", c.ExportTTL)
	c.ExportsPerDay = e.Int("MEDIA_EXPORTS_PER_DAY", c.ExportsPerDay, 1)
	return c
}

func retentionConfig(e *config.Env) retention.Config {
	d := retention.Config{}.Defaults()
	return retention.Config{
		DeadLinks:       e.Duration("MEDIA_RETAIN_DEAD_LINKS", d.DeadLinks),
		ExpiredInvite:   e.Duration("MEDIA_RETAIN_EXPIRED_INVITES", d.ExpiredInvite),
		OpenCounts:      e.Duration("MEDIA_RETAIN_OPEN_COUNTS", d.OpenCounts),
		Notifications:   e.Duration("MEDIA_RETAIN_NOTIFICATIONS", d.Notifications),
		FailedMedia:     e.Duration("MEDIA_RETAIN_FAILED_MEDIA", d.FailedMedia),
		IdempotencyKeys: e.Duration("MEDIA_RETAIN_IDEMPOTENCY_KEYS", d.IdempotencyKeys),
		Receipts:        e.Duration("MEDIA_RETAIN_RECEIPTS", d.Receipts),
		Reports:         e.Duration("MEDIA_RETAIN_REPORTS", d.Reports),
	}
}

// wechatConfig takes MEDIA_WECHAT_BASE_URL, _APPID, _SECRET and _TIMEOUT
// as login read them (authConfig), so each has one default.
func wechatConfig(e *config.Env, a auth.Config) wechat.Config {
	d := wechat.Config{}.Defaults()
	return wechat.Config{
		BaseURL:       a.WeChatBaseURL,
		AppID:         a.WeChatAppID,
		Secret:        a.WeChatSecret,
		Timeout:       a.WeChatTimeout,
		RefreshBefore: e.Duration("MEDIA_WECHAT_TOKEN_REFRESH_BEFORE", d.RefreshBefore),
		PushToken:     e.String("MEDIA_WECHAT_PUSH_TOKEN", ""),
	}
}

func reviewConfig(e *config.Env) review.Config {
	d := review.Config{}.Defaults()
	return review.Config{
		Enabled:  e.Bool("MEDIA_WECHAT_MEDIA_CHECK", d.Enabled),
		Timeout:  e.Duration("MEDIA_REVIEW_TIMEOUT", d.Timeout),
		MaxTries: e.Int("MEDIA_REVIEW_MAX_TRIES", d.MaxTries, 1),
		FailOpen: e.Bool("MEDIA_REVIEW_FAIL_OPEN", d.FailOpen),
		URLTTL:   d.URLTTL,
	}
}

// Validate checks what single variables cannot.
func (c Config) Validate() error {
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("MEDIA_PUBLIC_URL: want the public base URL such as https://media.example.com")
	}
	if err := validDatabaseURL(c.DatabaseURL); err != nil {
		return err
	}
	return errors.Join(c.Auth.Validate(), c.Blob.Validate(), c.Worker.Validate(),
		c.Upload.Validate(), c.Process.Validate(), c.WeChat.Validate(), c.Review.Validate(c.WeChat),
		c.Reports.Validate(c.Retention.Defaults().Reports), c.Notify.Validate(), c.notifyNeedsWeChat())
}

// validDatabaseURL parses the URL as the pool will, without connecting. A
// multi-host URL (postgres://u@h1:5432,h2:5432/media?target_session_attrs=read-write)
// lists a primary and its standbys: each new connection tries them in turn
// and keeps the one that accepts writes, so a failover needs no change
// here. The parse error is not quoted: it may carry the password.
func validDatabaseURL(raw string) error {
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return errors.New("MEDIA_DATABASE_URL: want a postgres:// URL")
	}
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return errors.New("MEDIA_DATABASE_URL: not a valid PostgreSQL URL (hosts, ports and parameters such as target_session_attrs=read-write)")
	}
	if len(cfg.ConnConfig.Fallbacks) > 0 && cfg.ConnConfig.ValidateConnect == nil {
		return errors.New("MEDIA_DATABASE_URL: several hosts need target_session_attrs=read-write (or primary), or writes may reach a standby")
	}
	return nil
}

// notifyNeedsWeChat: templates are sent with the appid and secret.
func (c Config) notifyNeedsWeChat() error {
	if len(c.Notify.Templates) > 0 && (c.WeChat.AppID == "" || c.WeChat.Secret == "") {
		return errors.New("MEDIA_WECHAT_TEMPLATES: needs MEDIA_WECHAT_APPID and MEDIA_WECHAT_SECRET to send")
	}
	return nil
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
