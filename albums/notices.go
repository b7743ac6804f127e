package albums

import (
	"context"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/notify"
	"github.com/wxalbum/mediad/upload"
)

// NoticeNewItem tells the other members of m's album that it has a new
// item (new_items, at most one notice a day per member and album), when m
// is a photo or video they can now see. Called in the transaction that
// makes m visible: processing done (worker), or its content check passed
// (review).
func NoticeNewItem(ctx context.Context, tx db.Conn, m *upload.Media) error {
	if !NewForMembers(m) {
		return nil
	}
	others, err := db.Strings(ctx, tx, `SELECT am.user_id FROM album_members am JOIN albums a ON a.id = am.album_id
		WHERE am.album_id = $1 AND am.user_id <> $2 AND a.status = $3`, *m.AlbumID, m.OwnerID, Active)
	if err != nil {
		return err
	}
	return notify.NewStore(tx).AddAbout(ctx, others, notify.NewItems, *m.AlbumID)
}

// NewForMembers reports whether m, once ready, is news to its album's
// other members: a photo or video of theirs to see (covers and avatars
// are not items of the album).
func NewForMembers(m *upload.Media) bool {
	return m.AlbumID != nil && (m.Kind == upload.KindPhoto || m.Kind == upload.KindVideo) &&
		m.Status == upload.StatusReady && upload.MembersSee(m.Visibility) && !upload.HiddenFromOthers(m)
}
