package share

import (
	"context"
	"errors"

	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/upload"
)

// Reportable is the reports package's link check: the id of the link
// token names when a recipient may report mediaID through it, checked as
// OpenItem checks (unknown, expired, revoked, gone, locked: that error;
// an item the link does not show right now: ErrItemNotShown).
func (s *Service) Reportable(ctx context.Context, token, unlock, mediaID string) (string, error) {
	l, err := s.resolve(ctx, token)
	if err != nil {
		return "", err
	}
	if !s.unlocked(l, unlock) {
		return "", ErrLocked
	}
	if !ids.Valid(mediaID) {
		return "", ErrItemNotShown
	}
	if _, err := s.store.Shown(ctx, l, mediaID); errors.Is(err, upload.ErrNotFound) {
		return "", ErrItemNotShown
	} else if err != nil {
		return "", err
	}
	return l.ID, nil
}
