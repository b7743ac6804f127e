package reports

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/notify"
	"github.com/wxalbum/mediad/upload"
)

// Errors of this package; each carries its status and public message.
var (
	// ErrNotFound: no such item or report for the caller. An item the
	// caller cannot see, or whose reports they may not read, does not exist.
	ErrNotFound    = apperr.New(http.StatusNotFound, "not_found", "Not found.")
	ErrBadReason   = apperr.New(http.StatusBadRequest, "invalid_reason", "reason must be shows_me, inappropriate or other.")
	ErrBadText     = apperr.New(http.StatusBadRequest, "invalid_text", "text must be at most 500 characters.")
	ErrBadReply    = apperr.New(http.StatusBadRequest, "invalid_reply", "reply must be 1 to 500 characters.")
	ErrOwnItem     = apperr.New(http.StatusBadRequest, "own_item", "You uploaded this item: delete it or change its visibility instead.")
	ErrAnswered    = apperr.New(http.StatusConflict, "already_answered", "This report has already been answered.")
	ErrNotYours    = apperr.New(http.StatusForbidden, "forbidden", "Only the album owner can answer reports of inappropriate content in an album.")
	ErrRateLimited = apperr.New(http.StatusTooManyRequests, "rate_limited", "Too many reports; try again after the time in Retry-After.")
)

// Limiter counts events per key (internal/ratelimit).
type Limiter interface {
	Allow(ctx context.Context, key string) (bool, time.Duration, error)
}

// LinkCheck returns the id of the link token names when it is usable,
// unlocked with unlock and shows mediaID right now (share.Service's
// Reportable); an error otherwise.
type LinkCheck func(ctx context.Context, token, unlock, mediaID string) (string, error)

// Service takes, lists and answers reports and applies the holds they
// call for.
type Service struct {
	cfg             Config
	pool            db.Conn
	links           LinkCheck
	perUser, public Limiter
	log             *slog.Logger
	now             func() time.Time
}

// NewService returns a Service; cfg is used with its defaults filled in.
func NewService(cfg Config, pool db.Conn, links LinkCheck, perUser, public Limiter, log *slog.Logger) *Service {
	d := Config{}.Defaults()
	if cfg.Grace <= 0 {
		cfg.Grace = d.Grace
	}
	if cfg.HideAfter < 1 {
		cfg.HideAfter = d.HideAfter
	}
	return &Service{cfg: cfg, pool: pool, links: links, perUser: perUser, public: public, log: log, now: time.Now}
}

// Input is what a reporter sends.
type Input struct {
	Reason, Text string
}

func (in *Input) check() error {
	if !ValidReason(in.Reason) {
		return ErrBadReason
	}
	t, ok := CleanText(in.Text)
	if !ok {
		return ErrBadText
	}
	in.Text = t
	return nil
}

// Report records userID's report of an item they can see (else
// ErrNotFound) and returns it, with created false when they had already
// reported it for that reason (the first report is returned, nothing is
// added). The uploader and the album owner are told, never by whom.
func (s *Service) Report(ctx context.Context, userID, mediaID string, in Input) (r *Report, created bool, err error) {
	if err := in.check(); err != nil {
		return nil, false, err
	}
	if !ids.Valid(mediaID) {
		return nil, false, ErrNotFound
	}
	if err := s.allow(ctx, s.perUser, "u:"+userID); err != nil {
		return nil, false, err
	}
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		m, err := lockVisible(ctx, tx, mediaID, userID)
		if err != nil {
			return err
		}
		if m.OwnerID == userID {
			return ErrOwnItem
		}
		if r, err = NewStore(tx).ByReporter(ctx, mediaID, userID, in.Reason); !errors.Is(err, ErrNotFound) {
			return err
		}
		created = true
		r, err = s.add(ctx, tx, m, userID, "", in)
		return err
	})
	return r, created, err
}

// ReportOnLink records a link recipient's report of an item the link
// token shows right now (usable, unlocked with unlock; anything else is
// ErrNotFound). Reports are bounded per link and per client network addr.
func (s *Service) ReportOnLink(ctx context.Context, token, unlock, addr, mediaID string, in Input) (*Report, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	linkID, err := s.links(ctx, token, unlock, mediaID)
	if err != nil {
		if apperr.As(err).Status < 500 {
			return nil, ErrNotFound
		}
		return nil, err
	}
	for _, key := range []string{"l:" + linkID, "a:" + addr} {
		if err := s.allow(ctx, s.public, key); err != nil {
			return nil, err
		}
	}
	var r *Report
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		m, err := upload.NewStore(tx).Lock(ctx, mediaID)
		if err != nil {
			return notFound(err)
		}
		if m.Status == upload.StatusDeleting { // deleted since the link check
			return ErrNotFound
		}
		r, err = s.add(ctx, tx, m, "", linkID, in)
		return err
	})
	return r, err
}

// add inserts a report of the locked item m, tells its uploader and album
// owner (not the reporter) and applies the hold its reports now call for.
func (s *Service) add(ctx context.Context, tx pgx.Tx, m *upload.Media, reporterID, linkID string, in Input) (*Report, error) {
	r, err := NewStore(tx).Insert(ctx, m.ID, reporterID, linkID, in.Reason, in.Text)
	if err != nil {
		return nil, err
	}
	to, err := toldOfReports(ctx, tx, m, reporterID)
	if err != nil {
		return nil, err
	}
	if err := notify.NewStore(tx).Add(ctx, to, notify.ItemReported); err != nil {
		return nil, err
	}
	_, err = s.rehold(ctx, tx, m)
	return r, err
}

// toldOfReports: the uploader and the album owner, but not the reporter.
func toldOfReports(ctx context.Context, tx pgx.Tx, m *upload.Media, reporterID string) ([]string, error) {
	var to []string
	add := func(id string) {
		if id != reporterID && (len(to) == 0 || to[0] != id) {
			to = append(to, id)
		}
	}
	add(m.OwnerID)
	if m.AlbumID == nil {
		return to, nil
	}
	members, err := albums.NewStore(tx).Members(ctx, *m.AlbumID)
	if err != nil {
		return nil, err
	}
	for _, mb := range members {
		if mb.Role == albums.Owner {
			add(mb.UserID)
		}
	}
	return to, nil
}

// rehold applies the hold the item's unanswered reports call for now;
// the item m's row is locked by the caller's transaction. A hold that
// newly hides the item tells its uploader and album owner (item_hidden),
// in the same transaction, so they learn it when others stop seeing it.
func (s *Service) rehold(ctx context.Context, tx pgx.Tx, m *upload.Media) (bool, error) {
	open, err := NewStore(tx).Open(ctx, m.ID)
	if err != nil {
		return false, err
	}
	hold := Hold(open, s.now(), s.cfg)
	changed, err := upload.NewStore(tx).SetReportHold(ctx, m.ID, hold)
	if err != nil || !changed || hold == "" || m.ReportHold != "" {
		return changed, err
	}
	to, err := toldOfReports(ctx, tx, m, "")
	if err != nil {
		return changed, err
	}
	return changed, notify.NewStore(tx).Add(ctx, to, notify.ItemHidden)
}

// allow counts one report against key. When the limiter cannot answer
// (Redis is down) the report goes ahead: refusing a removal request
// because of an outage would hurt the person asking more than a few
// extra reports hurt anyone.
func (s *Service) allow(ctx context.Context, l Limiter, key string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	ok, retry, err := l.Allow(ctx, key)
	switch {
	case err != nil:
		s.log.Warn("report rate limiter unavailable; admitting", "err", err)
	case !ok:
		return ErrRateLimited.WithRetryAfter(retry)
	}
	return nil
}

// lockVisible locks the item and returns it if viewer may see it.
func lockVisible(ctx context.Context, tx pgx.Tx, mediaID, viewerID string) (*upload.Media, error) {
	st := upload.NewStore(tx)
	if _, err := st.Lock(ctx, mediaID); err != nil {
		return nil, notFound(err)
	}
	m, err := st.FindVisible(ctx, mediaID, viewerID)
	return m, notFound(err)
}

// notFound turns upload's not-found answers into this package's.
func notFound(err error) error {
	if errors.Is(err, upload.ErrNotFound) || errors.Is(err, upload.ErrAlbumNotFound) {
		return ErrNotFound
	}
	return err
}
