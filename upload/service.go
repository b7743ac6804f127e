package upload

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/internal/signer"
)

// Service takes uploads and answers questions about media.
type Service struct {
	cfg       Config
	store     *Store
	blobs     Blobs
	queue     Enqueuer
	limit     Limiter
	signer    *signer.Signer
	linkCheck LinkCheck
	grants    *grantCache // nil until CacheGrants, or when off
	log       *slog.Logger
	chains    hashChains // running hashes of the chunked uploads in flight here
	inflight  inflight   // uploads streaming here, per user and per network
}

// NewService validates cfg and returns a Service.
func NewService(cfg Config, store *Store, blobs Blobs, queue Enqueuer, limit Limiter, sg *signer.Signer, log *slog.Logger) (*Service, error) {
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, store: store, blobs: blobs, queue: queue, limit: limit, signer: sg, log: log,
		chains: hashChains{spare: make(chan []byte, 4)}}, nil
}

// Input describes an upload before its bytes arrive.
type Input struct {
	OwnerID    string
	Kind       Kind
	AlbumID    *string
	Visibility Visibility
	// SizeHint bounds the upload's size when the request says it (the
	// Content-Length of a multipart body); 0 when unknown.
	SizeHint int64
	// Network is the client's network (httpx.TruncateIP), for the cap on
	// uploads streaming at once.
	Network string
	// IdempotencyKey, when set, names the item this request creates: a
	// retry with the same key gets the same item (ParseIdempotencyKey).
	IdempotencyKey string
}

// admit checks what can be checked before the bytes arrive but the quota:
// rate and album rights, and resolves the default visibility. Permissions:
// uploading into an album needs owner or contributor (covers: owner); a
// non-member gets ErrAlbumNotFound, a viewer ErrForbidden.
func (s *Service) admit(ctx context.Context, in *Input) error {
	if err := s.allow(ctx, "upload:"+in.OwnerID); err != nil {
		return err
	}
	return s.resolveAlbum(ctx, in)
}

// dependencyWait bounds the best-effort calls to Redis on the upload path
// (rate limit, enqueue): when Redis is down the upload goes on without them.
const dependencyWait = time.Second

// allow applies the per-user upload rate. When the limiter cannot answer
// (Redis is down) the upload goes ahead: the rate only guards against
// abuse, the quota (PostgreSQL) still bounds what one user stores, and
// refusing every photo while the queue is away would lose what users came
// to share. The row is the outbox: the task follows when Redis is back.
func (s *Service) allow(ctx context.Context, key string) error {
	// A healthy limiter answers in a millisecond; a dead Redis must not
	// hold the upload for the client's dial retries.
	ctx, cancel := context.WithTimeout(ctx, dependencyWait)
	defer cancel()
	ok, retry, err := s.limit.Allow(ctx, key)
	switch {
	case err != nil:
		s.log.Warn("upload rate limiter unavailable; admitting", "key", key, "err", err)
	case !ok:
		return ErrRateLimited.WithRetryAfter(retry)
	}
	return nil
}

func (s *Service) resolveAlbum(ctx context.Context, in *Input) error {
	switch {
	case in.Kind == KindCover && in.AlbumID == nil:
		return ErrBadKind.WithMessage("A cover needs album_id.")
	case in.Kind == KindAvatar && in.AlbumID != nil:
		return ErrBadKind.WithMessage("An avatar does not belong to an album.")
	case in.AlbumID == nil:
		if in.Visibility == "" {
			in.Visibility = Members
		}
		return nil
	}
	acc, err := s.store.AlbumAccess(ctx, *in.AlbumID, in.OwnerID)
	if err != nil {
		return err
	}
	if !CanUploadInto(acc.Role, in.Kind) {
		return ErrForbidden
	}
	if in.Visibility == "" {
		in.Visibility = acc.DefaultVisibility
	}
	return nil
}

// Upload streams body into the quarantine prefix and records the item.
// Nothing is kept when it fails (stage): the type is checked on the first
// bytes before anything is written, a body past the limit aborts the
// object, and the row is only written once the object is complete. Its
// bytes are reserved from the quota before the first one is stored, so
// uploads sent in parallel cannot pass the quota together. It returns the
// existing item (dup true) when the same user already uploaded the same
// bytes into the same album.
func (s *Service) Upload(ctx context.Context, in Input, body io.Reader) (*Media, bool, error) {
	if err := s.admit(ctx, &in); err != nil {
		return nil, false, err
	}
	if m, err := s.replay(ctx, in); err != nil || m != nil {
		return m, m != nil, err // a retry: the body is not read
	}
	st, err := s.stage(ctx, in, s.cfg.MaxSize(in.Kind), body)
	if err != nil {
		return nil, false, err
	}
	defer st.done()
	return s.record(ctx, st.media(in))
}

// record inserts the row for a stored raw object, or hands back the
// duplicate and removes the new copy. The right to add to the album is
// checked again as the row is inserted: a member removed or demoted, or an
// album that started dissolving, while the bytes arrived keeps nothing.
func (s *Service) record(ctx context.Context, m *Media) (*Media, bool, error) {
	dup, err := s.store.FindDuplicate(ctx, m.OwnerID, m.AlbumID, m.Kind, m.SHA256)
	if err == nil || errors.Is(err, ErrNotFound) {
		if dup == nil {
			err = s.store.Insert(ctx, m)
			switch {
			case errors.Is(err, errDuplicate):
				dup, err = s.store.FindDuplicate(ctx, m.OwnerID, m.AlbumID, m.Kind, m.SHA256)
			case errors.Is(err, errKeyTaken):
				dup, err = s.store.ByIdempotencyKey(ctx, m.OwnerID, m.IdempotencyKey)
			}
		}
	}
	if errors.Is(err, errNoRight) {
		err = s.rightLost(ctx, m)
	}
	if err == nil && dup != nil {
		dup, err = s.narrowed(ctx, dup, m.Visibility)
	}
	if err != nil || dup != nil {
		s.dropRaw(ctx, m.ID) // no row will point at the new object
		return dup, dup != nil, err
	}
	// After commit. If this fails (or we crash here) the sweep finds the
	// row still processing and enqueues it again.
	ectx, cancel := context.WithTimeout(ctx, dependencyWait)
	defer cancel()
	if err := s.queue.EnqueueProcess(ectx, m.ID, m.Kind); err != nil {
		s.log.Warn("enqueue failed; the worker resumes it when the queue is back, or the sweep", "media_id", m.ID, "err", err)
	}
	return m, false, nil
}

// rightLost says why an upload may no longer go into its album: gone for
// the uploader (not a member, or dissolving: ErrAlbumNotFound), or a role
// that does not allow it (ErrForbidden).
func (s *Service) rightLost(ctx context.Context, m *Media) error {
	if _, err := s.store.AlbumAccess(ctx, *m.AlbumID, m.OwnerID); err != nil {
		return err
	}
	return ErrForbidden
}

// narrowed applies the narrower of the duplicate's and the requested
// visibility: uploading the same bytes again never widens who sees them.
func (s *Service) narrowed(ctx context.Context, dup *Media, asked Visibility) (*Media, error) {
	if !Narrower(asked, dup.Visibility) {
		return dup, nil
	}
	return s.store.SetVisibility(ctx, dup.ID, dup.OwnerID, asked)
}

func (s *Service) streamErr(err error, quotaBound bool) error {
	switch {
	case errors.Is(err, errLimit) && quotaBound:
		return ErrQuotaExceeded
	case errors.Is(err, errLimit):
		return ErrTooLarge
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ErrTruncated
	}
	return err
}

// Get returns an item the viewer may see, else ErrNotFound.
func (s *Service) Get(ctx context.Context, id, viewerID string) (*Media, error) {
	if !ids.Valid(id) {
		return nil, ErrNotFound
	}
	return s.store.FindVisible(ctx, id, viewerID)
}

// Delete hides an item at once and queues removal of its objects.
// Permissions: the uploader, or the owner of the item's album (CanDelete).
// A member who can see the item but may not delete it gets ErrForbidden;
// anyone else ErrNotFound, and so does everyone for an item of a
// dissolving album (the dissolution removes it).
func (s *Service) Delete(ctx context.Context, id, viewerID string) error {
	return s.deleteItem(ctx, nil, id, viewerID)
}

// DeleteInAlbum is Delete for an item that must be in album albumID (an
// item elsewhere is ErrNotFound).
func (s *Service) DeleteInAlbum(ctx context.Context, albumID, id, viewerID string) error {
	return s.deleteItem(ctx, &albumID, id, viewerID)
}

func (s *Service) deleteItem(ctx context.Context, albumID *string, id, viewerID string) error {
	if !ids.Valid(id) {
		return ErrNotFound
	}
	m, err := s.store.FindLive(ctx, id)
	if err != nil {
		return err
	}
	if albumID != nil && (m.AlbumID == nil || *m.AlbumID != *albumID) {
		return ErrNotFound
	}
	role := RoleNone
	if m.AlbumID != nil && m.OwnerID != viewerID {
		acc, err := s.store.AlbumAccess(ctx, *m.AlbumID, viewerID)
		if err != nil && !errors.Is(err, ErrAlbumNotFound) {
			return err
		}
		role = acc.Role
	}
	if !CanDelete(viewerID, m, role) {
		// Members who can see the item learn they may not delete it;
		// to anyone else it does not exist.
		if CanView(viewerID, m, role, true) {
			return ErrForbidden
		}
		return ErrNotFound
	}
	if err := s.store.MarkDeleting(ctx, id); err != nil {
		return err
	}
	if err := s.queue.EnqueueDelete(ctx, id); err != nil {
		s.log.Warn("enqueue delete failed; the sweep will retry", "media_id", id, "err", err)
	}
	return nil
}
