package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxalbum/mediad/share"
	"github.com/wxalbum/mediad/upload"
)

// registerCacheMetrics exposes how many requests each cache answered and
// how many it could not; the benchmark reads the hit ratios from them.
func registerCacheMetrics(r prometheus.Registerer, s *share.Service, u *upload.Service) {
	hitsAndMisses(r, "mediad_share_view_cache", "link page requests", "the link view cache", s.ViewCacheStats)
	hitsAndMisses(r, "mediad_grant_cache", "member checks of /f/ requests", "the grant cache", u.GrantCacheStats)
}

func hitsAndMisses(r prometheus.Registerer, name, what, cache string, stats func() (hits, misses uint64)) {
	r.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name + "_hits_total", Help: "Of " + what + ", those " + cache + " answered."},
			func() float64 { h, _ := stats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name + "_misses_total", Help: "Of " + what + ", those " + cache + " could not answer."},
			func() float64 { _, m := stats(); return float64(m) }),
	)
}
