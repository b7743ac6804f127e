// Package reports lets anyone who can see an item report it: a signed-in
// user, or a link recipient through the link's token. The reasons are a
// removal request from someone the item shows (shows_me), inappropriate
// content, or anything else. The uploader and the album owner read that a
// report exists, its reason and text, never who sent it, and answer it by
// deleting the item or keeping it with a reply. Unanswered reports can
// hold the item back from everyone but its uploader (media.report_hold,
// written through upload.Store; rules.go says when). Reports keep no IP;
// they are in the reporter's and the uploader's exports and purged by
// retention.
package reports

import (
	"errors"
	"time"
)

// Config is how reports hold items and how often they may be sent.
type Config struct {
	// Grace is how long a removal request (shows_me) waits for an answer
	// before the item is hidden from others (MEDIA_REPORT_GRACE).
	Grace time.Duration
	// HideAfter is how many distinct reporters of inappropriate content
	// hide the item pending review (MEDIA_REPORTS_HIDE_AFTER).
	HideAfter int
	// PerHour bounds the reports one user sends (MEDIA_REPORTS_PER_HOUR).
	PerHour int
	// PublicPerHour bounds the reports sent through one link, and from
	// one client network on links (MEDIA_REPORTS_PUBLIC_PER_HOUR).
	PublicPerHour int
}

// Defaults returns the defaults: a week's grace, three reporters, 20
// reports an hour per user and 10 per link and network.
func (Config) Defaults() Config {
	return Config{Grace: 7 * 24 * time.Hour, HideAfter: 3, PerHour: 20, PublicPerHour: 10}
}

// Validate checks c, naming the variable at fault. retain is how long
// reports are kept (MEDIA_RETAIN_REPORTS): a removal request must be able
// to outlive its grace, or it would be purged before it could hold.
func (c Config) Validate(retain time.Duration) error {
	switch {
	case c.Grace <= 0:
		return errors.New("MEDIA_REPORT_GRACE: want > 0")
	case c.HideAfter < 1:
		return errors.New("MEDIA_REPORTS_HIDE_AFTER: want >= 1")
	case c.PerHour < 1:
		return errors.New("MEDIA_REPORTS_PER_HOUR: want >= 1")
	case c.PublicPerHour < 1:
		return errors.New("MEDIA_REPORTS_PUBLIC_PER_HOUR: want >= 1")
	case retain > 0 && retain <= c.Grace:
		return errors.New("MEDIA_RETAIN_REPORTS: want longer than MEDIA_REPORT_GRACE")
	}
	return nil
}
