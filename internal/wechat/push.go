package wechat

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"sort"
	"strings"
)

// VerifySignature checks a message push's signature: the SHA-1 of the
// push token, timestamp and nonce sorted and joined, in hex. An empty token
// verifies nothing.
func VerifySignature(token, timestamp, nonce, signature string) bool {
	if token == "" || signature == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(Sign(token, timestamp, nonce)), []byte(strings.ToLower(signature))) == 1
}

// Sign is the signature WeChat sends with a push (tests and fakes use it).
func Sign(token, timestamp, nonce string) string {
	parts := []string{token, timestamp, nonce}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}
