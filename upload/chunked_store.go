package upload

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
)

// Chunked is a resumable upload in progress, backed by an S3 multipart upload.
type Chunked struct {
	ID         string
	OwnerID    string
	MediaID    string
	Kind       Kind
	Size       int64
	SHA256     []byte
	AlbumID    *string
	Visibility Visibility
	S3UploadID string
	Key        string
	PartSize   int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	// The running hash over parts 1..HashedParts, received in order.
	HashedParts int
	HashState   []byte
	HashETags   []string
	Format      string // detected from part 1
	// IdempotencyKey is the client's key for the start request; the item
	// the upload completes into keeps it.
	IdempotencyKey string
	// Replayed is set on an upload returned to a retried start.
	Replayed bool
}

// Parts is how many parts the upload has.
func (c *Chunked) Parts() int { return int((c.Size + c.PartSize - 1) / c.PartSize) }

// PartLen is the exact size part n (1-based) must have.
func (c *Chunked) PartLen(n int) int64 {
	if n == c.Parts() {
		return c.Size - int64(n-1)*c.PartSize
	}
	return c.PartSize
}

const chunkedCols = `id, owner_id, media_id, kind, size_bytes, sha256, album_id, coalesce(visibility,''), s3_upload_id,
	object_key, part_size, created_at, expires_at, hashed_parts, hash_state, hash_etags, coalesce(format, ''),
	coalesce(idempotency_key, '')`

func scanChunked(row pgx.Row) (*Chunked, error) {
	var c Chunked
	err := row.Scan(&c.ID, &c.OwnerID, &c.MediaID, &c.Kind, &c.Size, &c.SHA256, &c.AlbumID, &c.Visibility,
		&c.S3UploadID, &c.Key, &c.PartSize, &c.CreatedAt, &c.ExpiresAt, &c.HashedParts, &c.HashState, &c.HashETags, &c.Format,
		&c.IdempotencyKey)
	if db.IsNoRows(err) {
		return nil, ErrUploadNotFound
	}
	return &c, err
}

// InsertChunkedWithin records a started upload if its declared size fits
// in what is left of the owner's quota, checked and taken under the
// per-user lock (quota.go); otherwise ErrQuotaExceeded.
func (s *Store) InsertChunkedWithin(ctx context.Context, c *Chunked, quota int64) error {
	return db.InTx(ctx, s.q, func(tx pgx.Tx) error {
		if err := lockQuota(ctx, tx, c.OwnerID); err != nil {
			return err
		}
		used, err := usedBytes(ctx, tx, c.OwnerID)
		if err != nil {
			return err
		}
		if used+c.Size > quota {
			return ErrQuotaExceeded
		}
		err = tx.QueryRow(ctx, `INSERT INTO uploads (id, owner_id, media_id, kind, size_bytes, sha256, album_id, visibility,
			s3_upload_id, object_key, part_size, expires_at, idempotency_key)
			VALUES ($1,$2,$3,$4,$5,$6,$7,NULLIF($8,''),$9,$10,$11,$12,NULLIF($13,''))
			RETURNING created_at`, c.ID, c.OwnerID, c.MediaID, c.Kind, c.Size, c.SHA256, c.AlbumID, c.Visibility,
			c.S3UploadID, c.Key, c.PartSize, c.ExpiresAt, c.IdempotencyKey).Scan(&c.CreatedAt)
		if db.ViolatedConstraint(err) == "uploads_idempotency_key_idx" {
			return errKeyTaken
		}
		return err
	})
}

// ChunkedByIdempotencyKey returns the owner's live upload started with key.
func (s *Store) ChunkedByIdempotencyKey(ctx context.Context, ownerID, key string) (*Chunked, error) {
	return scanChunked(s.q.QueryRow(ctx, `SELECT `+chunkedCols+` FROM uploads
		WHERE owner_id = $1 AND idempotency_key = $2 AND expires_at > now()`, ownerID, key))
}

// FindChunked returns the owner's live upload id; anyone else's, or an
// expired one, is ErrUploadNotFound.
func (s *Store) FindChunked(ctx context.Context, id, ownerID string) (*Chunked, error) {
	return scanChunked(s.q.QueryRow(ctx, `SELECT `+chunkedCols+` FROM uploads
		WHERE id = $1 AND owner_id = $2 AND expires_at > now()`, id, ownerID))
}

// errHashMoved is AdvanceHash finding the row's running hash elsewhere
// than where the caller's began (another instance moved it, or the upload
// is gone).
var errHashMoved = errors.New("upload: running hash moved")

// AdvanceHash records the running hash after parts from+1..to (their
// ETags in order) when the row holds the hash after part from.
func (s *Store) AdvanceHash(ctx context.Context, id string, from, to int, state []byte, etags []string, format string) error {
	tag, err := s.q.Exec(ctx, `UPDATE uploads SET hashed_parts = $3, hash_state = $4, hash_etags = hash_etags || $5::text[],
		format = coalesce(NULLIF($6, ''), format) WHERE id = $1 AND hashed_parts = $2`, id, from, to, state, etags, format)
	if err == nil && tag.RowsAffected() == 0 {
		err = errHashMoved
	}
	return err
}

// DeleteChunked removes an upload's row.
func (s *Store) DeleteChunked(ctx context.Context, id string) error {
	_, err := s.q.Exec(ctx, `DELETE FROM uploads WHERE id = $1`, id)
	return err
}

// ExpiredChunked returns uploads past their expiry.
func (s *Store) ExpiredChunked(ctx context.Context, now time.Time, limit int) ([]*Chunked, error) {
	rows, err := s.q.Query(ctx, `SELECT `+chunkedCols+` FROM uploads WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Chunked, error) { return scanChunked(r) })
}

// DeleteChunkedOfAlbum removes the rows of uploads still aimed at an album
// (its dissolution aborted their multipart uploads) and returns how many.
func (s *Store) DeleteChunkedOfAlbum(ctx context.Context, albumID string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM uploads WHERE album_id = $1`, albumID)
	return tag.RowsAffected(), err
}

// DeleteChunkedOfOwner removes a user's upload rows (account deletion,
// after their multipart uploads were aborted) and returns how many.
func (s *Store) DeleteChunkedOfOwner(ctx context.Context, ownerID string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM uploads WHERE owner_id = $1`, ownerID)
	return tag.RowsAffected(), err
}

// ChunkedOfAlbum lists the uploads still aimed at an album (key, S3 upload id).
func (s *Store) ChunkedOfAlbum(ctx context.Context, albumID string) ([][2]string, error) {
	return db.Pairs(ctx, s.q, `SELECT object_key, s3_upload_id FROM uploads WHERE album_id = $1`, albumID)
}

// ChunkedOfOwner lists a user's unfinished uploads (key, S3 upload id).
func (s *Store) ChunkedOfOwner(ctx context.Context, ownerID string) ([][2]string, error) {
	return db.Pairs(ctx, s.q, `SELECT object_key, s3_upload_id FROM uploads WHERE owner_id = $1`, ownerID)
}
