package albums

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/upload"
)

// Items returns one page of the album's items that viewer may see, newest
// first, after the cursor. The visibility rule is in the WHERE clause, so a
// forgotten check cannot leak a row.
func (s *Store) Items(ctx context.Context, albumID, viewerID string, after upload.Cursor, limit int) ([]*upload.Media, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+upload.MediaColumns+` FROM media m WHERE `+visibleItems+`
		AND ($3::timestamptz IS NULL OR (m.created_at, m.id) < ($3, $4))
		ORDER BY m.created_at DESC, m.id DESC LIMIT $5`, albumID, viewerID, after.TimeOrNil(), after.ID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*upload.Media, error) { return upload.ScanMedia(r) })
}

// Item returns one item of the album (any visibility) for permission checks.
func (s *Store) Item(ctx context.Context, albumID, mediaID string) (*upload.Media, error) {
	m, err := upload.ScanMedia(s.pool.QueryRow(ctx, `SELECT `+upload.MediaColumns+` FROM media m
		WHERE m.id = $1 AND m.album_id = $2`, mediaID, albumID))
	if err != nil {
		return nil, ErrItemNotFound
	}
	return m, nil
}
