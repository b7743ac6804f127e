package share

import (
	"sync"
	"time"
)

// Versioner tells whether cached link views are still current: its version
// moves on every write that could change what a link shows (internal/db
// Changes: PostgreSQL notifications from every process, plus this
// process's own writes before they answer). While it is not live, nothing
// is served from the cache.
type Versioner interface {
	Version() (v uint64, live bool)
}

// viewCache keeps the encoded first pages of link views for a popular link
// opened by many recipients at once. An entry is served only while the
// version it was built at is current, so a revocation, expiry edit,
// dissolution, membership or visibility change reaches the next request:
// at once for writes through this process, within one notification for
// writes by another. Link expiry and password unlocks are checked on every
// request from the cached link. Entries live at most ttl, well inside the
// lifetime of the signed URLs they hold.
type viewCache struct {
	ver      Versioner
	ttl      time.Duration
	maxBytes int

	mu      sync.RWMutex
	at      uint64 // the version every entry was built at
	bytes   int
	entries map[viewKey]*cachedView
}

type viewKey struct {
	tokenHash, cursor string
	limit             int
}

type cachedView struct {
	link  *Link
	body  []byte // the JSON response
	built time.Time
}

func newViewCache(ver Versioner, ttl time.Duration, maxBytes int) *viewCache {
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
	v, live := c.version()
	if !live {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.entries[k]
	if e == nil || c.at != v || now.Sub(e.built) >= c.ttl {
		return nil
	}
	return e
}

// put stores e for k if version v, read before e was built, is still
// current; entries of older versions are dropped.
func (c *viewCache) put(k viewKey, v uint64, e *cachedView) {
	if now, live := c.version(); !live || now != v {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != v || c.bytes+len(e.body) > c.maxBytes {
		clear(c.entries)
		c.at, c.bytes = v, 0
	}
	if old := c.entries[k]; old != nil {
		c.bytes -= len(old.body)
	}
	c.entries[k] = e
	c.bytes += len(e.body)
}
