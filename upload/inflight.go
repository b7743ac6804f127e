package upload

import (
	"net/http"
	"sync"
	"time"

	"github.com/wxalbum/mediad/internal/apperr"
)

// ErrTooManyUploads refuses an upload while the user (or the network) has
// as many streaming as allowed.
var ErrTooManyUploads = apperr.New(http.StatusTooManyRequests, "too_many_uploads",
	"Too many uploads at once; wait for one to finish.")

// inflightRetry is how long a refused client is told to wait.
const inflightRetry = 2 * time.Second

// inflight counts uploads streaming at once per key. Each one holds a
// connection, a storage upload and up to a part's worth of buffers, so
// one user or one network cannot take them all. It counts per process,
// which is where those resources are.
type inflight struct {
	mu sync.Mutex
	n  map[string]int
}

// acquire takes a slot under every key (each with its max) or none.
func (f *inflight) acquire(keys []string, max []int) (release func(), err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, k := range keys {
		if f.n[k] >= max[i] {
			return nil, ErrTooManyUploads.WithRetryAfter(inflightRetry)
		}
	}
	if f.n == nil {
		f.n = map[string]int{}
	}
	for _, k := range keys {
		f.n[k]++
	}
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, k := range keys {
			if f.n[k]--; f.n[k] <= 0 {
				delete(f.n, k)
			}
		}
	}, nil
}

// streaming takes a slot for one upload of owner from network.
func (s *Service) streaming(owner, network string) (func(), error) {
	return s.inflight.acquire([]string{"user:" + owner, "net:" + network}, []int{s.cfg.PerUser, s.cfg.PerNetwork})
}
