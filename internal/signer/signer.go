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
	"hash"
	"strings"
	"sync"
	"time"
)

// ErrInvalid means a grant was tampered with, is malformed or expired.
var ErrInvalid = errors.New("signer: invalid or expired grant")

// Signer signs grants with one secret key.
type Signer struct {
	key []byte
	// macs holds hmacStates: hmac.New hashes both key pads and
	// allocates every time, and a link page signs a hundred URLs.
	macs sync.Pool
}

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
	var buf [128]byte
	return string(s.AppendSign(buf[:0], g))
}

// AppendSign appends the token Sign makes to dst: a page of a hundred
// signed URLs is written straight into its response.
func (s *Signer) AppendSign(dst []byte, g Grant) []byte {
	var buf [64]byte
	payload := append(binary.BigEndian.AppendUint64(buf[:0], uint64(g.Expires.Unix())), g.Viewer...)
	mac := s.mac(g.MediaID, g.Variant, payload)
	dst = base64.RawURLEncoding.AppendEncode(dst, payload)
	return base64.RawURLEncoding.AppendEncode(append(dst, '.'), mac[:])
}

// Verify checks token for mediaID and variant at now and returns the grant.
func (s *Signer) Verify(mediaID, variant, token string, now time.Time) (Grant, error) {
	p, m, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return Grant{}, ErrInvalid
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	want := s.mac(mediaID, variant, payload)
	if err1 != nil || err2 != nil || len(payload) < 9 || !hmac.Equal(mac, want[:]) {
		return Grant{}, ErrInvalid
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[:8])), 0)
	if !now.Before(exp) {
		return Grant{}, ErrInvalid
	}
	return Grant{MediaID: mediaID, Variant: variant, Viewer: string(payload[8:]), Expires: exp}, nil
}

// hmacState is a keyed HMAC ready to Reset, with room for one message.
type hmacState struct {
	h        hash.Hash
	msg, sum []byte
}

func (s *Signer) mac(mediaID, variant string, payload []byte) [16]byte {
	st, _ := s.macs.Get().(*hmacState)
	if st == nil {
		st = &hmacState{h: hmac.New(sha256.New, s.key)}
	}
	defer s.macs.Put(st)
	st.h.Reset()
	st.msg = append(append(append(append(append(st.msg[:0], mediaID...), 0), variant...), 0), payload...)
	st.h.Write(st.msg)
	st.sum = st.h.Sum(st.sum[:0])
	return [16]byte(st.sum)
}
