package upload

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wxalbum/mediad/internal/db"
)

// grantTTL bounds how long a cached grant check is trusted even when no
// notification says otherwise.
const grantTTL = time.Minute

// grantCache remembers, per member grant (viewer and item), the item a
// /f/ request found visible, so the 50 thumbnails of a page and the many
// Range requests of a playing video cost no query while nothing the check
// read changed: the item row, its album (dissolving) and the album's
// members. Link grants are not cached: a link's expiry needs no write.
// Only positive answers are kept; a removal, hide, review result or
// membership change reaches the next request as the link pages do.
type grantCache struct {
	ver          db.Versioner
	max          int
	hits, misses atomic.Uint64

	mu      sync.RWMutex
	entries map[grantKey]*cachedGrant
}

type grantKey struct{ viewer, media string }

type cachedGrant struct {
	m     Media
	at    uint64 // the version read before the check
	built time.Time
}

func newGrantCache(ver db.Versioner, max int) *grantCache {
	if ver == nil || max <= 0 {
		return nil
	}
	return &grantCache{ver: ver, max: max, entries: map[grantKey]*cachedGrant{}}
}

// grantScopes are what a member check of m read.
func grantScopes(m *Media) []string {
	if m.AlbumID != nil {
		return []string{db.AlbumScope(*m.AlbumID)}
	}
	return []string{db.MediaScope(m.ID)}
}

// get returns a copy of the item a current entry holds, or nil.
func (c *grantCache) get(k grantKey, now time.Time) *Media {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	e := c.entries[k]
	c.mu.RUnlock()
	if e == nil || now.Sub(e.built) >= grantTTL || c.ver.Changed(e.at, grantScopes(&e.m)) {
		c.misses.Add(1)
		return nil
	}
	c.hits.Add(1)
	m := e.m
	return &m
}

// version returns the version to check at (ok false: do not cache).
func (c *grantCache) version() (uint64, bool) {
	if c == nil {
		return 0, false
	}
	return c.ver.Version()
}

// put keeps a copy of m for k unless what it was read from changed since v.
func (c *grantCache) put(k grantKey, m *Media, v uint64, now time.Time) {
	if c.ver.Changed(v, grantScopes(m)) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Stale entries go, and arbitrary ones (map order) while more than
		// three quarters remain, so the next puts do not evict again.
		for key, e := range c.entries {
			if now.Sub(e.built) >= grantTTL || c.ver.Changed(e.at, grantScopes(&e.m)) || len(c.entries) > c.max*3/4 {
				delete(c.entries, key)
			}
		}
	}
	// The key's strings may point into the request's buffer (Fiber params),
	// which fasthttp reuses for the next request: a map key must own them.
	k = grantKey{viewer: strings.Clone(k.viewer), media: strings.Clone(k.media)}
	c.entries[k] = &cachedGrant{m: *m, at: v, built: now}
}
