package db

import (
	"sync"
	"sync/atomic"
)

// LinkChangeChannel is the channel the link change triggers (migration
// 0015) notify on.
const LinkChangeChannel = "mediad_link_change"

// maxScopes bounds each of the two generations of change records; see rotate.
const maxScopes = 1 << 14

// Changes tells link view caches which of their pages are still current.
// Every write that can change what a link shows names the scopes it
// touched (an album, a link, an item in no album: see scopes.go) in a
// PostgreSQL notification (writes by any process, Listen); a write through
// this process waits until its notifications are in before it answers
// (Sync). Each change moves a
// sequence number; a page built at sequence v may be served while none of
// the scopes it was built from, and not everything, changed after v, and
// while the listener is live.
type Changes struct {
	mu       sync.RWMutex
	seq      uint64
	all      uint64            // sequence of the last change of everything
	cur, old map[string]uint64 // scope -> sequence of its last change
	oldEnd   uint64            // the sequence at which old stopped taking records
	live     atomic.Bool
	barrier  barrier
}

// Versioner is what a cache needs of Changes (the link view cache, the
// /f/ grant cache); tests stand in for it.
type Versioner interface {
	// Version is the version to cache a read at, taken before the read;
	// live false: do not cache.
	Version() (v uint64, live bool)
	// Changed reports whether a read at v of scopes may be stale: one of
	// them, or everything, changed since, or the listener is not live.
	Changed(v uint64, scopes []string) bool
}

// Version returns the current sequence number and whether the listener is
// connected; while it is not, nothing may be served from a cache.
func (c *Changes) Version() (uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.seq, c.live.Load()
}

// Changed reports whether a page built at version v from scopes may no
// longer be current: one of them or everything changed after v, or the
// listener is not live.
func (c *Changes) Changed(v uint64, scopes []string) bool {
	if !c.live.Load() {
		return true
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.all > v {
		return true
	}
	for _, s := range scopes {
		if c.cur[s] > v || c.old[s] > v {
			return true
		}
	}
	return false
}

// Invalidate records a change of scopes; no scopes means everything.
func (c *Changes) Invalidate(scopes ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cur) >= maxScopes {
		c.rotate()
	}
	c.seq++
	if len(scopes) == 0 {
		c.all = c.seq
		return
	}
	if c.cur == nil {
		c.cur = map[string]uint64{}
	}
	for _, s := range scopes {
		c.cur[s] = c.seq
	}
}

// rotate bounds memory: the older generation of records is dropped and,
// since a scope it held may have changed up to oldEnd, everything counts
// as changed then. That generation stopped taking records a full
// generation ago (minutes at a busy write rate), so what it invalidates
// has mostly expired anyway.
func (c *Changes) rotate() {
	c.all = max(c.all, c.oldEnd)
	c.old, c.cur, c.oldEnd = c.cur, nil, c.seq
}

// Bump records a change of everything.
func (c *Changes) Bump() { c.Invalidate() }
