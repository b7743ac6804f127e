package upload

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/ids"
)

// Order is how a list of items is sorted, newest first.
type Order string

// Orders: by upload time (the default), or by capture time (the timeline).
const (
	OrderUploaded Order = "uploaded" // (created_at, id)
	OrderTaken    Order = "taken"    // (taken_at, id)
)

// ErrBadOrder is an unknown sort order.
var ErrBadOrder = apperr.New(400, "invalid_order", "order must be uploaded or taken.")

// ParseOrder validates a client-supplied order ("" is uploaded).
func ParseOrder(s string) (Order, error) {
	switch o := Order(s); o {
	case "":
		return OrderUploaded, nil
	case OrderUploaded, OrderTaken:
		return o, nil
	}
	return "", ErrBadOrder
}

// Column is the time column of the order, aliased m; one of two constants,
// so it may be put into SQL text.
func (o Order) Column() string {
	if o == OrderTaken {
		return "m.taken_at"
	}
	return "m.created_at"
}

// KeysetSQL is the keyset condition and sort of a newest-first page in
// order o, with the cursor's time and id in parameters at and id (nil at:
// the first page).
func (o Order) KeysetSQL(at, id string) string {
	c := o.Column()
	return `(` + at + `::timestamptz IS NULL OR (` + c + `, m.id) < (` + at + `, ` + id + `))
		ORDER BY ` + c + ` DESC, m.id DESC`
}

// Cursor is a keyset position in a newest-first list: (time, id), the time
// being the upload or the capture time as By says.
type Cursor struct {
	At time.Time
	ID string
	By Order
}

// ErrBadCursor is a cursor the server did not make, or made for another order.
var ErrBadCursor = apperr.New(400, "invalid_cursor", "The cursor is not valid.")

// CursorAfter returns the cursor following m in order o.
func CursorAfter(m *Media, o Order) Cursor {
	if o == OrderTaken {
		return Cursor{At: m.TakenAt, ID: m.ID, By: o}
	}
	return Cursor{At: m.CreatedAt, ID: m.ID, By: OrderUploaded}
}

// String encodes the cursor opaquely; a capture-time cursor is marked "t".
func (c Cursor) String() string {
	if c.ID == "" {
		return ""
	}
	s := strconv.FormatInt(c.At.UnixMicro(), 10) + "." + c.ID
	if c.By == OrderTaken {
		s = "t" + s
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// TimeOrNil is nil for the zero cursor (start of the list).
func (c Cursor) TimeOrNil() *time.Time {
	if c.ID == "" {
		return nil
	}
	return &c.At
}

// ParseCursor decodes a cursor from String ("" is the start) made for a
// list in order o.
func ParseCursor(s string, o Order) (Cursor, error) {
	if s == "" {
		return Cursor{By: o}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	by := OrderUploaded
	if rest, ok := strings.CutPrefix(string(b), "t"); ok {
		b, by = []byte(rest), OrderTaken
	}
	ts, id, ok := strings.Cut(string(b), ".")
	us, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || !ids.Valid(id) || by != o {
		return Cursor{}, ErrBadCursor
	}
	return Cursor{At: time.UnixMicro(us).UTC(), ID: id, By: by}, nil
}

// Page trims a query result fetched with limit+1 rows in order o to limit
// and returns the cursor of the next page ("" on the last page).
func Page(items []*Media, limit int, o Order) ([]*Media, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, CursorAfter(items[limit-1], o).String()
}
