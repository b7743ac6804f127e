package share

import (
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/ids"
)

// BenchmarkTokenCheck is the CPU part of resolving a link on every public
// request: hash the presented token (only hashes are stored and looked up)
// and decide whether the link may be used now. The database lookup is
// measured end to end by cmd/mediabench (scenario share-open).
func BenchmarkTokenCheck(b *testing.B) {
	tok := ids.Token()
	now := time.Now()
	l := &Link{ExpiresAt: now.Add(time.Hour), targetLive: true}
	for b.Loop() {
		if len(ids.Hash(tok)) != 32 || l.StateAt(now) != Usable {
			b.Fatal("link not usable")
		}
	}
}
