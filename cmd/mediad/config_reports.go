package main

import (
	"github.com/wxalbum/mediad/internal/config"
	"github.com/wxalbum/mediad/reports"
)

// reportsConfig reads reports and takedown requests (package reports);
// MEDIA_RETAIN_REPORTS is read with the other retention periods.
func reportsConfig(e *config.Env) reports.Config {
	d := reports.Config{}.Defaults()
	return reports.Config{
		Grace:         e.Duration("MEDIA_REPORT_GRACE", d.Grace),
		HideAfter:     e.Int("MEDIA_REPORTS_HIDE_AFTER", d.HideAfter, 1),
		PerHour:       e.Int("MEDIA_REPORTS_PER_HOUR", d.PerHour, 1),
		PublicPerHour: e.Int("MEDIA_REPORTS_PUBLIC_PER_HOUR", d.PublicPerHour, 1),
	}
}
