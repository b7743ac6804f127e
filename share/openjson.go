package share

import (
	"context"
	"strconv"

	"github.com/wxalbum/mediad/internal/ids"
)

// OpenJSON is Open encoded as the JSON response. While nothing a link shows
// has changed, its pages come from the view cache; the link's expiry and
// the unlock token are still checked on every request, and every first
// page still counts an open.
func (s *Service) OpenJSON(ctx context.Context, base, token, unlock, cursor string, limit int) ([]byte, error) {
	now := s.now()
	limit = min(max(limit, 1), 100)
	k := viewKey{tokenHash: string(ids.Hash(token)), cursor: cursor, limit: limit}
	e := s.views.get(k, now)
	var buildErr error
	if e == nil {
		if e, buildErr = s.build(ctx, k, base, token); e == nil {
			return nil, buildErr
		}
	}
	if err := s.admit(e.link, unlock, now); err != nil {
		return nil, err
	}
	if buildErr != nil {
		return nil, buildErr
	}
	if cursor == "" {
		s.opens.add(e.link.ID, now)
	}
	return e.body, nil
}

// build reads and encodes page k of a link and caches it. A nil view is an
// unknown link; a view with no body holds the link and the error says why
// (a bad cursor, an item no longer shown).
//
// While the cache is on, requests missing the same page at the same
// version share one build: a popular link whose page a write just dropped
// is read once, not once per recipient waiting. Only a build begun at the
// version a request reads may serve it: one begun before a change could
// predate a write this process answered before the request came.
func (s *Service) build(ctx context.Context, k viewKey, base, token string) (*cachedView, error) {
	version, cacheable := s.views.version() // read before the database
	if !cacheable {
		return s.encode(ctx, k, base, token)
	}
	key := k.tokenHash + "\x00" + k.cursor + "\x00" + strconv.Itoa(k.limit) + "\x00" + strconv.FormatUint(version, 10)
	v, err, _ := s.building.Do(key, func() (any, error) {
		e, err := s.encode(ctx, k, base, token)
		if err == nil {
			e.at, e.scopes = version, pageScopes(e.link)
			s.views.put(k, e)
		}
		return e, err
	})
	e, _ := v.(*cachedView)
	return e, err
}

// encode reads page k and writes its JSON.
func (s *Service) encode(ctx context.Context, k viewKey, base, token string) (*cachedView, error) {
	built := s.now()
	p, err := s.read(ctx, token, k.cursor, k.limit)
	switch {
	case p == nil:
		return nil, err
	case err != nil:
		return &cachedView{link: p.link, built: built}, err
	}
	// Room for a photo's fields and two signed URLs per item.
	body := s.appendView(make([]byte, 0, 256+len(p.items)*(400+2*len(base))), base, p.link, p.items, p.next)
	return &cachedView{link: p.link, body: body, built: built}, nil
}
