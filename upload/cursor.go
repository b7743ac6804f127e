package upload

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/ids"
)

// Cursor is a keyset position in a newest-first list: (created_at, id).
type Cursor struct {
	At time.Time
	ID string
}

// ErrBadCursor is a cursor the server did not make.
var ErrBadCursor = apperr.New(400, "invalid_cursor", "The cursor is not valid.")

// CursorAfter returns the cursor following m.
func CursorAfter(m *Media) Cursor { return Cursor{At: m.CreatedAt, ID: m.ID} }

// String encodes the cursor opaquely.
func (c Cursor) String() string {
	if c.ID == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.At.UnixMicro(), 10) + "." + c.ID))
}

// TimeOrNil is nil for the zero cursor (start of the list).
func (c Cursor) TimeOrNil() *time.Time {
	if c.ID == "" {
		return nil
	}
	return &c.At
}

// ParseCursor decodes a cursor from String ("" is the start).
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	ts, id, ok := strings.Cut(string(b), ".")
	us, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || !ids.Valid(id) {
		return Cursor{}, ErrBadCursor
	}
	return Cursor{At: time.UnixMicro(us).UTC(), ID: id}, nil
}

// Page trims a query result fetched with limit+1 rows to limit and returns
// the cursor of the next page ("" on the last page).
func Page(items []*Media, limit int) ([]*Media, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, CursorAfter(items[limit-1]).String()
}
