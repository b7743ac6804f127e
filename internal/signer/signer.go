// Package signer makes and checks self-authorising media URLs. A
// mini-program <image> cannot send an Authorization header, so a media URL
// carries its own short-lived grant: an HMAC over the media id, the
// variant, the expiry and the viewer it was issued to. The serving handler
// still re-checks on every request that the viewer may see the item.
package signer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// ErrInvalid means a grant was tampered with, is malformed or expired.
var ErrInvalid = errors.New("signer: invalid or expired grant")

// Signer signs grants with one secret key.
type Signer struct{ key []byte }

// New returns a Signer; the key must have at least 32 bytes.
func New(key []byte) (*Signer, error) {
	if len(key) < 32 {
		return nil, errors.New("signer: key shorter than 32 bytes")
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

// Grant says who may fetch which variant of which item until when. Viewer
// is "u:<user id>" for a signed-in user or "l:<link id>" for a share link.
type Grant struct {
	MediaID string
	Variant string
	Viewer  string
	Expires time.Time
}

// Sign encodes g as an opaque URL-safe token.
func (s *Signer) Sign(g Grant) string {
	payload := make([]byte, 8, 8+len(g.Viewer))
	binary.BigEndian.PutUint64(payload, uint64(g.Expires.Unix()))
	payload = append(payload, g.Viewer...)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(s.mac(g.MediaID, g.Variant, payload))
}

// Verify checks token for mediaID and variant at now and returns the grant.
func (s *Signer) Verify(mediaID, variant, token string, now time.Time) (Grant, error) {
	p, m, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return Grant{}, ErrInvalid
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || len(payload) < 9 || !hmac.Equal(mac, s.mac(mediaID, variant, payload)) {
		return Grant{}, ErrInvalid
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[:8])), 0)
	if !now.Before(exp) {
		return Grant{}, ErrInvalid
	}
	return Grant{MediaID: mediaID, Variant: variant, Viewer: string(payload[8:]), Expires: exp}, nil
}

func (s *Signer) mac(mediaID, variant string, payload []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(mediaID))
	h.Write([]byte{0})
	h.Write([]byte(variant))
	h.Write([]byte{0})
	h.Write(payload)
	return h.Sum(nil)[:16]
}
