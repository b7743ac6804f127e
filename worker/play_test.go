package worker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/process"
	"github.com/wxalbum/mediad/upload"
)

// playRig is a rig whose "m1" is a ready video waiting for its play
// variant, its stripped original in the fake bucket.
func playRig() *rig {
	r := newRig(upload.KindVideo, nil)
	r.store.items["m1"].Status, r.store.items["m1"].PlayStatus = upload.StatusReady, upload.PlayPending
	r.blobs.objects = map[string][]byte{upload.ObjectKey("m1", upload.VariantOriginal): []byte("stripped")}
	return r
}

func TestPlayTaskOutcomes(t *testing.T) {
	playKey := upload.ObjectKey("m1", upload.VariantPlay)
	corrupt := &process.Error{Reason: process.ReasonCorrupt, Msg: "bad stream"}
	transient := &process.Error{Reason: process.ReasonInternal, Msg: "ffmpeg killed"}
	for name, c := range map[string]struct {
		play       []byte
		err        error
		last       bool
		wantStatus string
		wantReason string
		wantPlay   bool // the transcode is stored
		wantSkip   bool // the task is not tried again
		wantErr    bool
	}{
		"transcoded":         {play: []byte("h264"), wantStatus: upload.PlayReady, wantPlay: true},
		"already plays":      {wantStatus: upload.PlayOriginal},
		"corrupt":            {err: corrupt, wantStatus: upload.PlayFailed, wantReason: process.ReasonCorrupt, wantSkip: true, wantErr: true},
		"transient: retried": {err: transient, wantStatus: upload.PlayPending, wantErr: true},
		"transient, last try": {err: transient, last: true, wantStatus: upload.PlayFailed,
			wantReason: process.ReasonInternal, wantSkip: true, wantErr: true},
	} {
		t.Run(name, func(t *testing.T) {
			r := playRig()
			r.proc.play, r.proc.err, r.last = c.play, c.err, c.last
			err := r.h.PlayTask(context.Background(), mediaTask(TypePlayMedia, `{"media_id":"m1"}`))
			if (err != nil) != c.wantErr || errors.Is(err, asynq.SkipRetry) != c.wantSkip {
				t.Fatalf("err = %v; want error %v, SkipRetry %v", err, c.wantErr, c.wantSkip)
			}
			m := r.store.items["m1"]
			reason := ""
			if m.PlayFailReason != nil {
				reason = *m.PlayFailReason
			}
			if m.PlayStatus != c.wantStatus || reason != c.wantReason {
				t.Errorf("play %q (%q), want %q (%q)", m.PlayStatus, reason, c.wantStatus, c.wantReason)
			}
			if _, ok := r.blobs.objects[playKey]; ok != c.wantPlay {
				t.Errorf("play object stored: %v, want %v", ok, c.wantPlay)
			}
			if string(r.blobs.objects[upload.ObjectKey("m1", upload.VariantOriginal)]) != "stripped" {
				t.Error("the stripped original was touched")
			}
		})
	}
}

// TestPlayTaskIsIdempotentAndRespectsDeletion: nothing is done for an item
// that is not a ready video with a pending play; a transcode finished after
// the item was deleted is removed, not left without its row.
func TestPlayTaskIsIdempotentAndRespectsDeletion(t *testing.T) {
	task := mediaTask(TypePlayMedia, `{"media_id":"m1"}`)
	for name, set := range map[string]func(*upload.Media){
		"done before":      func(m *upload.Media) { m.PlayStatus = upload.PlayReady },
		"a photo":          func(m *upload.Media) { m.Kind = upload.KindPhoto },
		"still processing": func(m *upload.Media) { m.Status = upload.StatusProcessing },
		"deleting":         func(m *upload.Media) { m.Status = upload.StatusDeleting },
	} {
		r := playRig()
		set(r.store.items["m1"])
		if err := r.h.PlayTask(context.Background(), task); err != nil || r.proc.calls != 0 {
			t.Errorf("%s: err %v, %d transcodes", name, err, r.proc.calls)
		}
	}
	r := playRig()
	r.proc.play = []byte("h264")
	r.proc.during = func() { r.store.items["m1"].Status = upload.StatusDeleting }
	if err := r.h.PlayTask(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.blobs.objects[upload.ObjectKey("m1", upload.VariantPlay)]; ok {
		t.Error("a transcode outlived its deleted item")
	}
	r = playRig()
	delete(r.store.items, "m1")
	if err := r.h.PlayTask(context.Background(), task); err != nil || r.proc.calls != 0 {
		t.Errorf("gone item: err %v, %d transcodes", err, r.proc.calls)
	}
}

// TestVideoReadyEnqueuesPlay: a video turning ready asks for its play
// variant and records its capture time; a photo asks for no play variant.
func TestVideoReadyEnqueuesPlay(t *testing.T) {
	r := newRig(upload.KindVideo, []byte("raw"))
	r.proc.takenAt = time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC)
	if err := r.h.ProcessTask(context.Background(), mediaTask(TypeProcessMedia, `{"media_id":"m1"}`)); err != nil {
		t.Fatal(err)
	}
	if len(r.deletes.plays) != 1 || r.deletes.plays[0] != "m1" {
		t.Errorf("play enqueued for %v, want [m1]", r.deletes.plays)
	}
	if got := r.ready.got[0]; !got.TakenAt.Equal(r.proc.takenAt) || got.TakenAtSource != upload.TakenFromVideo {
		t.Errorf("ready with taken %v %q", got.TakenAt, got.TakenAtSource)
	}
	r = newRig(upload.KindPhoto, []byte("raw"))
	if err := r.h.ProcessTask(context.Background(), mediaTask(TypeProcessMedia, `{"media_id":"m1"}`)); err != nil {
		t.Fatal(err)
	}
	if len(r.deletes.plays) != 0 {
		t.Errorf("a photo asked for a play variant: %v", r.deletes.plays)
	}
	if got := r.ready.got[0]; got.TakenAtSource != upload.TakenFromUpload {
		t.Errorf("a photo without EXIF time: source %q, want upload", got.TakenAtSource)
	}
}
