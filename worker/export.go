package worker

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/account"
	"github.com/wxalbum/mediad/upload"
)

// ExportTask handles export:build: a ZIP streamed into the object store as
// it is written (never built in memory or on local disk), holding every
// stripped original the user uploaded and their records as JSON.
func (h *Accounts) ExportTask(ctx context.Context, t *asynq.Task) error {
	id, err := parseID(t)
	if err != nil {
		return err
	}
	e, err := h.store.PendingExport(ctx, id)
	if errors.Is(err, account.ErrExportNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(h.writeZip(ctx, e.UserID, pw)) }()
	n, err := h.blobs.PutStream(ctx, account.ExportKey(id), pr, "application/zip")
	pr.CloseWithError(err) // unblock the writer if the upload failed
	if err != nil {
		if !Retrying(ctx) {
			return h.store.FinishExport(ctx, id, -1)
		}
		return err
	}
	return h.store.FinishExport(ctx, id, n)
}

func (h *Accounts) writeZip(ctx context.Context, userID string, w io.Writer) error {
	zw := zip.NewWriter(w)
	docs, err := h.store.ExportDocs(ctx, userID)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, name := range []string{"profile.json", "media.json", "albums.json", "shares.json"} {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		if _, err := f.Write(docs[name]); err != nil {
			return err
		}
	}
	items, err := h.store.ExportItems(ctx, userID)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := h.addItem(ctx, zw, it, now); err != nil {
			return err
		}
	}
	return zw.Close()
}

// addItem copies one stripped original into the archive uncompressed
// (photos and videos are compressed already).
func (h *Accounts) addItem(ctx context.Context, zw *zip.Writer, it account.ExportItem, now time.Time) error {
	rc, _, err := h.blobs.Open(ctx, upload.ObjectKey(it.ID, upload.VariantOriginal), nil)
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
