package signer

import (
	"bytes"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	s, err := New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	now := time.Unix(1_800_000_000, 0)
	g := Grant{MediaID: "m1", Variant: "thumb", Viewer: "u:alice", Expires: now.Add(10 * time.Minute)}
	tok := s.Sign(g)
	got, err := s.Verify("m1", "thumb", tok, now)
	if err != nil || got.Viewer != "u:alice" || !got.Expires.Equal(g.Expires) {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	tampered := []byte(tok)
	tampered[3] ^= 1
	cases := map[string]func() error{
		"expired":       func() error { _, err := s.Verify("m1", "thumb", tok, now.Add(10*time.Minute)); return err },
		"other media":   func() error { _, err := s.Verify("m2", "thumb", tok, now); return err },
		"other variant": func() error { _, err := s.Verify("m1", "original", tok, now); return err },
		"other key":     func() error { _, err := other.Verify("m1", "thumb", tok, now); return err },
		"tampered":      func() error { _, err := s.Verify("m1", "thumb", string(tampered), now); return err },
		"garbage":       func() error { _, err := s.Verify("m1", "thumb", "x.y", now); return err },
		"empty":         func() error { _, err := s.Verify("m1", "thumb", "", now); return err },
	}
	for name, f := range cases {
		if err := f(); err != ErrInvalid {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
}

func BenchmarkVerify(b *testing.B) {
	s, _ := New(bytes.Repeat([]byte{7}, 32))
	now := time.Now()
	tok := s.Sign(Grant{MediaID: "0123456789abcdef0123456789abcdef", Variant: "thumb", Viewer: "u:0123456789abcdef0123456789abcdef", Expires: now.Add(time.Minute)})
	for b.Loop() {
		if _, err := s.Verify("0123456789abcdef0123456789abcdef", "thumb", tok, now); err != nil {
			b.Fatal(err)
		}
	}
}
