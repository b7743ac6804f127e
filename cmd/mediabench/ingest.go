package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
)

const (
	ingestSize   = 1 << 30 // 1 GiB
	videoHead    = 64 << 10
	burstUploads = 100
	burstSize    = 3_000_000
)

// ingestEnv raises the per-user upload rate and quota, which would
// otherwise throttle and then refuse the one benchmark user.
var ingestEnv = []string{"MEDIA_UPLOAD_RATE_PER_MINUTE=1000000", "MEDIA_USER_QUOTA=1TiB"}

// ingest holds what every round of the ingest scenario needs.
type ingest struct {
	b    *bench
	m    *mediad
	c    *client
	head []byte
	idle int64 // the running mediad's RSS (KiB) when idle
	// where the CPU went in this round's parallel reference and chunked upload
	cpuRefAt, cpuChunked cpuUse
	// metrics
	post, chunked, chunkedSeq, chunkedPar  *metric
	postRSS, chunkedRSS                    *metric
	burstErr, burstP50, burstP99, burstRSS *metric
}

// runIngest: 1 GiB through POST /v1/media and through the chunked API,
// each beside a direct PutObject of the same bytes, then a burst of 100
// concurrent 3 MB photo uploads. mediad runs `serve` only: nothing is
// processed.
func runIngest(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	m, err := b.start(ctx, "serve", ingestEnv...)
	if err != nil {
		return nil, err
	}
	if err := probe(ctx, "POST /v1/media", "POST /v1/uploads"); err != nil {
		return nil, err
	}
	in, err := newIngest(ctx, b, m)
	if err != nil {
		return nil, err
	}
	for r := 0; r < rounds; r++ {
		if err := in.round(ctx, r); err != nil {
			return nil, err
		}
	}
	for r := 0; r < rounds; r++ {
		if err := in.burst(ctx, r); err != nil {
			return nil, err
		}
	}
	return results(in.post, in.chunked, in.chunkedSeq, in.chunkedPar, in.postRSS, in.chunkedRSS, in.burstErr, in.burstP50, in.burstP99, in.burstRSS), nil
}

func newIngest(ctx context.Context, b *bench, m *mediad) (*ingest, error) {
	video, err := readFile(sampleVideo)
	if err != nil {
		return nil, err
	}
	c, err := login(ctx, "ingest")
	if err != nil {
		return nil, err
	}
	ref := "minio-go PutObject of the same bytes"
	return &ingest{b: b, m: m, c: c, head: video[:min(len(video), videoHead)],
		post: newMetric("POST /v1/media 1 GiB video, throughput", "MB/s", ref, ratioAtLeast(0.9)),
		chunked: newMetric(fmt.Sprintf("chunked upload 1 GiB (128 x 8 MiB parts, %d in flight, + complete), throughput", chunkedParallel),
			"MB/s", ref, ratioAtLeast(0.9)),
		chunkedSeq: newMetric("chunked upload 1 GiB, one part at a time, throughput", "MB/s", ref),
		chunkedPar: newMetric(fmt.Sprintf("chunked upload 1 GiB, %d in flight, vs a parallel reference", chunkedParallel), "MB/s",
			fmt.Sprintf("minio-go PutObject from an io.ReaderAt (%d parts at once)", chunkedParallel), ratioAtLeast(0.9)),
		postRSS:    newMetric("mediad RSS above idle, peak during POST 1 GiB", "MiB", "", valueBelow(64)),
		chunkedRSS: newMetric("mediad RSS above idle, peak during chunked 1 GiB", "MiB", "", valueBelow(64)),
		burstErr:   newMetric("100 concurrent 3 MB photo uploads: errors", "errors", "", valueIs(0)),
		burstP50:   newMetric("100 concurrent 3 MB photo uploads: p50 latency", "ms", ""),
		burstP99:   newMetric("100 concurrent 3 MB photo uploads: p99 latency", "ms", ""),
		burstRSS:   newMetric("mediad RSS above idle, peak during the 100 uploads", "MiB", ""),
	}, nil
}

// round measures the reference and both engine paths back to back, each
// on bytes of its own (distinct seeds: no deduplication), alternating the
// order between rounds; then the burst; then frees the disk.
func (in *ingest) round(ctx context.Context, r int) error {
	body := func(k uint64) headed { return headed{head: in.head, seed: uint64(r)*10 + k, size: ingestSize} }
	chunkBody := body(2)
	sum := chunkBody.sha256Hex() // the client knows its file's hash before it starts
	seqBody := body(3)
	seqSum := seqBody.sha256Hex()
	var ref, refAt, post, chunked, seq float64
	steps := []func() error{
		func() (err error) { ref, err = in.direct(ctx, body(0), r); return err },
		func() (err error) { refAt, err = in.directAt(ctx, body(4), r); return err },
		func() (err error) { post, err = in.postOnce(ctx, body(1)); return err },
		func() (err error) { chunked, err = in.chunkedOnce(ctx, chunkBody, sum, chunkedParallel); return err },
		func() (err error) { seq, err = in.chunkedOnce(ctx, seqBody, seqSum, 1); return err },
	}
	if r%2 == 1 {
		slices.Reverse(steps)
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	in.post.addPair(post, ref)
	in.chunked.addPair(chunked, ref)
	in.chunkedSeq.addPair(seq, ref)
	in.chunkedPar.addPair(chunked, refAt)
	in.b.logf("round %d: PutObject %.0f MB/s (from a ReaderAt %.0f MB/s), POST %.0f MB/s, chunked %.0f MB/s (one part at a time %.0f MB/s)",
		r+1, ref, refAt, post, chunked, seq)
	in.cpuNote(r)
	return in.b.stack.removePrefix(ctx, "")
}

// cpuNote records where the CPU went in round r: on 2 cores shared by the
// client, mediad and MinIO, the chunked upload cannot beat the reference
// by more than their CPU per GiB allows.
func (in *ingest) cpuNote(r int) {
	ref, ch := in.cpuRefAt, in.cpuChunked
	in.b.addNote("round %d, PutObject from an io.ReaderAt: %s", r+1, ref)
	in.b.addNote("round %d, chunked upload, %d in flight: %s", r+1, chunkedParallel, ch)
	if ch.total() > 0 {
		in.b.addNote("round %d: with both CPU-bound, chunked / parallel reference would be %.2f (%.2f / %.2f CPU s per GiB)",
			r+1, ref.total()/ch.total(), ref.total(), ch.total())
	}
}

// direct is the reference: minio-go PutObject of the same bytes, same part size.
func (in *ingest) direct(ctx context.Context, h headed, r int) (float64, error) {
	t0 := time.Now()
	_, err := in.b.stack.minio.PutObject(ctx, benchBucket, fmt.Sprintf("bench-ref/ingest-%d", r), h.reader(), h.size,
		minio.PutObjectOptions{PartSize: partSize, ContentType: "application/octet-stream"})
	return mbPerSec(h.size, time.Since(t0)), err
}

// directAt is PutObject of the same bytes from an io.ReaderAt, as from a
// file: minio-go then uploads as many parts at once as the chunked client
// has in flight, of the same size.
func (in *ingest) directAt(ctx context.Context, h headed, r int) (float64, error) {
	cpu := in.startCPU()
	t0 := time.Now()
	_, err := in.b.stack.minio.PutObject(ctx, benchBucket, fmt.Sprintf("bench-ref/ingest-at-%d", r), &headedAt{h: h}, h.size,
		minio.PutObjectOptions{PartSize: partSize, NumThreads: chunkedParallel, ContentType: "application/octet-stream"})
	d := time.Since(t0)
	in.cpuRefAt = cpu.spent(h.size)
	return mbPerSec(h.size, d), err
}

// fresh restarts mediad before a measured upload, so the RSS an earlier
// upload left behind (pooled part buffers, heap the runtime has not yet
// returned to the OS) is not charged to this one. A signed-in request
// first warms the connection pools, then the idle RSS is read.
func (in *ingest) fresh(ctx context.Context) error {
	in.m.stop()
	m, err := in.b.start(ctx, "serve", ingestEnv...)
	if err != nil {
		return err
	}
	if err := in.c.call(ctx, "GET", "/v1/me", nil, nil); err != nil {
		return err
	}
	in.m, in.idle = m, idleRSS(m.pid())
	return nil
}

func (in *ingest) postOnce(ctx context.Context, h headed) (float64, error) {
	if err := in.fresh(ctx); err != nil {
		return 0, err
	}
	w := watchRSS(in.m.pid(), in.idle)
	t0 := time.Now()
	_, err := in.c.upload(ctx, "kind=video", h.reader(), h.size)
	d := time.Since(t0)
	in.postRSS.add(w.growthMiB())
	return mbPerSec(h.size, d), err
}

// chunkedOnce starts an upload with size and sha256, PUTs every part with
// its Content-Length (parallel at a time, taken in order), and completes it.
func (in *ingest) chunkedOnce(ctx context.Context, h headed, sum string, parallel int) (float64, error) {
	if err := in.fresh(ctx); err != nil {
		return 0, err
	}
	w := watchRSS(in.m.pid(), in.idle)
	cpu := in.startCPU()
	t0 := time.Now()
	err := in.chunkedUpload(ctx, h, sum, parallel)
	d := time.Since(t0)
	if parallel == chunkedParallel {
		in.chunkedRSS.add(w.growthMiB())
		in.cpuChunked = cpu.spent(h.size)
	}
	return mbPerSec(h.size, d), err
}

func (in *ingest) chunkedUpload(ctx context.Context, h headed, sum string, parallel int) error {
	var up struct {
		ID        string `json:"upload_id"`
		PartSize  int64  `json:"part_size"`
		PartCount int    `json:"part_count"`
	}
	if err := in.c.call(ctx, "POST", "/v1/uploads", map[string]any{"kind": "video", "size": h.size, "sha256": sum}, &up); err != nil {
		return err
	}
	next := make(chan int)
	errs := make(chan error, parallel)
	for w := 0; w < parallel; w++ {
		go func() {
			var err error
			for n := range next {
				if err == nil {
					err = in.putPart(ctx, up.ID, n, h, up.PartSize)
				}
			}
			errs <- err
		}()
	}
	for n := 1; n <= up.PartCount; n++ {
		next <- n
	}
	close(next)
	for w := 0; w < parallel; w++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	return in.c.call(ctx, "POST", "/v1/uploads/"+up.ID+"/complete", nil, nil)
}

// chunkedParallel is how many parts the chunked client has in flight, taken
// in order from one queue, as a mini-program's upload queue does.
const chunkedParallel = 4

func (in *ingest) putPart(ctx context.Context, id string, n int, h headed, partSize int64) error {
	start := int64(n-1) * partSize
	end := min(start+partSize, h.size)
	req, err := http.NewRequestWithContext(ctx, "PUT", baseURL+"/v1/uploads/"+id+"/parts/"+strconv.Itoa(n), h.section(start, end))
	if err != nil {
		return err
	}
	req.ContentLength = end - start
	if err := in.c.send(req, nil); err != nil {
		return fmt.Errorf("part %d: %w", n, err)
	}
	return nil
}

// burst starts 100 photo uploads at once (the 12 MP phone JPEG padded to
// 3 MB with bytes of its own) and records errors and latencies.
func (in *ingest) burst(ctx context.Context, r int) error {
	photo, err := readFile(phonePhoto)
	if err != nil {
		return err
	}
	if err := in.fresh(ctx); err != nil {
		return err
	}
	// A hundred people uploading a photo each (one user may stream only a
	// few at once, as WeChat's own wx.uploadFile limit has it).
	users := make([]*client, burstUploads)
	for i := range users {
		if users[i], err = login(ctx, fmt.Sprintf("burst-%d-%d", r, i)); err != nil {
			return err
		}
	}
	lat := make([]float64, burstUploads)
	errs := make([]error, burstUploads)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < burstUploads; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := headed{head: photo, seed: uint64(1_000_000 + r*burstUploads + i), size: burstSize}
			<-start
			t0 := time.Now()
			_, errs[i] = users[i].upload(ctx, "kind=photo", h.reader(), h.size)
			lat[i] = ms(time.Since(t0))
		}()
	}
	w := watchRSS(in.m.pid(), in.idle)
	close(start)
	wg.Wait()
	in.burstRSS.add(w.growthMiB())
	if err := in.burstDone(lat, errs); err != nil {
		return err
	}
	return in.b.stack.removePrefix(ctx, "")
}

func (in *ingest) burstDone(lat []float64, errs []error) error {
	n := 0
	var first error
	for _, err := range errs {
		if err != nil {
			n++
			first = cmpOr(first, err)
		}
	}
	if first != nil && len(in.burstErr.notes) == 0 {
		in.burstErr.note("first error: %v", first)
	}
	in.burstErr.add(float64(n))
	in.burstP50.add(percentile(lat, 50))
	in.burstP99.add(percentile(lat, 99))
	in.b.logf("burst: %d errors, p50 %.0f ms, p99 %.0f ms", n, percentile(lat, 50), percentile(lat, 99))
	return nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
