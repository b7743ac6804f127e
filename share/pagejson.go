package share

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/wxalbum/mediad/upload"
)

// appendView appends to dst the JSON of view(base, l, items, next), the
// very bytes json.Marshal makes of it (pagejson_test.go holds them equal),
// without building it. A first page holds a hundred signed URLs: built as
// strings, then copied by encoding/json through reflection, they were
// most of the time and garbage of an uncached open.
func (s *Service) appendView(dst []byte, base string, l *Link, items []*upload.Media, next string) []byte {
	if !jsonPlain(base) { // never with a sane MEDIA_PUBLIC_URL; still exact
		b, _ := json.Marshal(s.view(base, l, items, next)) // cannot fail: strings, numbers, times
		return append(dst, b...)
	}
	dst = appendString(append(dst, `{"title":`...), l.title)
	dst = appendString(append(dst, `,"kind":`...), linkKind(l))
	dst = appendTime(append(dst, `,"expires_at":`...), l.ExpiresAt)
	dst = strconv.AppendBool(append(dst, `,"allow_download":`...), l.AllowDownload)
	dst = append(dst, `,"items":[`...)
	exp, viewer := s.urlExpiry(l), "l:"+l.ID
	for i, m := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = s.appendItem(dst, base, l, m, viewer, exp)
	}
	dst = appendString(append(dst, `],"next_cursor":`...), next)
	return append(dst, '}')
}

// appendItem appends one PublicItem of m, fields in struct order.
func (s *Service) appendItem(dst []byte, base string, l *Link, m *upload.Media, viewer string, exp time.Time) []byte {
	dst = appendString(append(dst, `{"id":`...), m.ID)
	dst = appendString(append(dst, `,"type":`...), itemType(m))
	dst = appendInt(append(dst, `,"width":`...), m.Width)
	dst = appendInt(append(dst, `,"height":`...), m.Height)
	dst = append(dst, `,"placeholder":`...)
	if m.Placeholder == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendString(dst, *m.Placeholder)
	}
	urls, n := itemURLs(l, m)
	for _, u := range urls[:n] {
		dst = append(append(append(dst, `,"`...), jsonName[u.field]...), `":"`...)
		// base is plain (appendView); id, variant and token are hex and base64url.
		dst = append(s.uploads.AppendSignedURL(dst, base, m.ID, u.variant, viewer, exp), '"')
	}
	if t := s.takenAt(l, m); t != nil {
		dst = appendTime(append(dst, `,"taken_at":`...), *t)
	}
	return append(dst, '}')
}

// jsonPlain is whether encoding/json writes s as is between quotes: printable
// ASCII but the quote, the backslash and <, >, & (which it escapes for HTML).
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendString appends s as encoding/json writes it.
func appendString(dst []byte, s string) []byte {
	if jsonPlain(s) {
		return append(append(append(dst, '"'), s...), '"')
	}
	b, _ := json.Marshal(s) // a string always encodes
	return append(dst, b...)
}

func appendInt(dst []byte, v *int) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, int64(*v), 10)
}

// appendTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// the fraction it has).
func appendTime(dst []byte, t time.Time) []byte {
	return append(t.AppendFormat(append(dst, '"'), time.RFC3339Nano), '"')
}
