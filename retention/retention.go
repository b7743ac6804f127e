// Package retention deletes what the service no longer needs, on the
// schedule the privacy policy promises ("kept for the shortest time
// necessary"). It holds the periods and runs the rules; each rule is a
// purge method of the store that owns the data (share links by share,
// sessions by auth, ...), so no SQL here touches another feature's table.
// Time is injected so tests drive it with a clock instead of sleeping.
package retention

import (
	"context"
	"fmt"
	"time"
)

// Config holds the retention periods. Zero values mean the defaults.
type Config struct {
	DeadLinks       time.Duration // expired or revoked share links, after they die; default 30 days
	ExpiredInvite   time.Duration // invitations after expiry or revocation; default 30 days
	OpenCounts      time.Duration // per-day open counts; default 90 days
	Notifications   time.Duration // default 90 days
	FailedMedia     time.Duration // rows of items that failed processing; default 24h
	Receipts        time.Duration // deletion and dissolution receipts; default 365 days
	IdempotencyKeys time.Duration // upload Idempotency-Keys; default 24h
	// Reports: reports of items, from when they were made; default 180
	// days (an unanswered report its item is held for stays).
	Reports time.Duration
}

// Defaults fills zero values.
func (c Config) Defaults() Config {
	def := func(p *time.Duration, d time.Duration) {
		if *p == 0 {
			*p = d
		}
	}
	day := 24 * time.Hour
	def(&c.DeadLinks, 30*day)
	def(&c.ExpiredInvite, 30*day)
	def(&c.OpenCounts, 90*day)
	def(&c.Notifications, 90*day)
	def(&c.FailedMedia, day)
	def(&c.Receipts, 365*day)
	def(&c.IdempotencyKeys, day)
	def(&c.Reports, 180*day)
	return c
}

// Purge deletes the data of one category older than before and returns
// how many records went.
type Purge func(ctx context.Context, before time.Time) (int64, error)

// Rule is one category and how long it is kept (0: until now, e.g.
// expired exports and sessions are purged as soon as they expire).
type Rule struct {
	Name  string
	Keep  time.Duration
	Purge Purge
}

// Run applies every rule at now and returns counts per category; it stops
// at the first failing rule, naming it.
func Run(ctx context.Context, now time.Time, rules []Rule) (map[string]int64, error) {
	counts := map[string]int64{}
	for _, r := range rules {
		n, err := r.Purge(ctx, now.Add(-r.Keep))
		counts[r.Name] += n
		if err != nil {
			return counts, fmt.Errorf("retention %s: %w", r.Name, err)
		}
	}
	return counts, nil
}
