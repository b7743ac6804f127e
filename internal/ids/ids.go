// Package ids makes unguessable identifiers and secrets.
package ids

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// New returns a 128-bit random identifier as 32 lowercase hex characters.
// Ids double as capabilities in some places (receipts), so they are random,
// not sequential.
func New() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return short)
	return hex.EncodeToString(b[:])
}

// Valid reports whether s has the shape of an id made by New; handlers
// check it before touching the database so junk never reaches SQL.
func Valid(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Token returns a 256-bit random URL-safe secret.
func Token() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Hash returns the SHA-256 of a secret token; only hashes are stored, so a
// database leak does not hand out working tokens.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
