package albums

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/upload"
)

// Items returns one page of the album's items that viewer, a member with
// role, may see, newest first in the cursor's order, after the cursor. The
// visibility rule is in the WHERE clause, so a forgotten check cannot leak
// a row.
func (s *Store) Items(ctx context.Context, albumID, viewerID string, role Role, after upload.Cursor, limit int) ([]*upload.Media, error) {
	rows, err := s.q.Query(ctx, `SELECT `+upload.MediaColumns+` FROM media m WHERE `+itemsVisible("$1", "$2", "$6::text")+`
		AND `+after.By.KeysetSQL("$3", "$4")+` LIMIT $5`, albumID, viewerID, after.TimeOrNil(), after.ID, limit, role)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*upload.Media, error) { return upload.ScanMedia(r) })
}
