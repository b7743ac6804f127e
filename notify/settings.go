package notify

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/db"
)

// SettingsUpdate is the body of PUT /v1/me/notification-settings: kinds
// to switch on or off, and what wx.requestSubscribeMessage answered, as
// it answered it (template id -> accept, reject, ban or filter; its errMsg
// key is ignored).
type SettingsUpdate struct {
	Kinds         map[string]bool   `json:"kinds"`
	Subscriptions map[string]string `json:"subscriptions"`
}

// Errors of a settings update.
var (
	ErrUnknownKind     = apperr.New(400, "unknown_kind", "Unknown notification kind.")
	ErrUnknownTemplate = apperr.New(400, "unknown_template", "Unknown subscribe-message template.")
	ErrBadAnswer       = apperr.New(400, "invalid_request", "A subscription answer must be accept, reject, ban or filter.")
)

// maxUpdate bounds the entries of one update (WeChat asks for at most 3
// templates at once; 6 kinds exist).
const maxUpdate = 20

// subscription is one reported answer: accepted (one more message) or not.
type subscription struct {
	kind, tmpl string
	accept     bool
}

// plan validates u against the configured kinds and templates.
func (c Config) plan(u SettingsUpdate) ([]subscription, error) {
	if len(u.Kinds) > maxUpdate || len(u.Subscriptions) > maxUpdate {
		return nil, apperr.Invalidf("At most %d kinds and %d subscriptions per update.", maxUpdate, maxUpdate)
	}
	for k := range u.Kinds {
		if !slices.Contains(Kinds, k) {
			return nil, ErrUnknownKind.WithMessage("Unknown notification kind %q.", k)
		}
	}
	var subs []subscription
	for tmpl, answer := range u.Subscriptions {
		if tmpl == "errMsg" {
			continue
		}
		kind, ok := c.kindOf(tmpl)
		if !ok {
			return nil, ErrUnknownTemplate.WithMessage("Template %q is not one of this mini-program's notifications.", tmpl)
		}
		switch answer {
		case "accept", "reject", "ban", "filter":
		default:
			return nil, ErrBadAnswer
		}
		subs = append(subs, subscription{kind: kind, tmpl: tmpl, accept: answer == "accept"})
	}
	return subs, nil
}

// Settings reads and changes a user's notification settings.
type Settings struct {
	cfg  Config
	pool db.Conn
}

// NewSettings returns the settings service.
func NewSettings(cfg Config, pool db.Conn) *Settings { return &Settings{cfg: cfg, pool: pool} }

// Get returns the user's setting for every kind, in Kinds order.
func (s *Settings) Get(ctx context.Context, userID string) ([]Setting, error) {
	off, credits, err := NewStore(s.pool).settings(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Setting, len(Kinds))
	for i, k := range Kinds {
		tmpl := s.cfg.Templates[k]
		left := credits[k]
		out[i] = Setting{Kind: k, Enabled: !off[k], TemplateID: tmpl, MessagesLeft: left,
			Subscribed: tmpl != "" && left > 0 && !off[k]}
	}
	return out, nil
}

// Update applies u in one transaction and returns the settings after it.
func (s *Settings) Update(ctx context.Context, userID string, u SettingsUpdate) ([]Setting, error) {
	subs, err := s.cfg.plan(u)
	if err != nil {
		return nil, err
	}
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		st := NewStore(tx)
		for k, on := range u.Kinds {
			if err := st.SetEnabled(ctx, userID, k, on); err != nil {
				return err
			}
		}
		for _, sub := range subs {
			var err error
			if sub.accept {
				err = st.Accept(ctx, userID, sub.kind, sub.tmpl, s.cfg.MaxCredits)
			} else {
				err = st.Refuse(ctx, userID, sub.kind)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, userID)
}
