package upload

import (
	"context"
	"strings"
	"time"

	"github.com/wxalbum/mediad/internal/blob"
)

// Sweeper finds work that fell through the cracks and makes the object
// store and the database agree. Quick runs every few minutes: items whose
// processing or deletion task was lost (a crash between commit and
// enqueue, a killed worker) are enqueued again, raw uploads nothing needs
// any more and multipart uploads nobody will finish are removed. Deep runs
// hourly (and as `mediad reconcile`): one listing of the whole bucket
// removes old objects no live row owns, under every prefix an owner has
// claimed, and moves ready items whose stripped original is gone to failed;
// then it does what Quick does. A fresh object (newer than the grace
// period) and an unfinished multipart upload of a live upload are never
// touched, so neither run races an upload in flight.
type Sweeper struct {
	cfg    Config
	store  *Store
	blobs  SweepBlobs
	queue  Enqueuer
	owners []KeyOwner
}

// SweepBlobs is what the sweep needs from the object store.
type SweepBlobs interface {
	List(ctx context.Context, prefix string, fn func(blob.Info) error) error
	ListIncomplete(ctx context.Context, prefix string) ([]blob.IncompleteUpload, error)
	DeleteMany(ctx context.Context, keys []string) (int, error)
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// KeyOwner is another feature's claim on a key prefix (account: exports/):
// the deep sweep removes an old object under Prefix when Live does not
// list its id. Keys under prefixes nobody claims are left alone.
type KeyOwner struct {
	Prefix string
	ID     func(key string) string // the record id a key belongs to
	Live   func(ctx context.Context, ids []string) (map[string]bool, error)
}

// NewSweeper returns a Sweeper; owners claim the prefixes of other features.
func NewSweeper(cfg Config, store *Store, blobs SweepBlobs, queue Enqueuer, owners ...KeyOwner) *Sweeper {
	s := &Sweeper{cfg: cfg.Defaults(), store: store, blobs: blobs, queue: queue}
	s.owners = append([]KeyOwner{
		{Prefix: RawPrefix, ID: func(k string) string { return strings.TrimPrefix(k, RawPrefix) }, Live: store.RawNeeded},
		{Prefix: MediaPrefix, ID: mediaIDOf, Live: store.HasObjects},
	}, owners...)
	return s
}

func mediaIDOf(key string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(key, MediaPrefix), "/")
	return id
}

// SweepReport counts what a run found and (unless DryRun) fixed.
type SweepReport struct {
	DryRun           bool     `json:"dry_run"`
	ObjectsScanned   int      `json:"objects_scanned"`
	OrphanObjects    int      `json:"orphan_objects"`
	MissingObjects   int      `json:"rows_missing_objects"`
	StuckRequeued    int      `json:"stuck_requeued"`
	StuckFailed      int      `json:"stuck_failed"`
	DeletesRequeued  int      `json:"deletes_requeued"`
	PlayRequeued     int      `json:"play_requeued"`
	MultipartAborted int      `json:"multipart_aborted"`
	OrphanSample     []string `json:"orphan_sample,omitempty"`
	MissingRowsByID  []string `json:"missing_ids,omitempty"`
}

// Quick lists only the quarantine prefix: lost tasks, raw uploads nothing
// needs, abandoned multipart uploads.
func (s *Sweeper) Quick(ctx context.Context, now time.Time) (SweepReport, error) {
	var r SweepReport
	var old []blob.Info
	err := s.blobs.List(ctx, RawPrefix, func(i blob.Info) error {
		r.ObjectsScanned++
		if now.Sub(i.LastModified) > s.cfg.OrphanGrace {
			old = append(old, i)
		}
		return nil
	})
	if err == nil {
		err = s.orphans(ctx, old, &r)
	}
	if err == nil {
		err = s.requeue(ctx, now, &r)
	}
	if err == nil {
		r.MultipartAborted, err = s.multipart(ctx, now)
	}
	return r, err
}

// Deep lists the whole bucket once: orphans under every claimed prefix,
// ready items missing their original, then what Quick does. With dry it
// only reports.
func (s *Sweeper) Deep(ctx context.Context, now time.Time, dry bool) (SweepReport, error) {
	r := SweepReport{DryRun: dry}
	withOriginal := map[string]bool{}
	var old []blob.Info
	err := s.blobs.List(ctx, "", func(i blob.Info) error {
		r.ObjectsScanned++
		if strings.HasPrefix(i.Key, MediaPrefix) && strings.HasSuffix(i.Key, "/"+string(VariantOriginal)) {
			withOriginal[mediaIDOf(i.Key)] = true
		}
		if now.Sub(i.LastModified) > s.cfg.OrphanGrace {
			old = append(old, i)
		}
		return nil
	})
	if err == nil {
		err = s.orphans(ctx, old, &r)
	}
	if err == nil {
		err = s.missing(ctx, now, withOriginal, &r)
	}
	if err != nil || dry {
		if dry {
			r.StuckRequeued, err = s.countStuck(ctx, now, err)
		}
		return r, err
	}
	if err = s.requeue(ctx, now, &r); err == nil {
		r.MultipartAborted, err = s.multipart(ctx, now)
	}
	return r, err
}

// orphans deletes old objects whose owner says no live record needs them.
// A raw upload is needed only while its item is processing (or its
// chunked upload is open): a raw copy beside a ready or failed item still
// carries location, so it goes.
func (s *Sweeper) orphans(ctx context.Context, old []blob.Info, r *SweepReport) error {
	var doomed []string
	for _, o := range s.owners {
		var keys, ids []string
		for _, i := range old {
			if strings.HasPrefix(i.Key, o.Prefix) {
				keys, ids = append(keys, i.Key), append(ids, o.ID(i.Key))
			}
		}
		if len(keys) == 0 {
			continue
		}
		live, err := o.Live(ctx, ids)
		if err != nil {
			return err
		}
		for i, k := range keys {
			if !live[ids[i]] {
				doomed = append(doomed, k)
			}
		}
	}
	r.OrphanObjects += len(doomed)
	r.OrphanSample = append(r.OrphanSample, doomed[:min(len(doomed), 20)]...)
	if r.DryRun || len(doomed) == 0 {
		return nil
	}
	_, err := s.blobs.DeleteMany(ctx, doomed)
	return err
}

// missing moves ready items older than the grace period whose stripped
// original is not in the bucket to failed (ReasonMissingObject).
func (s *Sweeper) missing(ctx context.Context, now time.Time, withOriginal map[string]bool, r *SweepReport) error {
	ready, err := s.store.ReadyOlderThan(ctx, now.Add(-s.cfg.OrphanGrace))
	if err != nil {
		return err
	}
	var lost []string
	for _, id := range ready {
		if !withOriginal[id] {
			lost = append(lost, id)
		}
	}
	r.MissingObjects, r.MissingRowsByID = len(lost), lost
	if r.DryRun || len(lost) == 0 {
		return nil
	}
	_, err = s.store.MarkMissing(ctx, lost)
	return err
}

// Resume enqueues the task of every item with work left (processing or
// deleting), whatever its age. After the queue lost its data (Redis came
// back without persistence) nothing else would until the next sweep found
// them stuck. Task ids make it harmless for tasks still queued, and
// attempts are not counted: the items did nothing wrong.
func (s *Sweeper) Resume(ctx context.Context) (int, error) {
	n, after := 0, ""
	for {
		batch, err := s.store.Unfinished(ctx, after, 500)
		if err != nil || len(batch) == 0 {
			return n, err
		}
		for _, m := range batch {
			if m.Status == StatusDeleting {
				err = s.queue.EnqueueDelete(ctx, m.ID)
			} else {
				err = s.queue.EnqueueProcess(ctx, m.ID, m.Kind)
			}
			if err != nil {
				return n, err
			}
			n++
		}
		after = batch[len(batch)-1].ID
	}
}

// requeue enqueues again the items whose processing or deletion task was
// lost: processing or deleting for longer than StuckAfter.
func (s *Sweeper) requeue(ctx context.Context, now time.Time, r *SweepReport) error {
	stuck, err := s.store.Stuck(ctx, now.Add(-s.cfg.StuckAfter), 500)
	if err != nil {
		return err
	}
	for _, m := range stuck {
		if m.Attempts >= s.cfg.MaxRequeues {
			// Enqueued again and again and never done: its task kills or
			// wedges every worker that takes it. It fails with a reason and
			// its raw upload goes, instead of coming back forever.
			if err := s.store.MarkFailed(ctx, m.ID, ReasonStuck); err != nil {
				return err
			}
			if _, err := s.blobs.DeleteMany(ctx, []string{RawKey(m.ID)}); err != nil {
				return err
			}
			r.StuckFailed++
			continue
		}
		if ok, err := s.store.ClaimStuck(ctx, m.ID, m.UpdatedAt); err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		if err := s.queue.EnqueueProcess(ctx, m.ID, m.Kind); err != nil {
			return err
		}
		r.StuckRequeued++
	}
	if err := s.requeuePlay(ctx, now, r); err != nil {
		return err
	}
	deleting, err := s.store.Deleting(ctx, now.Add(-s.cfg.StuckAfter), 500)
	if err != nil {
		return err
	}
	for _, m := range deleting {
		if ok, err := s.store.ClaimStuck(ctx, m.ID, m.UpdatedAt); err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		if err := s.queue.EnqueueDelete(ctx, m.ID); err != nil {
			return err
		}
		r.DeletesRequeued++
	}
	return nil
}

func (s *Sweeper) countStuck(ctx context.Context, now time.Time, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	stuck, err := s.store.Stuck(ctx, now.Add(-s.cfg.StuckAfter), 500)
	return len(stuck), err
}

// multipart aborts multipart uploads under the quarantine prefix that
// outlived the upload TTL without a row (a crash mid-stream).
func (s *Sweeper) multipart(ctx context.Context, now time.Time) (int, error) {
	ups, err := s.blobs.ListIncomplete(ctx, RawPrefix)
	if err != nil {
		return 0, err
	}
	var old []blob.IncompleteUpload
	var idsOld []string
	for _, u := range ups {
		if now.Sub(u.Initiated) > s.cfg.UploadTTL {
			old = append(old, u)
			idsOld = append(idsOld, strings.TrimPrefix(u.Key, RawPrefix))
		}
	}
	if len(old) == 0 {
		return 0, nil
	}
	known, err := s.store.Exists(ctx, idsOld)
	if err != nil {
		return 0, err
	}
	n := 0
	for i, u := range old {
		if !known[idsOld[i]] {
			if err := s.blobs.AbortMultipart(ctx, u.Key, u.UploadID); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

var reasonStuck = ReasonStuck

// requeuePlay enqueues again the play variants still pending long after
// their video turned ready (the enqueue after MarkReady was lost, or the
// migration marked an older video pending). Every try of a play task ends
// in a final state, so nothing comes back forever.
func (s *Sweeper) requeuePlay(ctx context.Context, now time.Time, r *SweepReport) error {
	pending, err := s.store.PlayPending(ctx, now.Add(-s.cfg.StuckAfter), 500)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if m.Attempts >= s.cfg.MaxRequeues { // its task kills every worker that takes it
			if _, err := s.store.SetPlay(ctx, m.ID, PlayFailed, &reasonStuck); err != nil {
				return err
			}
			continue
		}
		if ok, err := s.store.ClaimStuck(ctx, m.ID, m.UpdatedAt); err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		if err := s.queue.EnqueuePlay(ctx, m.ID); err != nil {
			return err
		}
		r.PlayRequeued++
	}
	return nil
}
