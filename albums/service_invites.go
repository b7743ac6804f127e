package albums

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/notify"
)

// CreateInvite makes an invitation (owner). The token is returned once.
func (s *Service) CreateInvite(ctx context.Context, albumID, userID string, r Role, ttl time.Duration, maxUses int) (*Invite, error) {
	if _, err := s.require(ctx, albumID, userID, CanInvite); err != nil {
		return nil, err
	}
	if r != Contributor && r != Viewer {
		return nil, ErrBadRole.WithMessage("An invitation's role must be contributor or viewer.")
	}
	if ttl == 0 {
		ttl = s.cfg.InviteTTL
	}
	if ttl < time.Minute || ttl > s.cfg.MaxInviteTTL {
		return nil, ErrBadInvite.WithMessage("expires_in must be between 60 and %d seconds.", int(s.cfg.MaxInviteTTL.Seconds()))
	}
	if maxUses == 0 {
		maxUses = 1
	}
	if maxUses < 1 || maxUses > s.cfg.MaxMembers {
		return nil, ErrBadInvite.WithMessage("max_uses must be between 1 and %d.", s.cfg.MaxMembers)
	}
	return s.store.CreateInvite(ctx, albumID, userID, r, ttl, maxUses)
}

// PreviewInvite shows a logged-in user what an invitation offers.
func (s *Service) PreviewInvite(ctx context.Context, token string) (*InvitePreview, error) {
	if len(token) < 20 || len(token) > 128 {
		return nil, ErrInviteNotFound
	}
	return s.store.PreviewInvite(ctx, token)
}

// AcceptInvite joins the caller to the invitation's album.
func (s *Service) AcceptInvite(ctx context.Context, token, userID string) (*Album, error) {
	if len(token) < 20 || len(token) > 128 {
		return nil, ErrInviteNotFound
	}
	albumID, err := s.store.AcceptInvite(ctx, token, userID, s.cfg.MaxMembers)
	if err != nil {
		return nil, err
	}
	return s.store.Find(ctx, albumID, userID)
}

// RevokeInvite ends an invitation (owner).
func (s *Service) RevokeInvite(ctx context.Context, albumID, userID, inviteID string) error {
	if _, err := s.require(ctx, albumID, userID, CanInvite); err != nil {
		return err
	}
	return s.store.RevokeInvite(ctx, albumID, inviteID)
}

// Dissolve starts dissolving an album (owner, with the exact title). The
// album disappears for everyone at once; its objects and rows go in a task.
func (s *Service) Dissolve(ctx context.Context, albumID, userID, confirmTitle string) error {
	if _, err := s.require(ctx, albumID, userID, CanDissolve); err != nil {
		return err
	}
	err := db.InTx(ctx, s.conn, func(tx pgx.Tx) error {
		members, err := NewStore(tx).BeginDissolve(ctx, albumID, userID, confirmTitle)
		if err != nil {
			return err
		}
		return notify.NewStore(tx).Add(ctx, members, notify.AlbumDissolved)
	})
	if err != nil {
		return err
	}
	// After commit. The album is already gone for everyone; if the task is
	// lost here the periodic sweep enqueues it again, so the caller still
	// gets success.
	_ = s.queue.EnqueueDissolve(ctx, albumID)
	return nil
}

// Dissolution shows the former owner the progress or the receipt.
func (s *Service) Dissolution(ctx context.Context, albumID, userID string) (*Dissolution, error) {
	return s.store.FindDissolution(ctx, albumID, userID)
}

// ForceDissolve starts dissolving an album without its owner's
// confirmation (the owner's account is being deleted) and tells the other
// members; it is idempotent. The dissolution itself is the caller's task.
func (s *Service) ForceDissolve(ctx context.Context, albumID string) error {
	return db.InTx(ctx, s.conn, func(tx pgx.Tx) error {
		members, err := NewStore(tx).ForceDissolve(ctx, albumID)
		if err != nil {
			return err
		}
		return notify.NewStore(tx).Add(ctx, members, notify.AlbumDissolved)
	})
}
