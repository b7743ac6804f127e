package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxalbum/mediad/share"
)

// registerShareMetrics exposes how many link page requests the link view
// cache answered and how many it could not (a page never built, changed
// or expired); the benchmark reads the hit ratio from them.
func registerShareMetrics(r prometheus.Registerer, s *share.Service) {
	r.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "mediad_share_view_cache_hits_total", Help: "Link page requests answered from the link view cache.",
		}, func() float64 { h, _ := s.ViewCacheStats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "mediad_share_view_cache_misses_total", Help: "Link page requests the link view cache could not answer.",
		}, func() float64 { _, m := s.ViewCacheStats(); return float64(m) }),
	)
}
