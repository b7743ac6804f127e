package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/process"
)

// StartInput describes a chunked upload.
type StartInput struct {
	Input
	Size   int64
	SHA256 []byte // optional; checked at completion
}

// StartChunked begins a resumable upload after the same checks as a
// direct upload; the declared size counts against the quota at once,
// checked and taken under the same per-user lock as a direct upload's.
func (s *Service) StartChunked(ctx context.Context, in StartInput) (*Chunked, error) {
	max := s.cfg.MaxChunkedSize(in.Kind)
	if in.Size <= 0 {
		return nil, ErrBadPart.WithMessage("size must be a positive number of bytes.")
	}
	if in.Size > max {
		return nil, ErrTooLarge
	}
	if err := s.admit(ctx, &in.Input); err != nil {
		return nil, err
	}
	if c, err := s.replayChunked(ctx, in); err != nil || c != nil {
		return c, err
	}
	c := &Chunked{ID: ids.New(), OwnerID: in.OwnerID, MediaID: ids.New(), Kind: in.Kind, Size: in.Size,
		SHA256: in.SHA256, AlbumID: in.AlbumID, Visibility: in.Visibility, PartSize: s.cfg.PartSize,
		ExpiresAt: time.Now().Add(s.cfg.UploadTTL), IdempotencyKey: in.IdempotencyKey}
	c.Key = RawKey(c.MediaID)
	var err error
	if c.S3UploadID, err = s.blobs.NewMultipart(ctx, c.Key, "application/octet-stream"); err != nil {
		return nil, err
	}
	if err := s.store.InsertChunkedWithin(ctx, c, s.cfg.Quota); err != nil {
		_ = s.blobs.AbortMultipart(context.WithoutCancel(ctx), c.Key, c.S3UploadID)
		if errors.Is(err, errKeyTaken) { // a concurrent retry started it first
			return s.replayChunked(ctx, in)
		}
		return nil, err
	}
	return c, nil
}

// PutPart stores part n, which must have exactly its expected size. Part 1
// is checked for an allowed format before it is stored. Only the uploader
// can touch an upload; for anyone else it does not exist.
func (s *Service) PutPart(ctx context.Context, id, ownerID, network string, n int, length int64, body io.Reader) (blob.Part, error) {
	c, err := s.findChunked(ctx, id, ownerID)
	if err != nil {
		return blob.Part{}, err
	}
	release, err := s.streaming(ownerID, network)
	if err != nil {
		return blob.Part{}, err
	}
	defer release()
	if err := s.allow(ctx, "part:"+ownerID); err != nil {
		return blob.Part{}, err
	}
	if n < 1 || n > c.Parts() {
		return blob.Part{}, ErrBadPart.WithMessage("Part number must be between 1 and %d.", c.Parts())
	}
	want := c.PartLen(n)
	if length != want {
		return blob.Part{}, ErrBadPart.WithMessage("Part %d must have Content-Length %d.", n, want)
	}
	ex := &exactReader{r: body, want: want}
	r := io.Reader(ex)
	var format process.Format
	if n == 1 {
		head := make([]byte, min(512, want))
		if _, err := io.ReadFull(r, head); err != nil {
			return blob.Part{}, partErr(err)
		}
		if format = process.Detect(head); !FormatAllowed(c.Kind, format) {
			s.abort(ctx, c)
			return blob.Part{}, ErrUnsupportedType
		}
		r = io.MultiReader(bytes.NewReader(head), r)
	}
	return s.storePart(ctx, c, n, want, r, ex, format)
}

// storePart streams part n to the object store, extending the running
// hash in part order (see hashChains and partHasher).
func (s *Service) storePart(ctx context.Context, c *Chunked, n int, want int64, r io.Reader, ex *exactReader, format process.Format) (blob.Part, error) {
	ch := s.chains.join(c, n)
	if ch == nil {
		return s.putPart(ctx, c, n, want, r, ex)
	}
	defer s.chains.leave(ch, n)
	ph := &partHasher{ctx: ctx, hc: &s.chains, ch: ch, n: n, want: want, left: want, format: string(format)}
	p, err := s.putPart(ctx, c, n, want, &hashingReader{r: r, ph: ph}, ex)
	if err != nil {
		ph.failed(c.ID)
		return p, err
	}
	ph.stored(p.ETag)
	s.chains.settle(ctx, c.ID, ch, s.saveHash(c.ID))
	return p, nil
}

// saveHash records upload id's running hash. Best effort: without it,
// completion reads the object once. The client going away does not stop
// it, as the parts it covers are stored.
func (s *Service) saveHash(id string) saveFunc {
	return func(ctx context.Context, from, to int, state []byte, etags []string, format string) error {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hashSaveWait)
		defer cancel()
		return s.store.AdvanceHash(ctx, id, from, to, state, etags, format)
	}
}

// hashSaveWait bounds one write of the running hash.
const hashSaveWait = 10 * time.Second

func (s *Service) putPart(ctx context.Context, c *Chunked, n int, want int64, r io.Reader, ex *exactReader) (blob.Part, error) {
	p, err := s.blobs.PutPart(ctx, c.Key, c.S3UploadID, n, r, want)
	switch {
	case errors.Is(ex.failed, httpx.ErrTooSlow):
		return blob.Part{}, ex.failed
	case ex.short || ex.failed != nil:
		// The client's body ended early or broke: its fault, not the storage's.
		return blob.Part{}, partErr(io.ErrUnexpectedEOF)
	}
	if err != nil {
		return blob.Part{}, partErr(err)
	}
	return p, nil
}

// hashingReader passes what it reads to a partHasher.
type hashingReader struct {
	r  io.Reader
	ph *partHasher
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	if n > 0 {
		hr.ph.feed(p[:n])
	}
	return n, err
}

// runningSum returns the upload's SHA-256 and format from the running
// hash when every stored part is the part that was hashed (same ETags,
// in order); ok is false otherwise.
func runningSum(c *Chunked, parts []blob.Part) (sum []byte, format process.Format, ok bool) {
	if c.HashedParts != len(parts) || len(c.HashETags) != len(parts) || c.Format == "" {
		return nil, "", false
	}
	for i, p := range parts {
		if !sameETag(p.ETag, c.HashETags[i]) {
			return nil, "", false
		}
	}
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(c.HashState); err != nil {
		return nil, "", false
	}
	return h.Sum(nil), process.Format(c.Format), true
}

// sameETag compares ETags as S3 gives them: an upload's answer has no
// quotes, a listing of parts has them ("…").
func sameETag(a, b string) bool {
	return strings.Trim(a, `"`) == strings.Trim(b, `"`)
}

// Parts lists the parts received, so a restarted client can resume.
func (s *Service) Parts(ctx context.Context, id, ownerID string) (*Chunked, []blob.Part, error) {
	c, err := s.findChunked(ctx, id, ownerID)
	if err != nil {
		return nil, nil, err
	}
	parts, err := s.blobs.ListParts(ctx, c.Key, c.S3UploadID)
	return c, parts, err
}

// Complete assembles the parts, checks size and (when declared) SHA-256
// and the format again, and records the item. On a mismatch nothing is kept.
func (s *Service) Complete(ctx context.Context, id, ownerID string) (*Media, bool, error) {
	c, parts, err := s.Parts(ctx, id, ownerID)
	if err != nil {
		return nil, false, err
	}
	if err := checkParts(c, parts); err != nil {
		return nil, false, err
	}
	if err := s.blobs.CompleteMultipart(ctx, c.Key, c.S3UploadID, parts); err != nil {
		return nil, false, err
	}
	sum, format, ok := runningSum(c, parts)
	if !ok {
		sum, format, err = s.digest(ctx, c.Key)
	}
	if err == nil && (c.SHA256 != nil && !bytes.Equal(sum, c.SHA256)) {
		err = ErrMismatch
	} else if err == nil && !FormatAllowed(c.Kind, format) {
		err = ErrUnsupportedType
	}
	if err != nil {
		s.discard(ctx, c)
		return nil, false, err
	}
	s.chains.forget(c.ID)
	m := &Media{ID: c.MediaID, OwnerID: c.OwnerID, Kind: c.Kind, ContentType: format.ContentType(), Size: c.Size,
		IdempotencyKey: c.IdempotencyKey,
		SHA256:         sum, AlbumID: c.AlbumID, Visibility: c.Visibility}
	// The upload's row keeps its bytes counted until the item's row does.
	item, dup, err := s.record(ctx, m)
	if derr := s.store.DeleteChunked(context.WithoutCancel(ctx), c.ID); derr != nil && err == nil {
		s.log.Warn("upload row left for expiry", "upload_id", c.ID, "err", derr)
	}
	return item, dup, err
}

// Abort discards an upload and its parts.
func (s *Service) Abort(ctx context.Context, id, ownerID string) error {
	c, err := s.findChunked(ctx, id, ownerID)
	if err != nil {
		return err
	}
	return s.abort(ctx, c)
}

// ExpireChunked aborts uploads past their expiry so no parts stay in the
// object store; it returns how many it aborted.
func (s *Service) ExpireChunked(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for {
		batch, err := s.store.ExpiredChunked(ctx, now, 100)
		if err != nil || len(batch) == 0 {
			return n, err
		}
		for _, c := range batch {
			if err := s.abort(ctx, c); err != nil {
				return n, err
			}
			n++
		}
	}
}

func (s *Service) findChunked(ctx context.Context, id, ownerID string) (*Chunked, error) {
	if !ids.Valid(id) {
		return nil, ErrUploadNotFound
	}
	return s.store.FindChunked(ctx, id, ownerID)
}

func (s *Service) abort(ctx context.Context, c *Chunked) error {
	ctx = context.WithoutCancel(ctx)
	s.chains.forget(c.ID)
	if err := s.blobs.AbortMultipart(ctx, c.Key, c.S3UploadID); err != nil {
		return err
	}
	return s.store.DeleteChunked(ctx, c.ID)
}

// discard removes a completed-but-refused object and its upload row.
func (s *Service) discard(ctx context.Context, c *Chunked) {
	ctx = context.WithoutCancel(ctx)
	s.chains.forget(c.ID)
	if err := s.blobs.Delete(ctx, c.Key); err != nil {
		s.log.Warn("refused upload left for the sweep", "media_id", c.MediaID, "err", err)
	}
	if err := s.store.DeleteChunked(ctx, c.ID); err != nil {
		s.log.Warn("upload row left for expiry", "upload_id", c.ID, "err", err)
	}
}

// digest reads the assembled object once for its SHA-256 and format.
func (s *Service) digest(ctx context.Context, key string) ([]byte, process.Format, error) {
	rc, _, err := s.blobs.Open(ctx, key, nil)
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	h := sha256.New()
	head := make([]byte, 512)
	n, err := io.ReadFull(rc, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, "", err
	}
	h.Write(head[:n])
	if _, err := io.Copy(h, rc); err != nil {
		return nil, "", fmt.Errorf("read assembled upload: %w", err)
	}
	return h.Sum(nil), process.Detect(head[:n]), nil
}

func checkParts(c *Chunked, parts []blob.Part) error {
	if len(parts) != c.Parts() {
		return ErrIncomplete.WithMessage("Received %d of %d parts.", len(parts), c.Parts())
	}
	for i, p := range parts {
		if p.Number != i+1 || p.Size != c.PartLen(p.Number) {
			return ErrIncomplete.WithMessage("Part %d is missing or has the wrong size.", i+1)
		}
	}
	return nil
}

// exactReader yields exactly want bytes; a body that ends early is
// io.ErrUnexpectedEOF (the declared Content-Length was a lie).
type exactReader struct {
	r      io.Reader
	want   int64
	got    int64
	short  bool  // the body ended before want bytes
	failed error // reading the client's body failed (too slow, reset)
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.got == e.want {
		return 0, io.EOF
	}
	if int64(len(p)) > e.want-e.got {
		p = p[:e.want-e.got]
	}
	n, err := e.r.Read(p)
	e.got += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		e.failed = err
	}
	if errors.Is(err, io.EOF) && e.got < e.want {
		e.short = true
		return n, io.ErrUnexpectedEOF
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

func partErr(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return ErrBadPart.WithMessage("The part is shorter than expected.")
	}
	return err
}
