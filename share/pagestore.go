package share

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/upload"
)

// pageCols are the columns of an item that a link page shows (publicItem)
// and pages by (upload.Page, upload order): a recipient's page reads these
// and nothing else of the row. A field publicItem starts to use must be
// added here and in scanPageItem.
const pageCols = `m.id, m.kind, m.width, m.height, m.placeholder, m.taken_at, m.taken_at_source,
	coalesce(m.play_status, ''), m.created_at`

func scanPageItem(row pgx.Row) (*upload.Media, error) {
	m := &upload.Media{Status: upload.StatusReady}
	err := row.Scan(&m.ID, &m.Kind, &m.Width, &m.Height, &m.Placeholder, &m.TakenAt, &m.TakenAtSource, &m.PlayStatus, &m.CreatedAt)
	return m, err
}

// pageItemsSQL is one page of what the link with token hash $1 shows, were
// it usable: its album's items, ready and visible by link, in upload order
// after the cursor ($2, $3), at most $4; or its item (first page only).
// The rule is in the WHERE clause. The link is looked up in subqueries, so
// the statement needs nothing from resolving it and travels with it.
var pageItemsSQL = `(SELECT ` + pageCols + ` FROM media m
	WHERE m.album_id = (SELECT s.album_id FROM shares s WHERE s.token_hash = $1) AND ` + upload.LinkShowsSQL + `
	AND ($2::timestamptz IS NULL OR (m.created_at, m.id) < ($2, $3))
	ORDER BY m.created_at DESC, m.id DESC LIMIT $4)
UNION ALL
(SELECT ` + pageCols + ` FROM media m
	WHERE m.id = (SELECT s.media_id FROM shares s WHERE s.token_hash = $1) AND ` + upload.LinkShowsSQL + ` AND $3::text = '')`

// Page finds a link by its token (unknown: ErrNotFound) and, in the same
// round trip, up to limit items of what it shows after the cursor: a
// recipient's open waits for one round trip, not two. The caller checks
// the link's state and unlock before showing anything.
func (s *Store) Page(ctx context.Context, token string, after upload.Cursor, limit int) (*Link, []*upload.Media, error) {
	h := ids.Hash(token)
	b := &pgx.Batch{}
	b.Queue(`SELECT `+resolveCols+` FROM shares s WHERE s.token_hash = $1`, h)
	b.Queue(pageItemsSQL, h, after.TimeOrNil(), after.ID, limit)
	br := s.q.SendBatch(ctx, b)
	defer br.Close()
	l, err := scanLink(br.QueryRow())
	if err != nil {
		return nil, nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, nil, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*upload.Media, error) { return scanPageItem(r) })
	if err != nil {
		return nil, nil, err
	}
	return l, items, br.Close()
}
