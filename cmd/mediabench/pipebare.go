package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/wxalbum/mediad/process"
	"github.com/wxalbum/mediad/upload"
	"github.com/wxalbum/mediad/worker"
)

// bareLoop is the pipeline's floor: the engine's storage and pixel work
// with none of its machinery (no HTTP, database, queue or signing).
type bareLoop struct {
	mc    *minio.Client
	proc  *process.Processor
	slots chan struct{} // derivations at once: the worker's default concurrency
}

func newBareLoop(mc *minio.Client) (*bareLoop, error) {
	p, err := process.New(process.DefaultOptions()) // mediad's defaults (cmd/mediad/config.go)
	if err != nil {
		return nil, err
	}
	return &bareLoop{mc: mc, proc: p, slots: make(chan struct{}, worker.Config{}.Defaults().Concurrency)}, nil
}

// run mirrors the engine's closed loop: pipeClients goroutines each store
// a photo as its upload, then derive it (at most the worker's concurrency
// at once) and store the results, before taking the next.
func (l *bareLoop) run(ctx context.Context, photos [][]byte, r int) (*pipeRun, error) {
	run := &pipeRun{lat: make([]float64, len(photos))}
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	t0 := time.Now()
	for ci := 0; ci < pipeClients; ci++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := ci; i < len(photos) && ctx.Err() == nil; i += pipeClients {
				t := time.Now()
				err := l.photo(ctx, fmt.Sprintf("bare-%d-%03d", r, i), photos[i])
				run.lat[i] = ms(time.Since(t))
				mu.Lock()
				firstErr = cmpOr(firstErr, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	run.perSec = float64(len(photos)) / time.Since(t0).Seconds()
	return run, firstErr
}

// photo is one item: PutObject of the upload, Processor.Image, PutObject
// of the stripped original, preview, thumb and card, as the worker stores
// them (worker/media.go).
func (l *bareLoop) photo(ctx context.Context, id string, raw []byte) error {
	if err := l.put(ctx, upload.RawKey(id), raw, "image/jpeg"); err != nil {
		return err
	}
	l.slots <- struct{}{}
	defer func() { <-l.slots }()
	res, err := l.proc.Image(ctx, raw)
	if err != nil {
		return err
	}
	for v, b := range map[upload.Variant][]byte{upload.VariantOriginal: res.Original,
		upload.VariantPreview: res.Preview, upload.VariantThumb: res.Thumb, upload.VariantCard: res.Card} {
		ct := "image/jpeg"
		if v == upload.VariantOriginal {
			ct = res.OriginalType
		}
		if err := l.put(ctx, upload.ObjectKey(id, v), b, ct); err != nil {
			return err
		}
	}
	return nil
}

// put is a single-part PutObject, as internal/blob's PutBytes sends it.
func (l *bareLoop) put(ctx context.Context, key string, b []byte, contentType string) error {
	_, err := l.mc.PutObject(ctx, benchBucket, key, bytes.NewReader(b), int64(len(b)),
		minio.PutObjectOptions{ContentType: contentType, DisableMultipart: true})
	return err
}
