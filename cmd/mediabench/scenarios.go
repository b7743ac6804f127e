package main

import (
	"context"
	"errors"
)

// scenario is one benchmark: the engine's path and its reference.
type scenario struct {
	name   string
	about  string   // one line for the report
	notes  []string // settings that differ from production, and why
	rounds int      // default rounds (big scenarios run fewer to keep make bench under 20 minutes)
	stack  bool     // needs PostgreSQL/Redis/MinIO and the mediad binary
	run    func(ctx context.Context, b *bench, rounds int) ([]Result, error)
}

// errNotBuilt marks a scenario whose feature mediad does not have (its
// route answers "No such route."): it is listed as not run.
var errNotBuilt = errors.New("not run: the feature is not built")

// scenarios in the order make bench runs them: in-process ones first,
// then those that start mediad, the slowest last.
var scenarios = []*scenario{
	{name: "strip", rounds: 5, run: runStrip,
		about: "process.StripJPEG on the 12 MP phone JPEG in memory, beside exiftool -all= and jpegtran -copy none on the same file"},
	{name: "derive", rounds: 5, stack: true, run: runDerive,
		about: "CPU seconds of the full derivative set of the 12 MP JPEG (process.Processor.Image) vs vipsthumbnail preview + thumb; peak RSS of a `mediad work` processing 12 MP photos",
		notes: []string{"The worker's peak RSS comes from a dedicated `mediad work` (concurrency 2) fed through a `mediad serve`, so the API's upload buffers are not counted."}},
	{name: "transcode", rounds: 2, run: runTranscode,
		about: "process.Processor.Play on a 10 s 1080p30 HEVC + AAC clip (the play variant: H.264 High 1280x720 + AAC), beside ffmpeg run directly with the same encoder settings",
		notes: []string{"FFmpegThreads 2 (the default) on both sides; ours also runs under nice -n 10, probes the input and checks the output (boxes, SEI, ffprobe)."}},
	{name: "list", rounds: 5, stack: true, run: runList,
		about: "albums.Store.Items: one 100-item page of a 100,000-item album with mixed visibility, random viewer and cursor, at the database, in upload order and in capture order (the timeline)",
		notes: []string{"Reference: the bare keyset page (same ORDER BY/LIMIT, no visibility filter) on the same rows."}},
	{name: "ingest", rounds: 3, stack: true, run: runIngest,
		about: "1 GiB video through POST /v1/media and through the chunked API vs minio-go PutObject of the same bytes; mediad RSS growth; 100 concurrent 3 MB photo uploads",
		notes: []string{
			"mediad runs in mode `serve`: no worker, so the junk video and photos are never processed.",
			"mediad is restarted before each measured upload (and each burst): RSS growth is the peak VmRSS (sampled every 50 ms) above that fresh process's idle RSS, so nothing an earlier upload left behind is charged to the next.",
			"MEDIA_UPLOAD_RATE_PER_MINUTE=1000000: the per-user rate limit (120/min) would otherwise throttle the benchmark user (a 1 GiB chunked upload is 128 parts).",
			"MEDIA_USER_QUOTA=1TiB: every round stores 2.3 GiB for one user.",
			"Reference PutObject uses the same 8 MiB part size as mediad (MEDIA_S3_PART_SIZE default).",
			"The reference PutObject reads a stream (not an io.ReaderAt), so minio-go uploads its parts one at a time, reading each into a buffer first. The chunked client keeps 4 parts in flight, taken in order from one queue (a mini-program may run several requests at once); the server hashes them in order as they stream (upload/hashchain.go). Beside it: the same client with 1 part in flight, and the chunked upload against PutObject from an io.ReaderAt, for which minio-go uploads 4 parts at once (as from a file).",
		}},
	{name: "pipeline", rounds: 2, stack: true, run: runPipeline,
		about: "200 12 MP photos uploaded by 20 concurrent clients (one user each) to `mediad all` until ready, vs exiftool -all= + vipsthumbnail (preview + thumb) run by 20 goroutines",
		notes: []string{"Clients are closed-loop: each uploads a photo, polls GET /v1/media/:id every 200 ms until ready, then uploads its next. mediad runs with production settings (worker concurrency 2)."}},
	{name: "share-open", rounds: 3, stack: true, run: runShare,
		about: "wrk -t2 -c32 -d10s --latency on GET /v1/public/shares/:token of a 100-item album (`mediad all`) vs a Fiber handler in mediabench returning the same bytes from memory (the ceiling)",
		notes: []string{
			"MEDIA_PUBLIC_RATE_PER_MINUTE=1000000000: the per-network limit on public routes (600/min) would otherwise answer 429 to wrk.",
			"The request is the plain first page (default page size 50 items), the one that counts an open of the link.",
			"Nothing changes during the run, so mediad serves the encoded page from its link view cache (share/viewcache.go) after the first request; each request still checks expiry, counts the open and passes the per-network limit (settled with Redis every 16 requests). The uncached row runs the same link on a `mediad serve` with MEDIA_SHARE_VIEW_CACHE=0, beside the ceiling again.",
		}},
	{name: "dissolve", rounds: 2, stack: true, run: runDissolve,
		about: "dissolution of a 10,000-item album (40,000 objects) through DELETE /v1/albums/:id until finished_at, vs a bare minio-go RemoveObjects of 40,000 keys",
		notes: []string{"Rows and objects are seeded directly (SQL COPY, PutObject with concurrency 16); the owner is a dev-login user. Completion is polled every 200 ms."}},
	{name: "account-delete", rounds: 2, stack: true, run: runAccountDelete,
		about: "DELETE /v1/me of a user with 10,000 media (40,000 objects) until the receipt is done, vs a bare minio-go RemoveObjects of 40,000 keys",
		notes: []string{"Seeded like dissolve (items in no album); the session is fresh (< 5 min). The receipt is polled every 200 ms."}},
	{name: "export", rounds: 3, stack: true, run: runExport,
		about: "1 GiB data export (128 ready items with 8 MiB originals) through POST /v1/me/exports until ready, vs a direct minio-go GetObject -> PutObject streamed copy of the same bytes; mediad RSS growth",
		notes: []string{"Reference copy streams the 128 originals one after another into one object with 8 MiB parts, as the export does."}},
}

func findScenario(name string) *scenario {
	for _, s := range scenarios {
		if s.name == name {
			return s
		}
	}
	return nil
}

func scenarioNames() []string {
	var n []string
	for _, s := range scenarios {
		n = append(n, s.name)
	}
	return n
}
