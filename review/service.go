package review

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/auth"
	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/wechat"
	"github.com/wxalbum/mediad/notify"
	"github.com/wxalbum/mediad/upload"
)

// Checker submits an image to WeChat's content check (*wechat.Client).
type Checker interface {
	MediaCheckAsync(ctx context.Context, m wechat.MediaCheck) (traceID string, err error)
}

// URLs signs the URL WeChat fetches a variant of an item from: a grant to
// the uploader, who sees their item while it is pending (upload.Service).
type URLs func(m *upload.Media, v upload.Variant, exp time.Time) string

// Enqueuer queues a submission (worker.Client).
type Enqueuer interface {
	EnqueueReview(ctx context.Context, mediaID string) error
}

// ErrRefused marks a submission that can never succeed as it is (the
// queue does not retry it; the sweep tries again after the timeout).
var ErrRefused = errors.New("content check submission refused")

// Service submits items for checking, records results and resubmits
// checks whose result never came.
type Service struct {
	cfg   Config
	pool  db.Conn
	check Checker
	urls  URLs
	enq   Enqueuer
	log   *slog.Logger
	now   func() time.Time
}

// NewService returns a Service; cfg is used with its defaults filled in.
func NewService(cfg Config, pool db.Conn, check Checker, urls URLs, enq Enqueuer, log *slog.Logger) *Service {
	d := Config{}.Defaults()
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	if cfg.MaxTries < 1 {
		cfg.MaxTries = d.MaxTries
	}
	if cfg.URLTTL <= 0 {
		cfg.URLTTL = d.URLTTL
	}
	return &Service{cfg: cfg, pool: pool, check: check, urls: urls, enq: enq, log: log, now: time.Now}
}

// Submit sends a pending item to WeChat and records the trace id. An item
// no longer pending (deleted, already answered) is done. A rate limit or
// an outage is returned to be retried with backoff; a refusal that can
// never succeed (the uploader has no openid any more, a bad request) counts
// as a try and is ErrRefused: the sweep gives up after the last try.
func (s *Service) Submit(ctx context.Context, mediaID string) error {
	st := upload.NewStore(s.pool)
	m, _, err := st.PendingReview(ctx, mediaID)
	if errors.Is(err, upload.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	trace, err := s.send(ctx, m)
	if err != nil {
		if retryable(err) {
			return err
		}
		if cerr := st.CountReviewTry(ctx, m.ID); cerr != nil {
			return cerr
		}
		return fmt.Errorf("review %s: %v: %w", m.ID, err, ErrRefused)
	}
	_, err = st.RecordReviewSubmit(ctx, m.ID, trace)
	return err
}

func (s *Service) send(ctx context.Context, m *upload.Media) (string, error) {
	openid, err := auth.NewStore(s.pool).OpenID(ctx, m.OwnerID)
	if err != nil {
		return "", err
	}
	exp := s.now().Add(s.cfg.URLTTL)
	return s.check.MediaCheckAsync(ctx, wechat.MediaCheck{
		URL: s.urls(m, CheckedVariant(m.Kind), exp), OpenID: openid, Scene: Scene(m.Kind)})
}

// retryable: WeChat asked us to slow down, or it (or our database) could
// not be reached; anything else will fail the same way next time.
func retryable(err error) bool {
	if errors.Is(err, apperr.NotFound) || errors.Is(err, wechat.ErrNotConfigured) {
		return false
	}
	var we *wechat.Error
	if errors.As(err, &we) {
		return wechat.IsRateLimited(err)
	}
	return true
}

// Result records WeChat's result for the submission traceID. An unknown
// trace id, a suggestion we do not know and a repeated push change
// nothing. A risky result tells the uploader and the album owner
// (item_hidden) in the same transaction; a pass tells the album's members
// of a new item (new_items).
func (s *Service) Result(ctx context.Context, traceID, suggest string) error {
	state, ok := Outcome(suggest)
	if !ok || traceID == "" {
		s.log.Warn("content check result ignored", "suggest", suggest)
		return nil
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		m, err := upload.NewStore(tx).SetReviewResult(ctx, traceID, state)
		if err != nil || m == nil {
			return err
		}
		if !Notified(state) { // a pass: the album sees the item now
			return albums.NoticeNewItem(ctx, tx, m)
		}
		to, err := toldOfHiding(ctx, tx, m)
		if err != nil {
			return err
		}
		return notify.NewStore(tx).Add(ctx, to, notify.ItemHidden)
	})
}

// toldOfHiding: the uploader, and the album owner when it is someone else.
func toldOfHiding(ctx context.Context, tx pgx.Tx, m *upload.Media) ([]string, error) {
	to := []string{m.OwnerID}
	if m.AlbumID == nil {
		return to, nil
	}
	members, err := albums.NewStore(tx).Members(ctx, *m.AlbumID)
	if err != nil {
		return nil, err
	}
	for _, mb := range members {
		if mb.Role == albums.Owner && mb.UserID != m.OwnerID {
			to = append(to, mb.UserID)
		}
	}
	return to, nil
}

// sweepBatch bounds one sweep's resubmissions.
const sweepBatch = 500

// Sweep gives up checks whose last try timed out, then queues again those
// that still have tries left. Two sweeps at once claim different rows.
func (s *Service) Sweep(ctx context.Context) error {
	st := upload.NewStore(s.pool)
	before := s.now().Add(-s.cfg.Timeout)
	gone, err := st.GiveUpReviews(ctx, before, s.cfg.MaxTries, GiveUpState(s.cfg.FailOpen))
	if err != nil {
		return err
	}
	if len(gone) > 0 {
		s.log.Warn("content checks given up", "items", len(gone), "state", GiveUpState(s.cfg.FailOpen))
	}
	ids, err := st.ClaimReviewResubmits(ctx, before, s.cfg.MaxTries, sweepBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, s.enq.EnqueueReview(ctx, id))
	}
	return errors.Join(errs...)
}
