package signer

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// FuzzVerify: a token verifies only if Sign made it for the same media id,
// variant, viewer and expiry. The fuzzer plays the forger: arbitrary
// tokens, and real tokens with one byte changed, presented for arbitrary
// ids and variants. Whatever verifies must be, up to base64's unused low
// bits, exactly the token Sign makes for the grant Verify returned.
//
// Ids and variants never hold a NUL byte (ids are hex, variants a fixed
// set), and the MAC separates them with NULs, so ("a\x00b", "c") and ("a",
// "b\x00c") share one: the property is checked for NUL-free values.
func FuzzVerify(f *testing.F) {
	s, err := New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	const id = "0123456789abcdef0123456789abcdef"
	good := s.Sign(Grant{MediaID: id, Variant: "thumb", Viewer: "u:" + id, Expires: time.Unix(1_800_000_600, 0)})
	f.Add(good, id, "thumb", "u:"+id, int64(1_800_000_600), uint16(3), byte(1))
	f.Add(good, id, "original", "l:x", int64(-1), uint16(len(good)-1), byte(2))
	f.Add("x.y", "m1", "thumb", "", int64(0), uint16(0), byte(0))
	f.Add(strings.Repeat("A", 600)+"."+strings.Repeat("A", 22), id, "thumb", "u:a", int64(1<<62), uint16(0), byte(0x80))
	now := time.Unix(1_800_000_000, 0)

	f.Fuzz(func(t *testing.T, token, mediaID, variant, viewer string, exp int64, at uint16, flip byte) {
		if strings.Contains(mediaID+variant, "\x00") {
			return
		}
		// 1. An arbitrary token, as sent.
		checkVerified(t, s, mediaID, variant, token, now)

		// 2. A real token, presented as is, for other ids or variants,
		//    and with one byte changed.
		g := Grant{MediaID: id, Variant: "thumb", Viewer: viewer, Expires: time.Unix(exp, 0)}
		tok := s.Sign(g)
		got, err := s.Verify(id, "thumb", tok, now)
		// A grant always names its viewer: Verify refuses an empty one
		// (fail closed), and a token longer than 512 bytes.
		if want := now.Before(g.Expires) && viewer != "" && len(tok) <= 512; (err == nil) != want {
			t.Fatalf("own token for %+v: Verify err = %v", g, err)
		}
		if err == nil && (got.Viewer != viewer || !got.Expires.Equal(g.Expires)) {
			t.Fatalf("own token: Verify = %+v, want %+v", got, g)
		}
		if mediaID != id || variant != "thumb" {
			if _, err := s.Verify(mediaID, variant, tok, now); err == nil {
				t.Fatalf("a token for %s/thumb verifies for %q/%q", id, mediaID, variant)
			}
		}
		if flip != 0 && len(tok) > 0 {
			b := []byte(tok)
			b[int(at)%len(b)] ^= flip
			checkVerified(t, s, id, "thumb", string(b), now)
		}
	})
}

// checkVerified fails if token verifies for (mediaID, variant) and is not,
// once its two base64 parts are re-encoded canonically, the token Sign
// makes for the grant Verify returned.
func checkVerified(t *testing.T, s *Signer, mediaID, variant, token string, now time.Time) {
	t.Helper()
	g, err := s.Verify(mediaID, variant, token, now)
	if err != nil {
		if err != ErrInvalid {
			t.Fatalf("Verify error %v, want ErrInvalid", err)
		}
		return
	}
	if g.MediaID != mediaID || g.Variant != variant || !now.Before(g.Expires) {
		t.Fatalf("Verify(%q, %q) returned %+v", mediaID, variant, g)
	}
	p, m, _ := strings.Cut(token, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil {
		t.Fatalf("verified token %q does not decode", token)
	}
	canonical := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(mac)
	if want := s.Sign(g); canonical != want {
		t.Fatalf("token %q verifies as %+v, but Sign makes %q for it", token, g, want)
	}
}
