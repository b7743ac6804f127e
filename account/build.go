package account

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/notify"
	"github.com/wxalbum/mediad/upload"
)

// RequestExport returns the user's export: the one pending or still
// downloadable if there is one (existing true), else a new one, queued. A
// user gets one export at a time and a bounded number per day (each copies
// every original they have): past that, ErrTooManyExports with the time to
// wait. The check and the insert run under a per-user lock, so requests at
// once cannot both start one.
func (s *Service) RequestExport(ctx context.Context, userID string) (e *Export, existing bool, err error) {
	err = db.InTx(ctx, s.conn, func(tx pgx.Tx) error {
		st := NewStore(tx)
		if err := st.lockUser(ctx, userID); err != nil {
			return err
		}
		if e, err = st.LiveExport(ctx, userID); err == nil {
			existing = true
			return nil
		} else if !errors.Is(err, ErrExportNotFound) {
			return err
		}
		ok, retry, err := s.exports.Allow(ctx, userID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrTooManyExports.WithRetryAfter(retry)
		}
		e, err = st.CreateExport(ctx, userID, s.cfg.ExportTTL)
		return err
	})
	if err != nil || existing {
		return e, existing, err
	}
	if err := s.tasks.EnqueueExport(ctx, e.ID); err != nil {
		return nil, false, err
	}
	return e, false, nil
}

// BuildExport writes a pending export: a ZIP streamed into the object
// store as it is written (never built in memory or on local disk), holding
// every stripped original the user uploaded and their records as JSON. An
// export that is not pending any more (built, or expired) is done. final
// says whether a failure is the last attempt: the export is then marked
// failed instead of left pending.
func (s *Service) BuildExport(ctx context.Context, id string, final bool) error {
	e, err := s.store.PendingExport(ctx, id)
	if errors.Is(err, ErrExportNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(s.writeZip(ctx, e.UserID, pw)) }()
	n, err := s.blobs.PutStream(ctx, ExportKey(id), pr, "application/zip")
	pr.CloseWithError(err) // unblock the writer if the upload failed
	if err != nil {
		if final {
			return errors.Join(err, s.store.FinishExport(ctx, id, -1))
		}
		return err
	}
	// Ready, and its owner told (export_ready), together.
	return db.InTx(ctx, s.conn, func(tx pgx.Tx) error {
		if err := NewStore(tx).FinishExport(ctx, id, n); err != nil {
			return err
		}
		return notify.NewStore(tx).Add(ctx, []string{e.UserID}, notify.ExportReady)
	})
}

func (s *Service) writeZip(ctx context.Context, userID string, w io.Writer) error {
	zw := zip.NewWriter(w)
	docs, err := s.store.ExportDocs(ctx, userID)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, name := range exportDocs {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		if _, err := f.Write(docs[name]); err != nil {
			return err
		}
	}
	items, err := s.store.ExportItems(ctx, userID)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := s.addItem(ctx, zw, it, now); err != nil {
			return err
		}
	}
	return zw.Close()
}

// addItem copies one stripped original into the archive uncompressed
// (photos and videos are compressed already).
func (s *Service) addItem(ctx context.Context, zw *zip.Writer, it ExportItem, now time.Time) error {
	rc, _, err := s.blobs.Open(ctx, upload.ObjectKey(it.ID, upload.VariantOriginal), nil)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "media/" + it.ID + extension(it.ContentType), Method: zip.Store, Modified: now})
	if err != nil {
		return err
	}
	_, err = io.Copy(f, rc)
	return err
}

func extension(ct string) string {
	switch ct {
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "image/gif":
		return ".gif"
	case "video/mp4", "video/quicktime":
		return ".mp4"
	}
	return ".jpg"
}
