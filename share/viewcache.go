package share

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wxalbum/mediad/internal/db"
)

// viewCache keeps the encoded pages of link views for popular links opened
// by many recipients at once. An entry is served only while nothing it was
// built from changed since (its link, its album, its item), so a
// revocation, expiry edit, dissolution, membership or visibility change
// reaches the next request: at once for writes through this process,
// within one notification for writes by another; a write elsewhere leaves
// it alone. Link expiry and password unlocks are checked on every request
// from the cached link. Entries live at most ttl, well inside the lifetime
// of the signed URLs they hold.
type viewCache struct {
	ver          db.Versioner // kept right by every write's notification
	ttl          time.Duration
	maxBytes     int
	hits, misses atomic.Uint64

	mu      sync.RWMutex
	bytes   int
	entries map[viewKey]*cachedView
}

type viewKey struct {
	tokenHash, cursor string
	limit             int
}

type cachedView struct {
	link   *Link
	body   []byte // the JSON response
	built  time.Time
	at     uint64   // the version read before it was built
	scopes []string // what it was built from (pageScopes)
}

func newViewCache(ver db.Versioner, ttl time.Duration, maxBytes int) *viewCache {
	return &viewCache{ver: ver, ttl: ttl, maxBytes: maxBytes, entries: map[viewKey]*cachedView{}}
}

// version returns the version to build an entry at (ok false: do not cache).
func (c *viewCache) version() (uint64, bool) {
	if c == nil || c.ver == nil {
		return 0, false
	}
	return c.ver.Version()
}

// get returns a current entry for k, or nil.
func (c *viewCache) get(k viewKey, now time.Time) *cachedView {
	if c == nil || c.ver == nil {
		return nil
	}
	c.mu.RLock()
	e := c.entries[k]
	c.mu.RUnlock()
	if e == nil || !c.current(e, now) {
		c.misses.Add(1)
		return nil
	}
	c.hits.Add(1)
	return e
}

func (c *viewCache) current(e *cachedView, now time.Time) bool {
	return now.Sub(e.built) < c.ttl && !c.ver.Changed(e.at, e.scopes)
}

// put stores e for k unless something it was built from changed since
// e.at, the version read before it was built.
func (c *viewCache) put(k viewKey, e *cachedView) {
	if c.ver.Changed(e.at, e.scopes) {
		return
	}
	// The cursor may point into the request's buffer (Fiber query values),
	// which fasthttp reuses for the next request: a map key must own it.
	k.cursor = strings.Clone(k.cursor)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[k]; old != nil {
		c.bytes -= len(old.body)
	}
	c.entries[k] = e
	c.bytes += len(e.body)
	if c.bytes > c.maxBytes {
		c.evict(e.built)
	}
}

// evict makes room: stale entries go first, then, if that is not enough,
// arbitrary ones (map order) down to three quarters of the bound, so the
// next few puts do not evict again.
func (c *viewCache) evict(now time.Time) {
	for k, e := range c.entries {
		if !c.current(e, now) {
			c.drop(k, e)
		}
	}
	for k, e := range c.entries {
		if c.bytes <= c.maxBytes*3/4 {
			return
		}
		c.drop(k, e)
	}
}

func (c *viewCache) drop(k viewKey, e *cachedView) {
	delete(c.entries, k)
	c.bytes -= len(e.body)
}

// ViewCacheStats returns how many link page requests the view cache
// answered and how many it could not (0, 0 while it is off).
func (s *Service) ViewCacheStats() (hits, misses uint64) {
	if s.views == nil {
		return 0, 0
	}
	return s.views.hits.Load(), s.views.misses.Load()
}
