package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// runShareMixed opens 1,000 links with Zipf popularity under background
// uploads and edits, beside one link while nothing changes (the quiet
// figure) and the in-memory ceiling, all in each round.
func runShareMixed(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	if _, err := b.start(ctx, "all", shareRate, "MEDIA_UPLOAD_RATE_PER_MINUTE=1000000"); err != nil {
		return nil, err
	}
	if err := probe(ctx, "POST /v1/shares"); err != nil {
		return nil, err
	}
	t0 := time.Now()
	w, err := seedMixed(ctx, b)
	if err != nil {
		return nil, err
	}
	b.addNote("seeded %d albums of %d ready items and %d links in %s", len(w.albums), mixedItems, len(w.ranked), time.Since(t0).Round(time.Second))
	if missing := missingTools("wrk"); missing != "" {
		return nil, fmt.Errorf("share-mixed needs wrk: %s", missing)
	}
	quiet := w.ranked[0]
	body, err := fetchBody(quiet)
	if err != nil {
		return nil, err
	}
	stopCeiling, err := serveCeiling(body)
	if err != nil {
		return nil, err
	}
	defer stopCeiling()
	script, err := zipfScript(b, w.ranked)
	if err != nil {
		return nil, err
	}
	load, err := newMixedLoad(w)
	if err != nil {
		return nil, err
	}
	return mixedRounds(ctx, b, rounds, quiet, script, load)
}

// mixedMetrics are share-mixed's rows.
type mixedMetrics struct {
	mixed, p99, hits, zipf, zipfHits, zipfCeiling, quiet, uploads, edits, writesCPU, writeErrs, bad *metric
}

func newMixedMetrics() *mixedMetrics {
	quiet := "one link, nothing changing (the quiet figure, same round)"
	return &mixedMetrics{
		mixed:    newMetric("1,000 links (Zipf) under 20 uploads/s + 50 edits/s: throughput", "req/s", quiet, ratioAtLeast(0.8)),
		p99:      newMetric("1,000 links (Zipf) under writes: p99 latency", "ms", "", valueAtMost(50)),
		hits:     newMetric("1,000 links (Zipf) under writes: link view cache hit ratio", "%", ""),
		zipf:     newMetric("1,000 links (Zipf), nothing changing: throughput", "req/s", quiet),
		zipfHits: newMetric("1,000 links (Zipf), nothing changing: link view cache hit ratio", "%", ""),
		quiet:    newMetric("one link, nothing changing: throughput (the quiet figure)", "req/s", "Fiber handler serving the same bytes from memory (ceiling)"),
		zipfCeiling: newMetric("the ceiling driven by the Zipf script (what wrk's Lua costs)", "req/s",
			"the ceiling driven by plain wrk"),
		uploads:   newMetric("background uploads achieved during the run", "photos/s", ""),
		edits:     newMetric("background edits achieved during the run", "edits/s", ""),
		writesCPU: newMetric(fmt.Sprintf("CPU the background writes take alone, no wrk (of %d cores)", runtime.NumCPU()), "cores", ""),
		writeErrs: newMetric("background writes that failed", "requests", "", valueIs(0)),
		bad:       newMetric("non-2xx answers and socket errors under wrk", "responses", "", valueIs(0)),
	}
}

func (m *mixedMetrics) results() []Result {
	return results(m.mixed, m.p99, m.hits, m.zipf, m.zipfHits, m.quiet, m.zipfCeiling, m.uploads, m.edits, m.writesCPU, m.writeErrs, m.bad)
}

func mixedRounds(ctx context.Context, b *bench, rounds int, quiet, script string, load *mixedLoad) ([]Result, error) {
	m := newMixedMetrics()
	for r := 0; r < rounds; r++ {
		q, err := runWrk(ctx, baseURL+quiet)
		if err != nil {
			return nil, err
		}
		ceil, err := runWrk(ctx, "http://"+ceilingAddr+quiet)
		if err != nil {
			return nil, err
		}
		m.quiet.addPair(q.reqPerSec, ceil.reqPerSec)
		z, err := zipfRun(ctx, script, nil)
		if err != nil {
			return nil, err
		}
		zc, err := runWrk(ctx, "http://"+ceilingAddr+"/", "-s", script)
		if err != nil {
			return nil, err
		}
		m.zipf.addPair(z.reqPerSec, q.reqPerSec)
		m.zipfCeiling.addPair(zc.reqPerSec, ceil.reqPerSec)
		m.zipfHits.add(z.hitPct)
		mixed, err := zipfRun(ctx, script, load)
		if err != nil {
			return nil, err
		}
		m.mixed.addPair(mixed.reqPerSec, q.reqPerSec)
		m.p99.add(mixed.p99ms)
		m.hits.add(mixed.hitPct)
		m.uploads.add(mixed.uploadsPerSec)
		m.edits.add(mixed.editsPerSec)
		m.bad.add(float64(q.non2xx + q.sockErrs + z.non2xx + z.sockErrs + mixed.non2xx + mixed.sockErrs))
		cores, err := writesAlone(ctx, load)
		if err != nil {
			return nil, err
		}
		m.writesCPU.add(cores)
		b.logf("round %d: quiet %.0f req/s (ceiling %.0f, with the Zipf script %.0f); Zipf quiet %.0f req/s, %.1f%% hits; under writes %.0f req/s p99 %.1f ms, %.1f%% hits, %.1f uploads/s, %.1f edits/s; the writes alone %.2f cores",
			r+1, q.reqPerSec, ceil.reqPerSec, zc.reqPerSec, z.reqPerSec, z.hitPct, mixed.reqPerSec, mixed.p99ms, mixed.hitPct, mixed.uploadsPerSec, mixed.editsPerSec, cores)
	}
	m.writeErrs.add(float64(load.errs.Load()))
	if e, _ := load.firstErr.Load().(string); e != "" {
		m.writeErrs.note("first: %s", e)
	}
	if n := load.dropped.Load(); n > 0 {
		m.uploads.note("%d ticks found all %d writers of their kind busy and were skipped", n, mixedWriters)
	}
	return m.results(), nil
}

// zipfFigures is one wrk run of the Zipf script.
type zipfFigures struct {
	wrkStats
	hitPct                     float64 // the view cache's hit ratio over the run
	uploadsPerSec, editsPerSec float64 // the writes achieved meanwhile
}

// zipfRun runs wrk with the Zipf script, under load's writes when load is
// not nil, and reads the view cache's hit ratio over the run from
// mediad's metrics.
func zipfRun(ctx context.Context, script string, load *mixedLoad) (f zipfFigures, err error) {
	h0, m0, err := cacheCounts()
	if err != nil {
		return f, err
	}
	if load != nil {
		up, ed, t0 := load.uploads.Load(), load.edits.Load(), time.Now()
		stop := load.start(ctx)
		defer func() {
			stop()
			d := time.Since(t0).Seconds()
			f.uploadsPerSec, f.editsPerSec = float64(load.uploads.Load()-up)/d, float64(load.edits.Load()-ed)/d
		}()
	}
	if f.wrkStats, err = runWrk(ctx, baseURL+"/", "-s", script); err != nil {
		return f, err
	}
	h1, m1, err := cacheCounts()
	if n := h1 + m1 - h0 - m0; err == nil && n > 0 {
		f.hitPct = 100 * (h1 - h0) / n
	}
	return f, err
}

// writesAlone runs the background writes for as long as a wrk run, with
// nothing reading, and returns the cores the machine was busy meanwhile
// (/proc/stat: every process, so what else runs on the machine counts
// too): what the writes leave the readers on this machine.
func writesAlone(ctx context.Context, load *mixedLoad) (float64, error) {
	busy, t0 := machineBusy(), time.Now()
	stop := load.start(ctx)
	err := sleep(ctx, 10*time.Second)
	stop()
	return (machineBusy() - busy) / time.Since(t0).Seconds(), err
}

// cacheCounts reads the link view cache's hit and miss counters from
// mediad's metrics.
func cacheCounts() (hits, misses float64, err error) {
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	found := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		dst := map[string]*float64{"mediad_share_view_cache_hits_total": &hits, "mediad_share_view_cache_misses_total": &misses}[name]
		if ok && dst != nil {
			*dst, err = strconv.ParseFloat(v, 64)
			found++
		}
	}
	if err == nil && found != 2 {
		err = fmt.Errorf("mediad's metrics have no link view cache counters")
	}
	return hits, misses, err
}
