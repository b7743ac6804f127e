package notify

import (
	"context"
)

// Setting is one kind's state for a user: whether notices are made, the
// template its subscribe messages use, and how many accepted messages are
// left.
type Setting struct {
	Kind         string `json:"kind"`
	Enabled      bool   `json:"enabled"`
	TemplateID   string `json:"template_id,omitempty"` // "" when the kind has no subscribe message
	MessagesLeft int    `json:"messages_left"`         // accepts not yet used
	Subscribed   bool   `json:"subscribed"`            // a message will be sent for the next notice
}

// settings returns the user's switched-off kinds and credits per kind.
func (s *Store) settings(ctx context.Context, userID string) (off map[string]bool, credits map[string]int, err error) {
	off, credits = map[string]bool{}, map[string]int{}
	rows, err := s.q.Query(ctx, `SELECT kind, NOT enabled, 0 FROM notification_settings WHERE user_id = $1
		UNION ALL SELECT kind, false, credits FROM notification_subscriptions WHERE user_id = $1`, userID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var isOff bool
		var n int
		if err := rows.Scan(&kind, &isOff, &n); err != nil {
			return nil, nil, err
		}
		off[kind] = off[kind] || isOff
		credits[kind] += n
	}
	return off, credits, rows.Err()
}

// SetEnabled switches kind on or off for the user.
func (s *Store) SetEnabled(ctx context.Context, userID, kind string, on bool) error {
	_, err := s.q.Exec(ctx, `INSERT INTO notification_settings (user_id, kind, enabled) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, kind) DO UPDATE SET enabled = $3, updated_at = now()`, userID, kind, on)
	return err
}

// Accept records one more accepted message of kind with template tmpl,
// keeping at most max. A new template for the kind starts the count anew.
func (s *Store) Accept(ctx context.Context, userID, kind, tmpl string, max int) error {
	_, err := s.q.Exec(ctx, `INSERT INTO notification_subscriptions (user_id, kind, template_id, credits) VALUES ($1, $2, $3, 1)
		ON CONFLICT (user_id, kind) DO UPDATE SET updated_at = now(), template_id = $3,
			credits = CASE WHEN notification_subscriptions.template_id = $3
				THEN least(notification_subscriptions.credits + 1, $4) ELSE 1 END`, userID, kind, tmpl, max)
	return err
}

// Refuse turns the user's subscription to kind off: a reject or ban
// reported by the client, or WeChat's 43101 on a send.
func (s *Store) Refuse(ctx context.Context, userID, kind string) error {
	_, err := s.q.Exec(ctx, `UPDATE notification_subscriptions SET credits = 0, updated_at = now()
		WHERE user_id = $1 AND kind = $2`, userID, kind)
	return err
}

// useCredit spends one accepted message of kind after a send.
func (s *Store) useCredit(ctx context.Context, userID, kind string) error {
	_, err := s.q.Exec(ctx, `UPDATE notification_subscriptions SET credits = credits - 1, updated_at = now()
		WHERE user_id = $1 AND kind = $2 AND credits > 0`, userID, kind)
	return err
}
