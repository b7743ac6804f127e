package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

const shareItems = 100

// wrkStats is what the benchmark reads from wrk's output.
type wrkStats struct {
	reqPerSec float64
	p99ms     float64
	non2xx    int
	sockErrs  int // connect, read, write and timeout errors
}

// runShare builds a 100-item link-visible album through the API, shares
// it, then runs wrk on the public open route and on an in-process Fiber
// handler that returns the same bytes from memory.
func runShare(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	m, err := b.start(ctx, "all", shareRate)
	if err != nil {
		return nil, err
	}
	if err := probe(ctx, "POST /v1/shares"); err != nil {
		return nil, err
	}
	path, err := sharedAlbum(ctx)
	if err != nil {
		return nil, err
	}
	body, err := fetchBody(path)
	if err != nil {
		return nil, err
	}
	stopCeiling, err := serveCeiling(body)
	if err != nil {
		return nil, err
	}
	defer stopCeiling()
	b.addNote("response: %d bytes, %d items on the first page", len(body), bytes.Count(body, []byte(`"thumb_url"`)))
	res, err := shareRounds(ctx, b, rounds, path)
	if err != nil || missingTools("wrk") != "" {
		return res, err
	}
	m.stop()
	if _, err := b.start(ctx, "serve", shareRate, "MEDIA_SHARE_VIEW_CACHE=0"); err != nil {
		return nil, err
	}
	unc, err := uncachedRounds(ctx, b, rounds, path)
	return append(res, unc...), err
}

// shareRate lifts the per-network limit on public routes (600/min), which
// would otherwise answer 429 to wrk.
const shareRate = "MEDIA_PUBLIC_RATE_PER_MINUTE=1000000000"

// uncachedRounds measures the same route with the link view cache off
// (every request reads PostgreSQL), beside the ceiling.
func uncachedRounds(ctx context.Context, b *bench, rounds int, path string) ([]Result, error) {
	rps := newMetric("GET /v1/public/shares/:token with MEDIA_SHARE_VIEW_CACHE=0 (uncached): throughput", "req/s",
		"Fiber handler serving the same bytes from memory (ceiling)", ratioAtLeast(0.2))
	for r := 0; r < rounds; r++ {
		eng, err := runWrk(ctx, baseURL+path)
		if err != nil {
			return nil, err
		}
		ceil, err := runWrk(ctx, "http://"+ceilingAddr+path)
		if err != nil {
			return nil, err
		}
		rps.addPair(eng.reqPerSec, ceil.reqPerSec)
		b.logf("round %d, uncached: mediad %.0f req/s p99 %.1f ms; ceiling %.0f req/s", r+1, eng.reqPerSec, eng.p99ms, ceil.reqPerSec)
	}
	return results(rps), nil
}

func shareRounds(ctx context.Context, b *bench, rounds int, path string) ([]Result, error) {
	ref := "Fiber handler serving the same bytes from memory (ceiling)"
	rps := newMetric("GET /v1/public/shares/:token, 100-item album: throughput", "req/s", ref, valueAtLeast(3000), ratioAtLeast(0.3))
	p99 := newMetric("GET /v1/public/shares/:token: p99 latency", "ms", ref, valueAtMost(50))
	bad := newMetric("non-2xx answers and socket errors under wrk", "responses", "", valueIs(0))
	missing := missingTools("wrk")
	if missing != "" {
		rps.missing, p99.missing = missing, missing
		return results(rps, p99), nil
	}
	for r := 0; r < rounds; r++ {
		urls := []string{baseURL + path, "http://" + ceilingAddr + path}
		if r%2 == 1 {
			urls[0], urls[1] = urls[1], urls[0]
		}
		got := map[string]wrkStats{}
		for _, u := range urls {
			s, err := runWrk(ctx, u)
			if err != nil {
				return nil, err
			}
			got[u] = s
		}
		eng, ceil := got[baseURL+path], got["http://"+ceilingAddr+path]
		rps.addPair(eng.reqPerSec, ceil.reqPerSec)
		p99.addPair(eng.p99ms, ceil.p99ms)
		bad.add(float64(eng.non2xx + eng.sockErrs))
		b.logf("round %d: mediad %.0f req/s p99 %.1f ms; ceiling %.0f req/s p99 %.1f ms", r+1, eng.reqPerSec, eng.p99ms, ceil.reqPerSec, ceil.p99ms)
	}
	return results(rps, p99, bad), nil
}

// sharedAlbum creates the album, uploads 100 small GPS-tagged photos
// (distinct trailers) with visibility link, waits until they are ready,
// makes an album link and returns the public route's path.
func sharedAlbum(ctx context.Context) (string, error) {
	c, err := login(ctx, "share-owner")
	if err != nil {
		return "", err
	}
	var a struct {
		Album struct {
			ID string `json:"id"`
		} `json:"album"`
	}
	if err := c.call(ctx, "POST", "/v1/albums", map[string]string{"title": "Shared benchmark album", "default_visibility": "link"}, &a); err != nil {
		return "", err
	}
	if err := fillAlbum(ctx, c, a.Album.ID); err != nil {
		return "", err
	}
	var s struct {
		Token string `json:"token"`
	}
	if err := c.call(ctx, "POST", "/v1/shares", map[string]any{"album_id": a.Album.ID, "expires_in": 86400}, &s); err != nil {
		return "", err
	}
	return "/v1/public/shares/" + s.Token, nil
}

func fillAlbum(ctx context.Context, c *client, albumID string) error {
	photos, err := gpsSet()
	if err != nil {
		return err
	}
	var ids []string
	for i := 0; i < shareItems; i++ {
		p := withTrailer(photos[i%len(photos)], uint64(5000+i))
		v, err := c.upload(ctx, "kind=photo&visibility=link&album_id="+albumID, bytes.NewReader(p), int64(len(p)))
		if err != nil {
			return fmt.Errorf("upload %d: %w", i, err)
		}
		ids = append(ids, v.ID)
	}
	for _, id := range ids {
		if _, err := c.waitReady(ctx, id, 100*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

func fetchBody(path string) ([]byte, error) {
	resp, err := http.Get(baseURL + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: HTTP %d: %s", path, resp.StatusCode, b)
	}
	return b, err
}

// serveCeiling answers the same route with body from memory, with the
// headers mediad sets: the fastest this route could be served here.
func serveCeiling(body []byte) (func(), error) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/v1/public/shares/:token", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set("Referrer-Policy", "no-referrer")
		return c.Send(body)
	})
	ln, err := net.Listen("tcp", ceilingAddr)
	if err != nil {
		return nil, fmt.Errorf("ceiling server: %w", err)
	}
	go app.Listener(ln)
	return func() { app.Shutdown() }, nil
}

// runWrk runs `wrk -t2 -c32 -d10s --latency [extra...] url` and parses
// its output.
func runWrk(ctx context.Context, url string, extra ...string) (wrkStats, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "wrk", append(append([]string{"-t2", "-c32", "-d10s", "--latency"}, extra...), url)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return wrkStats{}, fmt.Errorf("wrk: %v: %s", err, out.String())
	}
	return parseWrk(out.String())
}

var (
	wrkRPS    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkP99    = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s|m)\s*$`)
	wrkNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	wrkSock   = regexp.MustCompile(`Socket errors:\s+(.*)`)
)

func parseWrk(s string) (wrkStats, error) {
	rps, p99 := wrkRPS.FindStringSubmatch(s), wrkP99.FindStringSubmatch(s)
	if rps == nil || p99 == nil {
		return wrkStats{}, fmt.Errorf("cannot read wrk output:\n%s", s)
	}
	st := wrkStats{}
	st.reqPerSec, _ = strconv.ParseFloat(rps[1], 64)
	v, _ := strconv.ParseFloat(p99[1], 64)
	st.p99ms = v * map[string]float64{"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[p99[2]]
	if m := wrkNon2xx.FindStringSubmatch(s); m != nil {
		st.non2xx, _ = strconv.Atoi(m[1])
	}
	if m := wrkSock.FindStringSubmatch(s); m != nil {
		for _, n := range regexp.MustCompile(`\d+`).FindAllString(m[1], -1) {
			k, _ := strconv.Atoi(n)
			st.sockErrs += k
		}
	}
	return st, nil
}
