package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/jpeg"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/internal/testenv"
	"github.com/wxalbum/mediad/internal/testenv/metacheck"
	"github.com/wxalbum/mediad/process"
	"github.com/wxalbum/mediad/upload"
	"github.com/wxalbum/mediad/worker"
)

// procFixtures lists every file under the testdata images and video folders,
// relative to the test data root.
func procFixtures(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"images", "video"} {
		root := testenv.Testdata(t, dir)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(filepath.Dir(root), p)
			out = append(out, filepath.ToSlash(rel))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 30 {
		t.Fatalf("found only %d fixtures: %v", len(out), out)
	}
	return out
}

// fixtureOutcome is what the engine must do with a fixture: refuse it at
// upload (status and code), or accept it and end failed with a reason; the
// zero value means accepted, ready and served clean.
type fixtureOutcome struct {
	refused int
	code    string
	failed  string
}

// fixtureOutcomes pins every hostile and invalid fixture (a test fails when
// one is missing here); every fixture not listed must end ready and clean.
var fixtureOutcomes = map[string]fixtureOutcome{
	// Not an image by content: refused before anything is stored.
	"images/hostile/script.svg":     {refused: http.StatusUnsupportedMediaType, code: "unsupported_type"},
	"images/hostile/html_named.jpg": {refused: http.StatusUnsupportedMediaType, code: "unsupported_type"},
	// Its first byte is 0x10, so it is not a JPEG by its magic bytes.
	"images/hostile/exif_count_overflow_40b.jpg": {refused: http.StatusUnsupportedMediaType, code: "unsupported_type"},
	// A JPEG header whose EXIF loops, and no frame: nothing to decode.
	"images/hostile/exif_ifd_cycle.jpg": {failed: process.ReasonCorrupt},
	// A local colour table past the end of the file: the block scanner used
	// to slice past it and panic.
	"images/hostile/gif_24b_truncated_colour_table.gif": {failed: process.ReasonCorrupt},
	// Declares 100x100, codes 8000x8000: the coded size is over the limit.
	"images/hostile/heic_declares_100_codes_8000.heic": {failed: process.ReasonTooManyPixels},
	// An animated WebP (an EXIF chunk inside a frame): animations are not
	// decoded, so it fails; the stripper removes the frame's EXIF anyway.
	"images/hostile/webp_animated_exif_in_frame.webp": {failed: process.ReasonCorrupt},
	// 144 MP declared: refused by the pixel limit before any decode.
	"images/hostile/png_144mp_bomb.png": {failed: process.ReasonTooManyPixels},
	// Damaged EXIF around a decodable picture: served, clean.
	"images/invalid/image00971.jpg": {},
	"images/invalid/image01088.jpg": {},
	"images/invalid/image01137.jpg": {},
}

// fixtureOutcomeOf returns rel's pinned outcome, failing the test for a
// hostile or invalid fixture nobody pinned.
func fixtureOutcomeOf(t *testing.T, rel string) fixtureOutcome {
	t.Helper()
	o, ok := fixtureOutcomes[rel]
	if !ok && (strings.HasPrefix(rel, "images/hostile/") || strings.HasPrefix(rel, "images/invalid/")) {
		t.Fatalf("%s has no expected outcome in fixtureOutcomes", rel)
	}
	return o
}

// uploadFixture uploads rel and checks the upload answer against its pinned
// outcome; it returns the item (ok false when it was refused as pinned).
func uploadFixture(t *testing.T, e *engine, tok, rel string) (mediaView, bool) {
	t.Helper()
	o := fixtureOutcomeOf(t, rel)
	if o.refused == 0 {
		return e.uploadFixture(tok, rel), true
	}
	status, b := e.uploadStatus(tok, fixtureFile(t, rel))
	if status != o.refused || errorCode(t, b) != o.code {
		t.Errorf("%s: upload answered %d %s; want %d %s", rel, status, b, o.refused, o.code)
	}
	return mediaView{}, false
}

// checkSettled compares a settled item with rel's pinned outcome.
func checkSettled(t *testing.T, rel string, m mediaView) {
	t.Helper()
	o := fixtureOutcomeOf(t, rel)
	switch {
	case o.failed != "" && (m.Status != "failed" || procStr(m.FailReason) != o.failed):
		t.Fatalf("ended %s %q, want failed %q", m.Status, procStr(m.FailReason), o.failed)
	case o.failed == "" && m.Status != "ready":
		t.Fatalf("ended %s %q, want ready", m.Status, procStr(m.FailReason))
	case m.Status == "failed" && len(m.URLs) != 0:
		t.Errorf("failed item has urls %v", m.URLs)
	}
}

// TestEveryFixtureProcessedAndServedClean uploads every fixture, waits for
// each to settle as fixtureOutcomes says, and checks every served variant
// (fetched over HTTP through its signed URL) with exiftool: no location,
// device, author or trailer survives. Upright orientation is checked on
// the previews.
func TestEveryFixtureProcessedAndServedClean(t *testing.T) {
	procExiftool(t)
	// The checker itself must see the leaks in the raw fixtures.
	for _, rel := range []string{"images/crafted/xmp_first_orientation6.jpg", "video/location_apple_keys.mov"} {
		if bad := metacheck.Dirty(t, testenv.Testdata(t, rel)); len(bad) == 0 {
			t.Fatalf("exiftool check finds nothing in raw %s: the check is blind", rel)
		}
	}
	if n, _ := metacheck.TrailingBytes(procRead(t, "images/crafted/iptc_comment_trailer.jpg")); n == 0 {
		t.Fatal("trailer check finds nothing after the raw motion-photo JPEG")
	}

	e := startEngine(t, "all", map[string]string{"MEDIA_WORKER_CONCURRENCY": "2"})
	tok := e.login("fixtures")
	names := map[string]string{} // media id -> fixture
	var ids []string
	for _, rel := range procFixtures(t) {
		if m, ok := uploadFixture(t, e, tok, rel); ok {
			names[m.ID] = rel
			ids = append(ids, m.ID)
		}
	}
	settled := e.waitSettled(tok, 90*time.Second, ids...)

	for _, id := range ids {
		rel, m := names[id], settled[id]
		t.Run(rel, func(t *testing.T) {
			checkSettled(t, rel, m)
			if m.Status == "ready" {
				procCheckServed(t, e, rel, m)
			}
		})
	}
	if keys := procRawLeft(e); len(keys) != 0 {
		t.Errorf("raw uploads left in quarantine after processing: %v", keys)
	}
}

// procCheckServed fetches every variant of a ready item through its signed
// URL and checks headers, cleanliness and, for orientation samples, shape.
func procCheckServed(t *testing.T, e *engine, rel string, m mediaView) {
	t.Helper()
	var want []string
	for _, v := range upload.Variants(upload.Kind(m.Kind)) {
		want = append(want, string(v))
	}
	var got []string
	for v := range m.URLs {
		got = append(got, v)
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("url variants (-want +got):\n%s", diff)
	}
	for v, u := range m.URLs {
		if !strings.HasPrefix(u, e.base+"/f/"+m.ID+"/"+v+"?t=") {
			t.Errorf("%s url %s is not our signed endpoint", v, u)
		}
		resp, body := procFetch(t, u, nil)
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("%s: status %d, %d bytes", v, resp.StatusCode, len(body))
			continue
		}
		ct := procServedType(rel, v)
		procCheckHeaders(t, resp, ct, `inline; filename="`+v+procExt(ct)+`"`)
		if got := http.DetectContentType(body); got != ct {
			t.Errorf("%s: served as %s but the body sniffs as %s", v, ct, got)
		}
		procAssertClean(t, v+procExt(ct), body)
		if v == "preview" && strings.HasPrefix(rel, "images/orientation/") {
			procCheckUpright(t, rel, body)
		}
	}
}

// procCheckUpright decodes a preview: landscape samples must come out
// wider than tall, portrait ones taller than wide.
func procCheckUpright(t *testing.T, rel string, body []byte) {
	t.Helper()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("preview does not decode as JPEG: %v", err)
	}
	landscape := strings.Contains(rel, "landscape_")
	if landscape != (cfg.Width > cfg.Height) {
		t.Errorf("preview %dx%d is not upright (landscape sample: %v)", cfg.Width, cfg.Height, landscape)
	}
}

// procServedType is the content type a variant of a fixture is served
// as: derivatives are JPEG, originals keep their format, videos are MP4.
func procServedType(rel, variant string) string {
	switch {
	case variant != "original":
		return "image/jpeg"
	case strings.HasPrefix(rel, "video/"):
		return "video/mp4"
	case strings.HasSuffix(rel, ".png"):
		return "image/png"
	case strings.HasSuffix(rel, ".webp"):
		return "image/webp"
	}
	return "image/jpeg"
}

func procExt(ct string) string {
	switch ct {
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "video/mp4":
		return ".mp4"
	}
	return ".jpg"
}

func procRead(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Testdata(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHostileFilesFailWithReasonWorkerKeepsServing sends the hostile
// files first, then a good photo: each ends as fixtureOutcomes pins it,
// none leaves its raw upload or gets a URL, and the worker still turns
// the good photo ready.
func TestHostileFilesFailWithReasonWorkerKeepsServing(t *testing.T) {
	e := startEngine(t, "all", nil)
	tok := e.login("mallory")
	uid := e.userID(tok)
	sg := procSigner(t)
	names := map[string]string{}
	var ids []string
	for _, rel := range slices.Sorted(maps.Keys(fixtureOutcomes)) {
		if !strings.HasPrefix(rel, "images/hostile/") {
			continue
		}
		if m, ok := uploadFixture(t, e, tok, rel); ok {
			names[m.ID] = rel
			ids = append(ids, m.ID)
		}
	}
	good := e.uploadFixture(tok, "images/gps/DSCN0010.jpg")
	settled := e.waitSettled(tok, 60*time.Second, append(ids, good.ID)...)
	for _, id := range ids {
		m, rel := settled[id], names[id]
		t.Run(rel, func(t *testing.T) {
			checkSettled(t, rel, m)
			if n := e.count(`SELECT count(*) FROM media WHERE id = $1 AND status = 'failed' AND fail_reason <> ''`, id); n != 1 {
				t.Errorf("row not failed with a reason")
			}
			// Nothing of a failed item is served: not with a forged token,
			// not even with a correctly signed one.
			procFetchStatus(t, e, "/f/"+id+"/original?t=AAAAAAAAAAAA.forged", 403, "invalid_signature")
			procFetchStatus(t, e, procSignedPath(sg, id, "original", "u:"+uid, time.Now().Add(time.Minute)), 404, "not_found")
			if keys := procKeys(e, upload.ObjectPrefix(id)); len(keys) != 0 {
				t.Errorf("failed item left objects %v", keys)
			}
		})
	}
	if g := settled[good.ID]; g.Status != "ready" || len(g.URLs) != 4 {
		t.Errorf("good photo after the hostile ones: %s, urls %v", g.Status, g.URLs)
	}
	if keys := procRawLeft(e); len(keys) != 0 {
		t.Errorf("raw uploads left in quarantine: %v", keys)
	}
}

// TestNothingServedBeforeReady runs the API without a worker: an upload
// stays processing, gets no URLs, and even a correctly signed URL for it
// is 404; the raw upload in quarantine has no route at all.
func TestNothingServedBeforeReady(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("early")
	uid := e.userID(tok)
	m := e.uploadFixture(tok, "images/gps/DSCN0012.jpg")
	if got := e.getMedia(tok, m.ID, 200); got.Status != "processing" || len(got.URLs) != 0 {
		t.Fatalf("GET while processing: %+v; want processing without urls", got)
	}
	if keys := procKeys(e, upload.RawPrefix); !slices.Equal(keys, []string{upload.RawKey(m.ID)}) {
		t.Fatalf("quarantine holds %v, want the raw upload", keys)
	}
	sg := procSigner(t)
	exp := time.Now().Add(5 * time.Minute)
	for _, v := range upload.Variants(upload.KindPhoto) {
		procFetchStatus(t, e, procSignedPath(sg, m.ID, string(v), "u:"+uid, exp), 404, "not_found")
	}
	// The raw upload is not a variant and its key has no route.
	procFetchStatus(t, e, procSignedPath(sg, m.ID, "raw", "u:"+uid, exp), 404, "not_found")
	procFetchStatus(t, e, procSignedPath(sg, m.ID, "incoming", "u:"+uid, exp), 404, "not_found")
	procFetchStatus(t, e, "/f/incoming/"+m.ID+"?t=x.y", 404, "")
	procFetchStatus(t, e, "/"+upload.RawKey(m.ID), 404, "")
	procFetchStatus(t, e, "/"+e.blob.Bucket()+"/"+upload.RawKey(m.ID), 404, "")
	procFetchStatus(t, e, "/f/..%2Fincoming%2F"+m.ID+"/original?t=x.y", 404, "")
	// Nor does the bucket serve it to anyone without credentials.
	resp, _ := procFetch(t, "http://"+e.env["MEDIA_S3_ENDPOINT"]+"/"+e.blob.Bucket()+"/"+upload.RawKey(m.ID), nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous GET of the raw object from MinIO: %d, want 403", resp.StatusCode)
	}
}

// TestSignedURLs checks the grant on /f/:id/:variant: tampered, expired,
// swapped, foreign and revoked grants are refused; a good one serves with
// Range support and safe headers.
func TestSignedURLs(t *testing.T) {
	e := startEngine(t, "all", nil)
	alice, bob := e.login("alice"), e.login("bob")
	aliceID, bobID := e.userID(alice), e.userID(bob)
	m := e.uploadFixture(alice, "images/orientation/landscape_1.jpg")
	m = e.waitSettled(alice, 30*time.Second, m.ID)[m.ID]
	if m.Status != "ready" {
		t.Fatalf("status %s", m.Status)
	}
	orig := m.URLs["original"]
	resp, full := procFetch(t, orig, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("original: %d", resp.StatusCode)
	}
	procCheckHeaders(t, resp, "image/jpeg", `inline; filename="original.jpg"`)
	if got := resp.Header.Get("Content-Length"); got != fmt.Sprint(len(full)) {
		t.Errorf("Content-Length %s, body %d", got, len(full))
	}

	t.Run("range", func(t *testing.T) {
		size := len(full)
		for _, c := range []struct {
			header     string
			start, end int
		}{{"bytes=10-99", 10, 99}, {"bytes=-20", size - 20, size - 1}, {fmt.Sprintf("bytes=%d-", size-5), size - 5, size - 1}} {
			resp, b := procFetch(t, orig, map[string]string{"Range": c.header})
			if resp.StatusCode != 206 {
				t.Errorf("%s: status %d, want 206", c.header, resp.StatusCode)
				continue
			}
			if got, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", c.start, c.end, size); got != want {
				t.Errorf("%s: Content-Range %q, want %q", c.header, got, want)
			}
			if !bytes.Equal(b, full[c.start:c.end+1]) {
				t.Errorf("%s: wrong bytes", c.header)
			}
			procCheckHeaders(t, resp, "image/jpeg", `inline; filename="original.jpg"`)
		}
		resp, _ := procFetch(t, orig, map[string]string{"Range": fmt.Sprintf("bytes=%d-", size)})
		if resp.StatusCode != 416 || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", size) {
			t.Errorf("unsatisfiable range: %d %q", resp.StatusCode, resp.Header.Get("Content-Range"))
		}
	})

	t.Run("refused", func(t *testing.T) {
		sg := procSigner(t)
		path := strings.TrimPrefix(orig, e.base)
		tok := path[strings.Index(path, "?t=")+3:]
		i := strings.LastIndex(tok, ".") + 2
		flip := map[byte]byte{'A': 'B'}[tok[i]]
		if flip == 0 {
			flip = 'A'
		}
		tampered := tok[:i] + string(flip) + tok[i+1:]
		thumbTok := m.URLs["thumb"][strings.Index(m.URLs["thumb"], "?t=")+3:]
		other := e.uploadFixture(alice, "images/orientation/portrait_1.jpg")
		soon := time.Now().Add(time.Minute)
		for name, p := range map[string]string{
			"tampered mac":       "/f/" + m.ID + "/original?t=" + tampered,
			"no token":           "/f/" + m.ID + "/original",
			"garbage token":      "/f/" + m.ID + "/original?t=garbage",
			"thumb token":        "/f/" + m.ID + "/original?t=" + thumbTok,
			"other item's token": "/f/" + other.ID + "/original?t=" + tok,
			"expired":            procSignedPath(sg, m.ID, "original", "u:"+aliceID, time.Now().Add(-time.Second)),
			"viewer rewritten":   "/f/" + m.ID + "/original?t=" + procSwapViewer(t, tok, "u:"+bobID),
		} {
			resp, b := procFetch(t, e.base+p, nil)
			if resp.StatusCode != 403 || errorCode(t, b) != "invalid_signature" {
				t.Errorf("%s: %d %s, want 403 invalid_signature", name, resp.StatusCode, b)
			}
		}
		// Correctly signed, but for someone who may not see the item.
		procFetchStatus(t, e, procSignedPath(sg, m.ID, "original", "u:"+bobID, soon), 404, "not_found")
		procFetchStatus(t, e, procSignedPath(sg, m.ID, "original", "l:"+bobID, soon), 404, "not_found")
		procFetchStatus(t, e, procSignedPath(sg, m.ID, "poster", "u:"+aliceID, soon), 404, "not_found")
		// Bob cannot see it through the API either, and gets no URLs.
		e.do("GET", "/v1/media/"+m.ID, bob, nil, 404, nil)
	})

	t.Run("revoked by delete", func(t *testing.T) {
		// A URL is a bearer capability until it expires...
		if resp, _ := procFetch(t, m.URLs["thumb"], nil); resp.StatusCode != 200 {
			t.Fatalf("thumb before delete: %d", resp.StatusCode)
		}
		// ...but access is re-checked: once deleted it serves nothing.
		e.do("DELETE", "/v1/media/"+m.ID, alice, nil, 202, nil)
		for v, u := range m.URLs {
			if resp, b := procFetch(t, u, nil); resp.StatusCode != 404 {
				t.Errorf("%s after delete: %d %s, want 404", v, resp.StatusCode, b)
			}
		}
		if !poll(20*time.Second, func() bool { return len(procKeys(e, upload.ObjectPrefix(m.ID))) == 0 }) {
			t.Errorf("objects left after delete: %v", procKeys(e, upload.ObjectPrefix(m.ID)))
		}
	})
}

// procSwapViewer re-encodes a token's payload with another viewer while
// keeping the original MAC.
func procSwapViewer(t *testing.T, tok, viewer string) string {
	t.Helper()
	p, mac, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || len(raw) < 9 {
		t.Fatalf("token payload %q: %v", p, err)
	}
	return base64.RawURLEncoding.EncodeToString(append(raw[:8:8], viewer...)) + "." + mac
}

func procCheckHeaders(t *testing.T, resp *http.Response, ct, disposition string) {
	t.Helper()
	for h, want := range map[string]string{
		"Content-Type": ct, "X-Content-Type-Options": "nosniff", "Content-Disposition": disposition, "Accept-Ranges": "bytes",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") || strings.Contains(cc, "public") {
		t.Errorf("Cache-Control %q, want private", cc)
	}
}

// TestProcessingIsIdempotentAndRerunSafe runs the handler for one item
// twice at once, then lets the queued task and a second enqueue run on a
// worker: one set of objects at the deterministic keys, row ready, raw gone,
// and re-runs after ready change nothing.
func TestProcessingIsIdempotentAndRerunSafe(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("twice")
	m := e.uploadFixture(tok, "images/crafted/xmp_first_orientation6.jpg")
	in := e.inspector()
	st, info := procTaskState(t, in, m.ID)
	if st != asynq.TaskStatePending {
		t.Fatalf("upload queued the task in state %v, want pending", st)
	}
	// The task carries the media id only, under the media id's task id,
	// with at most 8 retries.
	if info.Type != worker.TypeProcessMedia || info.Queue != worker.QueueCritical || info.MaxRetry != 8 ||
		string(info.Payload) != `{"media_id":"`+m.ID+`"}` {
		t.Errorf("queued task: type %s queue %s max retry %d payload %s", info.Type, info.Queue, info.MaxRetry, info.Payload)
	}

	// Two deliveries of the same task at once (a duplicate run).
	h := procMediaHandler(t, e)
	task, err := worker.NewProcessMediaTask(m.ID, upload.KindPhoto, worker.Config{})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- h.ProcessTask(context.Background(), task) }()
	}
	ok := 0
	for range 2 {
		// A run that finds the raw upload already consumed by the other
		// fails transiently; asynq would retry it, as done here.
		first := <-errs
		switch {
		case first == nil:
			ok++
		case worker.IsSkipRetry(first):
			t.Fatalf("ProcessTask gave up: %v", first)
		default:
			t.Logf("one concurrent run failed transiently: %v", first)
			if err := h.ProcessTask(context.Background(), task); err != nil {
				t.Fatalf("ProcessTask retried after %v: %v", first, err)
			}
		}
	}
	if ok == 0 {
		t.Fatal("neither of two concurrent runs succeeded")
	}
	want := procVariantKeys(m.ID, "photo")
	if diff := cmp.Diff(want, procKeys(e, upload.ObjectPrefix(m.ID))); diff != "" {
		t.Fatalf("objects after two runs (-want +got):\n%s", diff)
	}
	if keys := procKeys(e, upload.RawPrefix); len(keys) != 0 {
		t.Fatalf("raw upload left: %v", keys)
	}
	before := procObjects(t, e, m.ID)
	var updated time.Time
	procRow(t, e, m.ID, &updated)

	// The task queued by the upload, then the same task enqueued again
	// by hand, run on a real worker: both are no-ops now.
	e.startAnother("work", map[string]string{"MEDIA_WORKER_SHUTDOWN_TIMEOUT": "2s"})
	if !poll(20*time.Second, func() bool { st, _ := procTaskState(t, in, m.ID); return st == 0 }) {
		t.Fatal("queued task did not finish")
	}
	c := asynq.NewClient(worker.RedisOpt(procWorkerConfig(t, e)))
	defer c.Close()
	if _, err := c.Enqueue(task); err != nil {
		t.Fatalf("enqueue again: %v", err)
	}
	if !poll(20*time.Second, func() bool { st, _ := procTaskState(t, in, m.ID); return st == 0 }) {
		t.Fatal("re-enqueued task did not finish")
	}
	if err := h.ProcessTask(context.Background(), task); err != nil {
		t.Fatalf("ProcessTask on a ready item: %v", err)
	}
	if diff := cmp.Diff(before, procObjects(t, e, m.ID)); diff != "" {
		t.Errorf("re-runs after ready rewrote objects (-before +after):\n%s", diff)
	}
	var after time.Time
	if status := procRow(t, e, m.ID, &after); status != "ready" || !after.Equal(updated) {
		t.Errorf("row after re-runs: %s updated %v (was %v); want ready, untouched", status, after, updated)
	}
	if got := e.getMedia(tok, m.ID, 200); got.Status != "ready" || len(got.URLs) != 4 {
		t.Errorf("GET after re-runs: %+v", got)
	}
}

// procMediaHandler builds the worker's media handler on e's database and
// bucket, as registerTasks does.
func procMediaHandler(t *testing.T, e *engine) *worker.Media {
	t.Helper()
	proc, err := process.New(process.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return worker.NewMedia(upload.NewStore(e.pool), upload.NewStore(e.pool), worker.ReadyTx{Conn: e.pool}, e.blob, proc, procClient(t, e),
		upload.Config{}.Defaults().MaxSize, slog.New(slog.DiscardHandler))
}

// procObjects maps each object under media/<id>/ to its ETag and time.
func procObjects(t *testing.T, e *engine, id string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, k := range procKeys(e, upload.ObjectPrefix(id)) {
		info, err := e.blob.Stat(context.Background(), k)
		if err != nil {
			t.Fatalf("stat %s: %v", k, err)
		}
		out[k] = fmt.Sprintf("%s@%s", info.ETag, info.LastModified.UTC().Format(time.RFC3339Nano))
	}
	return out
}

// procRow returns the status of media id and stores its updated_at.
func procRow(t *testing.T, e *engine, id string, updated *time.Time) string {
	t.Helper()
	var status string
	if err := e.pool.QueryRow(context.Background(), `SELECT status, updated_at FROM media WHERE id = $1`, id).Scan(&status, updated); err != nil {
		t.Fatalf("media row %s: %v", id, err)
	}
	return status
}

// TestStorageOutageIsWaitedOut runs the API on the real MinIO and a worker
// that reaches MinIO through a proxy that can be taken down. An outage
// does not use up attempts (MEDIA_WORKER_MAX_RETRY is 1 here, so one
// counted failure would archive the task): the task is tried again every
// few seconds, the item stays processing without URLs, and once storage is
// back the item is finished without anyone touching the queue, its raw
// copy deleted. (A real failure on the last attempt marking the item failed
// is TestProcessTaskOutcomes in worker.)
func TestStorageOutageIsWaitedOut(t *testing.T) {
	retry := map[string]string{"MEDIA_WORKER_MAX_RETRY": "1"}
	e := startEngine(t, "serve", retry)
	proxy := newTCPProxy(t, e.env["MEDIA_S3_ENDPOINT"])
	e.startAnother("work", map[string]string{"MEDIA_S3_ENDPOINT": proxy.addr, "MEDIA_WORKER_MAX_RETRY": "1", "MEDIA_WORKER_SHUTDOWN_TIMEOUT": "2s"})
	in := e.inspector()
	tok := e.login("outage")
	proxy.setDown(true)

	m := e.uploadFixture(tok, "images/gps/DSCN0021.jpg")
	var first *asynq.TaskInfo
	if !poll(20*time.Second, func() bool {
		st, info := procTaskState(t, in, m.ID)
		first = info
		return st == asynq.TaskStateRetry
	}) {
		t.Fatalf("task for %s never waited in retry during the outage", m.ID)
	}
	if first.Retried != 0 || !strings.Contains(first.LastErr, "storage_unavailable") {
		t.Errorf("after the first attempt: retried %d, last error %q; want 0 and storage_unavailable", first.Retried, first.LastErr)
	}
	// A later attempt, storage still down: still not counted, so with one
	// retry allowed the task is neither archived nor the item failed.
	var later *asynq.TaskInfo
	if !poll(20*time.Second, func() bool {
		st, info := procTaskState(t, in, m.ID)
		later = info
		return st == asynq.TaskStateRetry && info.NextProcessAt.After(first.NextProcessAt)
	}) {
		st, _ := procTaskState(t, in, m.ID)
		t.Fatalf("no second attempt during the outage: task is %s", procStateName(st))
	}
	if later.Retried != 0 {
		t.Errorf("outage attempts counted: retried %d", later.Retried)
	}
	if got := e.getMedia(tok, m.ID, 200); got.Status != "processing" || len(got.URLs) != 0 {
		t.Fatalf("during the outage: %+v, want processing without urls", got)
	}

	proxy.setDown(false)
	got := e.waitSettled(tok, 20*time.Second, m.ID)[m.ID]
	if got.Status != "ready" || len(got.URLs) != 4 {
		t.Fatalf("after storage came back: %s %s, urls %v", got.Status, procStr(got.FailReason), got.URLs)
	}
	if diff := cmp.Diff(procVariantKeys(m.ID, "photo"), procKeys(e, upload.ObjectPrefix(m.ID))); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	if keys := procRawLeft(e); len(keys) != 0 {
		t.Errorf("raw upload kept after processing: %v", keys)
	}
	if resp, _ := procFetch(t, got.URLs["preview"], nil); resp.StatusCode != 200 {
		t.Errorf("preview: %d", resp.StatusCode)
	}
}

// procClient is a worker client on the package's Redis database.
func procClient(t *testing.T, e *engine) *worker.Client {
	t.Helper()
	c := worker.NewClient(procWorkerConfig(t, e))
	t.Cleanup(func() { c.Close() })
	return c
}

// TestKilledWorkerIsFinishedBySweep kills (SIGKILL, whole process group)
// `mediad work` processes in the middle of a video. Asynq takes an orphaned
// task back once its lease runs out: with retries left a fresh worker
// finishes the item; when the kill hit the last attempt the task is
// archived and the sweep re-enqueues the item. A sweep while the task is
// orphaned adds no second copy, and exactly one set of derivatives exists
// at the end.
func TestKilledWorkerIsFinishedBySweep(t *testing.T) {
	bin := procBuild(t, t.TempDir())
	t.Run("retry", func(t *testing.T) {
		k := procKillSetup(t, bin, "8")
		k.killWhenActive(t, k.spawn(t, true))
		// A sweep now re-enqueues the stuck item but must not start a
		// second copy next to the orphaned one.
		if r, err := k.sweep.Quick(context.Background(), time.Now()); err != nil || r.StuckRequeued != 1 {
			t.Fatalf("sweep: %+v, %v; want one item requeued", r, err)
		}
		if st, _ := procTaskState(t, k.in, k.m.ID); st != asynq.TaskStateActive {
			t.Fatalf("after the sweep the task is %s, want the one orphaned copy", procStateName(st))
		}
		if n, _ := k.in.ListPendingTasks(worker.QueueCritical); len(n) != 0 {
			t.Fatalf("sweep queued a second copy: %v", n)
		}
		k.expireAndRecover(t, false)
		k.runRetryNow(t)
		k.checkFinished(t)
	})
	t.Run("sweep", func(t *testing.T) {
		k := procKillSetup(t, bin, "1")
		k.killWhenActive(t, k.spawn(t, true))
		// The retry is killed too: that was the last attempt.
		w2 := k.expireAndRecover(t, true)
		k.runRetryNow(t)
		k.killWhenActive(t, w2)
		k.expireAndRecover(t, false)
		if st, info := procTaskState(t, k.in, k.m.ID); st != asynq.TaskStateArchived {
			t.Fatalf("task killed on its last attempt: %v (%s), want archived", st, procLastErr(info))
		}
		if got := k.e.getMedia(k.tok, k.m.ID, 200); got.Status != "processing" {
			t.Fatalf("item after its task was archived: %s", got.Status)
		}
		// Nothing will run it again but the sweep.
		if r, err := k.sweep.Quick(context.Background(), time.Now()); err != nil || r.StuckRequeued != 1 {
			t.Fatalf("sweep: %+v, %v; want one item requeued", r, err)
		}
		k.checkFinished(t)
	})
}

// procKilled is a video whose workers get killed mid-task.
type procKilled struct {
	e     *engine
	in    *asynq.Inspector
	bin   string
	slow  string // an ffprobe that first sleeps, so a kill lands mid-task
	tok   string
	m     mediaView
	sweep *upload.Sweeper
}

// procKillSetup starts the API with MEDIA_WORKER_MAX_RETRY maxRetry and
// uploads a video; no worker runs yet.
func procKillSetup(t *testing.T, bin, maxRetry string) *procKilled {
	t.Helper()
	e := startEngine(t, "serve", map[string]string{"MEDIA_WORKER_MAX_RETRY": maxRetry})
	k := &procKilled{e: e, in: e.inspector(), bin: bin, tok: e.login("killed")}
	k.sweep = upload.NewSweeper(upload.Config{StuckAfter: time.Nanosecond}, upload.NewStore(e.pool), e.blob, procClient(t, e))
	k.slow = filepath.Join(t.TempDir(), "slow-ffprobe")
	if err := os.WriteFile(k.slow, []byte("#!/bin/sh\nsleep 30\nexec ffprobe \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	k.m = e.uploadFixture(k.tok, "video/location_udta.mp4")
	return k
}

// spawn starts a `mediad work` process, with the slow ffprobe if slow.
func (k *procKilled) spawn(t *testing.T, slow bool) *procProc {
	t.Helper()
	env := map[string]string{}
	if slow {
		env["MEDIA_FFPROBE"] = k.slow
	}
	return procSpawnWorker(t, k.bin, k.e, env)
}

// killWhenActive waits until w runs the task, SIGKILLs it, and checks the
// task is left orphaned (active) and the item processing.
func (k *procKilled) killWhenActive(t *testing.T, w *procProc) {
	t.Helper()
	if !poll(20*time.Second, func() bool { st, _ := procTaskState(t, k.in, k.m.ID); return st == asynq.TaskStateActive }) {
		k.e.dumpAsynq([]string{k.m.ID})
		t.Fatal("worker never started the task")
	}
	w.signal(syscall.SIGKILL)
	<-w.done
	if st, _ := procTaskState(t, k.in, k.m.ID); st != asynq.TaskStateActive {
		t.Fatalf("after the kill the task is %s, want active (orphaned)", procStateName(st))
	}
	if got := k.e.getMedia(k.tok, k.m.ID, 200); got.Status != "processing" {
		t.Fatalf("after the kill: %s", got.Status)
	}
}

// expireAndRecover lets the orphaned task's lease run out and starts a
// fresh worker, whose recoverer takes the task back at start.
func (k *procKilled) expireAndRecover(t *testing.T, slow bool) *procProc {
	t.Helper()
	procExpireLease(t, k.e, "process:"+k.m.ID)
	w := k.spawn(t, slow)
	if !poll(20*time.Second, func() bool { st, _ := procTaskState(t, k.in, k.m.ID); return st != asynq.TaskStateActive }) {
		t.Fatal("orphaned task not recovered")
	}
	return w
}

// runRetryNow checks the recovered task waits for its retry and runs it
// at once instead of waiting out the backoff (15s and more).
func (k *procKilled) runRetryNow(t *testing.T) {
	t.Helper()
	st, info := procTaskState(t, k.in, k.m.ID)
	if st != asynq.TaskStateRetry || !strings.Contains(info.LastErr, "lease expired") {
		t.Fatalf("recovered task: %v, last error %q; want retry after lease expired", st, procLastErr(info))
	}
	if err := k.in.RunTask(worker.QueueCritical, "process:"+k.m.ID); err != nil {
		t.Fatalf("asynq: run task: %v", err)
	}
}

// checkFinished waits for the item to turn ready and checks it has exactly
// one set of derivatives and no raw upload left.
func (k *procKilled) checkFinished(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			k.e.dumpAsynq([]string{k.m.ID})
		}
	})
	got := k.e.waitSettled(k.tok, 30*time.Second, k.m.ID)[k.m.ID]
	if got.Status != "ready" || len(got.URLs) != 5 {
		t.Fatalf("after recovery: %s %s, urls %v", got.Status, procStr(got.FailReason), got.URLs)
	}
	if diff := cmp.Diff(procVariantKeys(k.m.ID, "video"), procKeys(k.e, upload.ObjectPrefix(k.m.ID))); diff != "" {
		t.Errorf("derivatives (-want +got):\n%s", diff)
	}
	if keys := procRawLeft(k.e); len(keys) != 0 {
		t.Errorf("raw upload left: %v", keys)
	}
	if resp, _ := procFetch(t, got.URLs["original"], nil); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Errorf("original: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func procLastErr(info *asynq.TaskInfo) string {
	if info == nil {
		return "<no task>"
	}
	return info.LastErr
}
