package worker

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/auth"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/upload"
)

// ReadyTx records a successful processing run in one transaction across
// owners: upload's store turns the row ready, auth's makes an avatar the
// user's avatar, albums' makes a cover the album's cover. With Review set
// (content checks on), the item's check turns pending in the same
// transaction, so nobody but its uploader ever sees it unchecked, and its
// submission is queued after the commit (a lost enqueue is found by the
// review sweep). An item the album's members can now see tells them
// (new_items).
type ReadyTx struct {
	Conn   db.Conn
	Review interface {
		EnqueueReview(ctx context.Context, mediaID string) error
	}
}

var _ ReadyRecorder = ReadyTx{}

// MarkReady implements ReadyRecorder.
func (r ReadyTx) MarkReady(ctx context.Context, id string, res upload.Ready) (m *upload.Media, replaced string, err error) {
	err = db.InTx(ctx, r.Conn, func(tx pgx.Tx) error {
		m, err = upload.NewStore(tx).MarkReady(ctx, id, res)
		if err != nil || m == nil {
			return err
		}
		if r.Review != nil {
			if err = upload.NewStore(tx).MarkReviewPending(ctx, m.ID); err != nil {
				return err
			}
			m.Review = upload.ReviewPending
		}
		switch {
		case m.Kind == upload.KindAvatar:
			replaced, err = auth.NewStore(tx).SetAvatar(ctx, m.OwnerID, m.ID)
		case m.Kind == upload.KindCover && m.AlbumID != nil:
			err = albums.NewStore(tx).SetUploadedCover(ctx, *m.AlbumID, m.ID)
		}
		if err != nil {
			return err
		}
		// Visible to the album now (not while a content check is pending:
		// review tells the album when it passes).
		return albums.NoticeNewItem(ctx, tx, m)
	})
	if err == nil && m != nil && r.Review != nil {
		_ = r.Review.EnqueueReview(ctx, m.ID) // a lost enqueue is found by the review sweep
	}
	return m, replaced, err
}
