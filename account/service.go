package account

import (
	"context"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/auth"
	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/notify"
	"github.com/wxalbum/mediad/reports"
	"github.com/wxalbum/mediad/share"
	"github.com/wxalbum/mediad/upload"
)

// Tasks queues the background work; the worker implements it.
type Tasks interface {
	EnqueueExport(ctx context.Context, exportID string) error
	EnqueueAccountDelete(ctx context.Context, receiptID string) error
}

// Blobs is what exports and deletions need from the object store.
type Blobs interface {
	Open(ctx context.Context, key string, rng *blob.Range) (io.ReadCloser, blob.Info, error)
	PutStream(ctx context.Context, key string, r io.Reader, contentType string) (int64, error)
	DeleteMany(ctx context.Context, keys []string) (int, error)
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// Dissolver runs an album's dissolution (albums.Service).
type Dissolver interface {
	ForceDissolve(ctx context.Context, albumID string) error
	RunDissolution(ctx context.Context, albumID string) (int64, error)
}

// Limiter counts events per key (Redis-backed); a refusal says how long
// until the next would be allowed.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Config holds the data-rights settings.
type Config struct {
	ExportTTL     time.Duration // how long a finished export is kept; default 24h
	ExportsPerDay int           // exports a user may start per day; default 3
	DeleteBatch   int           // items per deletion round; default 250 (x 4 objects = one 1000-key call)
}

// Defaults fills zero values.
func (c Config) Defaults() Config {
	if c.ExportTTL == 0 {
		c.ExportTTL = 24 * time.Hour
	}
	if c.ExportsPerDay == 0 {
		c.ExportsPerDay = 3
	}
	if c.DeleteBatch == 0 {
		c.DeleteBatch = 250
	}
	return c
}

// Service runs exports and account deletions. A deletion changes rows of
// every feature; each step is one transaction in which every row goes
// through its owner's store (auth, albums, share, upload, notify) and the
// receipt is counted, so a run killed half-way resumes without losing or
// double-counting anything.
type Service struct {
	cfg     Config
	conn    db.Conn
	store   *Store
	albums  Dissolver
	blobs   Blobs
	tasks   Tasks
	exports Limiter // exports started per user (ExportsPerDay)
}

// NewService returns a Service on conn; exports limits the exports a user
// starts (Config.ExportsPerDay per day).
func NewService(cfg Config, conn db.Conn, albums Dissolver, blobs Blobs, tasks Tasks, exports Limiter) *Service {
	return &Service{cfg: cfg.Defaults(), conn: conn, store: NewStore(conn), albums: albums, blobs: blobs, tasks: tasks, exports: exports}
}

// BeginDeletion revokes every session, share link and invitation of the
// user at once, clears their identity (so the same WeChat account can sign
// up fresh), hides every item they uploaded from everyone, and opens a
// receipt, in one transaction; the rest runs in the
// account:delete task. It returns the receipt id.
func (s *Service) BeginDeletion(ctx context.Context, userID string) (string, error) {
	var rid string
	err := db.InTx(ctx, s.conn, func(tx pgx.Tx) error {
		if _, err := auth.NewStore(tx).RevokeSessions(ctx, userID); err != nil {
			return err
		}
		if err := share.NewStore(tx).RevokeByCreator(ctx, userID); err != nil {
			return err
		}
		if err := albums.NewStore(tx).RevokeInvitesBy(ctx, userID); err != nil {
			return err
		}
		if err := auth.NewStore(tx).ClearIdentity(ctx, userID); err != nil {
			return err
		}
		// Their photos disappear for members and links now, not when the
		// deletion task reaches them.
		if err := upload.NewStore(tx).HideOwnedBy(ctx, userID, upload.HiddenOwnerDeleted); err != nil {
			return err
		}
		var err error
		rid, err = NewStore(tx).CreateReceipt(ctx, userID)
		return err
	})
	if err != nil {
		return "", err
	}
	// A lost enqueue is picked up by the sweep of running receipts.
	_ = s.tasks.EnqueueAccountDelete(ctx, rid)
	return rid, nil
}

// RunDeletion finishes the deletion a receipt stands for: dissolves the
// albums the user owns, deletes every item they uploaded (objects first,
// then rows), aborts their uploads, removes their export archives, then
// every remaining row about them, leaving a tombstone user row and a
// receipt with counts only. A receipt that is not running is done already.
func (s *Service) RunDeletion(ctx context.Context, receiptID string) error {
	d, err := s.store.RunningDeletion(ctx, receiptID)
	if err != nil {
		return err
	}
	steps := []func(context.Context, *Deletion) error{s.dissolveOwned, s.deleteMedia, s.deleteUploadsAndExports, s.purgeRows}
	for _, step := range steps {
		if err := step(ctx, d); err != nil {
			return err
		}
	}
	return s.store.FinishReceipt(ctx, receiptID)
}

// PendingExports lists the exports not built yet, for the sweep to
// enqueue again when their task was lost.
func (s *Service) PendingExports(ctx context.Context) ([]string, error) {
	return s.store.PendingExports(ctx)
}

// RunningReceipts lists the deletions not finished, for the sweep to
// enqueue again.
func (s *Service) RunningReceipts(ctx context.Context) ([]string, error) {
	return s.store.RunningReceipts(ctx)
}

func (s *Service) dissolveOwned(ctx context.Context, d *Deletion) error {
	owned, err := albums.NewStore(s.conn).OwnedBy(ctx, d.UserID)
	if err != nil {
		return err
	}
	// The albums' dissolution records count what went; purgeRows adds them
	// to the receipt once, however many runs a dissolution took.
	for _, id := range owned {
		if err := s.albums.ForceDissolve(ctx, id); err != nil {
			return err
		}
		if _, err := s.albums.RunDissolution(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// deleteMedia removes every item the user uploaded in any album: objects
// first, then rows and their count on the receipt, batch by batch.
func (s *Service) deleteMedia(ctx context.Context, d *Deletion) error {
	uploads := upload.NewStore(s.conn)
	next := func(after string) (blob.Batch, error) {
		items, err := uploads.OwnedAfter(ctx, d.UserID, after, s.cfg.DeleteBatch)
		var b blob.Batch
		for _, m := range items {
			keys, stored := upload.ObjectKeys(m)
			b.IDs, b.Keys, b.Stored = append(b.IDs, m.ID), append(b.Keys, keys...), b.Stored+stored
		}
		return b, err
	}
	_, err := blob.DeleteInBatches(ctx, s.blobs, next, func(b blob.Batch) error {
		return db.InTx(ctx, s.conn, func(tx pgx.Tx) error {
			n, err := upload.NewStore(tx).DeleteOwnedRows(ctx, d.UserID, b.IDs)
			if err != nil {
				return err
			}
			return NewStore(tx).AddCounts(ctx, d.ReceiptID, map[string]int64{"media": n, "objects": int64(b.Stored)})
		})
	})
	return err
}

func (s *Service) deleteUploadsAndExports(ctx context.Context, d *Deletion) error {
	ups, err := upload.NewStore(s.conn).ChunkedOfOwner(ctx, d.UserID)
	if err != nil {
		return err
	}
	for _, u := range ups {
		if err := s.blobs.AbortMultipart(ctx, u[0], u[1]); err != nil {
			return err
		}
	}
	exps, err := s.store.UserExports(ctx, d.UserID)
	if err != nil {
		return err
	}
	var keys []string
	for _, id := range exps {
		keys = append(keys, ExportKey(id))
	}
	// The archives are counted when their rows go (purgeRows), so a run
	// resumed after this step does not count them twice.
	_, err = s.blobs.DeleteMany(ctx, keys)
	return err
}

// purgeRows deletes every remaining row about the user, each through its
// owner, anonymises dissolution receipts that name them, leaves the user
// row as a tombstone, and counts it all on the receipt, in one transaction.
func (s *Service) purgeRows(ctx context.Context, d *Deletion) error {
	return db.InTx(ctx, s.conn, func(tx pgx.Tx) error {
		al, acct := albums.NewStore(tx), NewStore(tx)
		dissolved, items, objects, err := al.DissolvedSince(ctx, d.UserID, d.StartedAt)
		if err != nil {
			return err
		}
		archives, err := acct.ReadyExportsOf(ctx, d.UserID)
		if err != nil {
			return err
		}
		counts := map[string]int64{"albums_dissolved": dissolved, "media": items, "objects": objects + archives}
		removals := []struct {
			name string
			del  func(context.Context, string) (int64, error)
		}{
			{"memberships", al.RemoveMemberships},
			{"share_links", share.NewStore(tx).DeleteByCreator},
			{"invites", al.DeleteInvitesBy},
			{"notifications", notify.NewStore(tx).DeleteForUser},
			{"sessions", auth.NewStore(tx).DeleteSessions},
			{"chunked_uploads", upload.NewStore(tx).DeleteChunkedOfOwner},
			{"exports", acct.DeleteExportsOf},
			// Reports they sent; those of their items go with the items.
			{"reports", reports.NewStore(tx).DeleteByReporter},
		}
		for _, r := range removals {
			n, err := r.del(ctx, d.UserID)
			if err != nil {
				return err
			}
			counts[r.name] += n
		}
		if err := al.AnonymiseDissolutions(ctx, d.UserID); err != nil {
			return err
		}
		if err := auth.NewStore(tx).Tombstone(ctx, d.UserID); err != nil {
			return err
		}
		return acct.AddCounts(ctx, d.ReceiptID, counts)
	})
}

// PurgeExpiredExports removes export archives that expired before before,
// objects first, then their rows (retention), and returns how many.
func (s *Service) PurgeExpiredExports(ctx context.Context, before time.Time) (int64, error) {
	ids, err := s.store.ExpiredExports(ctx, before)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = ExportKey(id)
	}
	if _, err := s.blobs.DeleteMany(ctx, keys); err != nil {
		return 0, err
	}
	return s.store.DeleteExports(ctx, ids)
}
