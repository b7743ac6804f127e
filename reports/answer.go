package reports

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/upload"
)

// What the uploader and the album owner do with reports (List, Reply),
// and the hourly task that applies holds past their grace (ApplyHolds).

// moderator locks the item and returns it with viewer's role in its album
// when viewer may read its reports (CanRead); ErrNotFound otherwise, and
// for an item being deleted or in a dissolving album.
func moderator(ctx context.Context, q db.Conn, mediaID, viewerID string, lock bool) (*upload.Media, upload.Role, error) {
	if !ids.Valid(mediaID) {
		return nil, upload.RoleNone, ErrNotFound
	}
	st := upload.NewStore(q)
	if lock {
		if _, err := st.Lock(ctx, mediaID); err != nil {
			return nil, upload.RoleNone, notFound(err)
		}
	}
	m, err := st.FindLive(ctx, mediaID)
	if err != nil {
		return nil, upload.RoleNone, notFound(err)
	}
	role := upload.RoleNone
	if m.AlbumID != nil {
		acc, err := st.AlbumAccess(ctx, *m.AlbumID, viewerID)
		if err != nil && !errors.Is(err, upload.ErrAlbumNotFound) {
			return nil, upload.RoleNone, err
		}
		role = acc.Role
	}
	if !CanRead(viewerID, m, role) {
		return nil, upload.RoleNone, ErrNotFound
	}
	return m, role, nil
}

// List returns the item's reports to its uploader and its album's owner
// (anyone else: ErrNotFound), without who sent them.
func (s *Service) List(ctx context.Context, userID, mediaID string) ([]*Report, error) {
	if _, _, err := moderator(ctx, s.pool, mediaID, userID, false); err != nil {
		return nil, err
	}
	return NewStore(s.pool).ForMedia(ctx, mediaID)
}

// Reply keeps the item and answers report reportID with reply (for
// inappropriate content, every unanswered report of it: AnswersTogether),
// then applies the hold the reports still unanswered call for.
func (s *Service) Reply(ctx context.Context, userID, mediaID, reportID, reply string) (*Report, error) {
	reply, ok := CleanText(reply)
	if !ok || reply == "" {
		return nil, ErrBadReply
	}
	var r *Report
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		m, role, err := moderator(ctx, tx, mediaID, userID, true)
		if err != nil {
			return err
		}
		st := NewStore(tx)
		if !ids.Valid(reportID) {
			return ErrNotFound
		}
		if r, err = st.Find(ctx, mediaID, reportID); err != nil {
			return err
		}
		if r.AnsweredAt != nil {
			return ErrAnswered
		}
		if !CanAnswer(userID, m, role, r.Reason) {
			return ErrNotYours
		}
		if _, err := st.Answer(ctx, mediaID, reportID, reply, AnsweredAs(userID, m), AnswersTogether(r.Reason)); err != nil {
			return err
		}
		if _, err := s.rehold(ctx, tx, m); err != nil {
			return err
		}
		r, err = st.Find(ctx, mediaID, reportID)
		return err
	})
	return r, err
}

// holdBatch bounds the items one run of ApplyHolds looks at.
const holdBatch = 500

// ApplyHolds applies, to every item whose hold may be due to change, the
// hold its unanswered reports call for now (reports:hold, hourly): removal
// requests unanswered past the grace hide their item; holds no report
// backs any more (the reporter deleted their account) are lifted. It is
// idempotent, and returns how many holds it changed.
func (s *Service) ApplyHolds(ctx context.Context) (int, error) {
	due, err := NewStore(s.pool).HoldCandidates(ctx, s.now().Add(-s.cfg.Grace), holdBatch)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, id := range due {
		err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			m, err := upload.NewStore(tx).Lock(ctx, id)
			if err != nil || m.Status == upload.StatusDeleting {
				return ignoreGone(err)
			}
			ok, err := s.rehold(ctx, tx, m)
			if ok {
				changed++
			}
			return err
		})
		if err != nil {
			return changed, err
		}
	}
	if changed > 0 {
		s.log.Info("report holds changed", "items", changed)
	}
	return changed, nil
}

func ignoreGone(err error) error {
	if errors.Is(err, upload.ErrNotFound) {
		return nil
	}
	return err
}
