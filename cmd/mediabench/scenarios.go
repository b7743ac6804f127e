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
		about: "CPU seconds per derivative set of the 12 MP JPEG: process.Processor.Image on one thread vs libvips in process making preview, thumb and card (target <= 0.8x, stretch <= 0.7x); ours on all cores; the vipsthumbnail CLI as what a shell script costs; peak RSS of a `mediad work` processing 12 MP photos",
		notes: []string{
			"Both sides are timed alike, each in a process of its own: user + system CPU of the whole process (every thread; Go's GC included) over 5 sets after one warm-up set, divided by 5. Ours is mediabench re-run as a child (-derive-child) with GOMAXPROCS=1, which also makes process's row parallelism (parallelRows) single-threaded; the all-cores row is the same child with Go's default GOMAXPROCS.",
			"The libvips reference is scripts/bench/vipsref.c, compiled at bench time against libvips-dev (scripts/devstack up --bench installs it) into .devstack/vipsref. It reads the photo into memory once; per set it calls vips_thumbnail_buffer three times (preview inside 1440x1440, thumb with the short edge 320, card 500x400 with crop centre; size down) and vips_jpegsave_buffer with strip and our qualities (82, 80, 82). VIPS_CONCURRENCY=1, operation cache off (vips_cache_set_max(0)), so no set is served from an earlier one.",
			"Ours does more than the reference: it also makes the stripped original (a lossless re-mux of the upload) and the ThumbHash placeholder, reads the capture time and checks limits before decoding.",
			"The stretch target (ratio <= 0.7) is reported in the row's note, not as pass/fail.",
			"The vipsthumbnail row starts vipsthumbnail twice per set (preview, thumb; no card), so it is charged two process start-ups: it is what a shell script pays, not what libvips costs.",
			"The worker's peak RSS comes from a dedicated `mediad work` (concurrency 2) fed through a `mediad serve`, so the API's upload buffers are not counted.",
			"Profiles (`GOMAXPROCS=1 go test -run '^$' -bench '^BenchmarkImage$' -benchtime 15x -benchmem -cpuprofile` in process/, `go tool pprof -top`), measured on 2026-12-05 in the same minute. Before the scaled decode (a89366a): 288 ms, 52.4 MB and 6879 allocations per set; top flat entries process.horizontalRow 14.2%, image/jpeg reconstructBlock 13.5% (23.8% cum), receiveExtend 7.2%, process.verticalRow 6.8%, image/jpeg idctRows 6.5%, div 6.3%, decodeHuffman 6.1%, processSOS 46.9% cum: the full 12 MP decode and the resize from full size were three quarters of the time. After (JPEG decoded at 1/2, 1/4 or 1/8 scale in the DCT domain, YCbCr planes end to end): 156 ms, 13.3 MB and 706 allocations per set; top flat entries jpegdec receiveExtend 12.2%, processSOS 11.4% (51.1% cum), process.horizontal1 9.6%, jpegdec decodeHuffman 9.2%, process.vertical1 6.1%, jpegdec ensureNBits 5.7%, idct4x4 5.7%, jpegenc emit 4.8%, quantize 3.9%: entropy decoding, which no scale can skip, is now the largest cost.",
		}},
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
			"The reference PutObject reads a stream (not an io.ReaderAt), so minio-go uploads its parts one at a time, reading each into a buffer first. The chunked client keeps 4 parts in flight, taken in order from one queue (a mini-program may run several requests at once); the server hashes them in order as they stream (upload/hashchain.go), keeping a part that arrives ahead of its turn (at most 3 per upload) until the parts before it are in, so completion checks the declared SHA-256 without reading the object back. Beside it: the same client with 1 part in flight, and the chunked upload against PutObject from an io.ReaderAt with NumThreads 4 and the same 8 MiB parts (as from a file): the parallel reference, target >= 0.9x.",
			"Both sides sign their payloads to MinIO the same way (minio-go's default over plain HTTP: streaming SHA-256 signatures), so MinIO does the same work for each.",
			"CPU per GiB: utime + stime from /proc of mediabench (the client), mediad and the devstack MinIO over the parallel reference and the 4-in-flight chunked upload, and of the whole machine (\"other processes\" is the rest: the machine is shared). The two cores run all three processes: mediad is an extra hop that reads each byte from the client, hashes it for the declared SHA-256, signs it (the client does that in the reference) and writes it to MinIO, so the chunked upload needs more CPU per GiB than the reference; the note for each round gives the ratio both would reach if CPU-bound.",
		}},
	{name: "pipeline", rounds: 2, stack: true, run: runPipeline,
		about: "200 12 MP photos uploaded by 20 concurrent clients (one user each) to `mediad all` until ready, vs a bare Go loop doing the same storage and derivation with no HTTP, database or queue (target >= 0.8x), and vs exiftool -all= + vipsthumbnail (preview + thumb) run by 20 goroutines",
		notes: []string{
			"Clients are closed-loop: each uploads a photo, polls GET /v1/media/:id every 200 ms until ready, then uploads its next. mediad runs with production settings (worker concurrency 2).",
			"The bare loop runs in mediabench with the same closed loop: 20 goroutines each PutObject a photo as its upload (minio-go, raw key), then Processor.Image with process.DefaultOptions (mediad's defaults), at most 2 at once (the worker's default concurrency), then PutObject of the stripped original, preview, thumb and card at the worker's keys, before taking the next photo. It never reads the upload back, deletes it or polls, so those count as the engine's overhead, with HTTP, PostgreSQL, Asynq and URL signing.",
			"The three sides run back to back in each round on photos unique to the round; which goes first rotates with the round.",
		}},
	{name: "share-open", rounds: 3, stack: true, run: runShare,
		about: "wrk -t2 -c32 -d10s --latency on GET /v1/public/shares/:token of a 100-item album (`mediad all`) vs a Fiber handler in mediabench returning the same bytes from memory (the ceiling)",
		notes: []string{
			"MEDIA_PUBLIC_RATE_PER_MINUTE=1000000000: the per-network limit on public routes (600/min) would otherwise answer 429 to wrk.",
			"The request is the plain first page (default page size 50 items), the one that counts an open of the link.",
			"Nothing changes during the run, so mediad serves the encoded page from its link view cache (share/viewcache.go) after the first request; each request still checks expiry, counts the open and passes the per-network limit (settled with Redis every 16 requests). The uncached row runs the same link on a `mediad serve` with MEDIA_SHARE_VIEW_CACHE=0, beside the ceiling again.",
		}},
	{name: "share-mixed", rounds: 2, stack: true, run: runShareMixed,
		about: "1,000 share links (100 albums of 10 owners; 700 album links, 300 item links) opened by wrk with Zipf popularity while 20 photos/s are uploaded and 50 edits/s made through the API, vs the same `mediad all` serving one link while nothing changes (the quiet figure), with the in-memory ceiling in the same round",
		notes: []string{
			"Rows: the quiet figure is wrk on the most popular link's first page while nothing is written: one page, always in the link view cache, so it is the best mediad does. The Zipf rows run wrk (same -t2 -c32 -d10s) through a Lua script walking 20,000 paths drawn from Zipf(s=1.1) over the 1,000 links (the top link draws about 18% of the requests, half go to the top 12, three quarters to the top 100): first while nothing is written (cold misses and 1,000 pages instead of one), then under the writes. The target compares the Zipf run under writes with the quiet single link of the same round, so it charges both the spread over 1,000 links and the writes.",
			"Writes, through the API as the albums' owners: 20 uploads/s of small real JPEGs (640x480 GPS-tagged camera photos, distinct bytes each) into albums with links, visibility link, which the worker in the same process then makes ready; 50 edits/s, half album renames, half visibility flips (link <-> members) of items no item link shows. Each write picks an album uniformly among the 100 (all have links). At most 16 requests of each kind are in flight; the achieved rates are reported.",
			"Hit ratios come from mediad's mediad_share_view_cache_hits_total and _misses_total, read before and after each wrk run.",
			"Two rows say what the machine leaves mediad: the ceiling driven by the same Zipf script (every path answers the quiet page's bytes; the drop from plain wrk is wrk's Lua), and the cores the machine is busy while the writes run alone for 10 s with no reader (/proc/stat, so anything else running on the machine counts too). On a 2-core machine the uploads' processing (the worker runs in the same `mediad all`), MinIO and PostgreSQL take most of it, which bounds the readers' throughput whatever the cache does.",
			"Items are seeded ready by SQL (60 per album, link-visible, with a placeholder); users, albums and links are made through the API. MEDIA_PUBLIC_RATE_PER_MINUTE=1000000000 and MEDIA_UPLOAD_RATE_PER_MINUTE=1000000 lift the per-network and per-user limits that wrk and the uploader would otherwise meet.",
		}},
	{name: "serve", rounds: 3, stack: true, run: runServe,
		about: "GET /f/:id/:variant on `mediad serve`: an album page's 50 thumbs fetched at once (20 pages, 3 passes), and a 100 MiB video read as 1 MiB Range requests (one at a time, and 4 in flight), each beside minio-go GetObject of the same objects and ranges at the same parallelism; PostgreSQL statements per request",
		notes: []string{
			"Items are seeded ready (SQL COPY) with their objects stored by PutObject: thumbs of 12-40 KiB (pseudo-random bytes), a 100 MiB play variant; the signed URLs are the ones mediad hands out (album item pages for the member, public link pages for the link).",
			"Each row is cut into units (a page of 50 thumbs; ten 1 MiB ranges), and every unit runs through /f/ and directly back to back, alternating which goes first, so drift on the shared machine hits both sides alike; one untimed page each way first opens the connections.",
			"The reference client gets 256 idle connections per host (minio-go's default is 16), so it does not dial and close connections on every page.",
			"Queries per request: one untimed pass (member grid plus the sequential video; then the link grid) after the rounds, counted as the change in pg_stat_database.xact_commit of the benchmark database, read 11 s before and after it (a backend that reported under a second ago holds its counts up to 10 s), divided by the requests. Every statement mediad runs outside a transaction commits once, so this counts statements plus the pool's pings of connections idle over 1 s; nothing else uses the database meanwhile (mode serve has no worker), and the counter is read from the maintenance database so reading it is not counted.",
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
