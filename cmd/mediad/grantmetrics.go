package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxalbum/mediad/upload"
)

// registerGrantMetrics exposes how many member checks of /f/ requests the
// grant cache answered and how many went to PostgreSQL.
func registerGrantMetrics(r prometheus.Registerer, s *upload.Service) {
	r.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "mediad_grant_cache_hits_total", Help: "Member checks of /f/ requests answered from the grant cache.",
		}, func() float64 { h, _ := s.GrantCacheStats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "mediad_grant_cache_misses_total", Help: "Member checks of /f/ requests that went to PostgreSQL.",
		}, func() float64 { _, m := s.GrantCacheStats(); return float64(m) }),
	)
}
