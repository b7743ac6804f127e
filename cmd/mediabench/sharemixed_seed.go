package main

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// share-mixed's world: 10 owners with 10 albums each, 60 ready
// link-visible photos per album, 10 links per album (7 to the album, 3 to
// one of its items): 1,000 links.
const (
	mixedOwners    = 10
	mixedAlbums    = 100
	mixedItems     = 60 // a 50-item first page, and a second
	mixedLinks     = 10 // per album
	mixedItemLinks = 3  // of them to an item
	mixedPaths     = 20_000
	mixedZipfS     = 1.1
)

type mixedAlbum struct {
	id     string
	owner  *client
	linked []string // the items with an item link
	// toggle are the items no item link shows: the editors flip their
	// visibility (an item link would answer 410 while its item is hidden).
	toggle []string
}

type mixedWorld struct {
	albums []*mixedAlbum
	ranked []string // the links' paths, most popular first; ranked[0] is an album link
}

// seedMixed makes the world through the API (users, albums, links) and
// SQL (the items, ready, as the worker would have left them).
func seedMixed(ctx context.Context, b *bench) (*mixedWorld, error) {
	w := &mixedWorld{}
	for o := 0; o < mixedOwners; o++ {
		c, err := login(ctx, fmt.Sprintf("mixed-owner-%d", o))
		if err != nil {
			return nil, err
		}
		for i := 0; i < mixedAlbums/mixedOwners; i++ {
			a, err := seedMixedAlbum(ctx, b, c, len(w.albums))
			if err != nil {
				return nil, err
			}
			w.albums = append(w.albums, a)
		}
	}
	albumLinks, itemLinks, err := mixedShares(ctx, w)
	if err != nil {
		return nil, err
	}
	w.ranked = rankLinks(albumLinks, itemLinks)
	return w, nil
}

func seedMixedAlbum(ctx context.Context, b *bench, c *client, n int) (*mixedAlbum, error) {
	var out struct {
		Album struct {
			ID string `json:"id"`
		} `json:"album"`
	}
	if err := c.call(ctx, "POST", "/v1/albums", map[string]string{"title": fmt.Sprintf("Mixed %d", n), "default_visibility": "link"}, &out); err != nil {
		return nil, err
	}
	id := out.Album.ID
	items, err := seedItems(ctx, b, "mixed-"+id, c.userID, &id, mixedItems, 100_000)
	if err != nil {
		return nil, err
	}
	// seedItems makes members-only items without placeholders: these are
	// shown on links, as photos with their placeholder.
	if _, err := b.stack.pool.Exec(ctx, `UPDATE media SET visibility = 'link', placeholder = '3PcNNYSFeXh/d3UK+bSGi3tZeJ9W8Ic='
		WHERE album_id = $1`, id); err != nil {
		return nil, fmt.Errorf("seed items: %w", err)
	}
	return &mixedAlbum{id: id, owner: c, linked: items[:mixedItemLinks], toggle: items[mixedItemLinks:]}, nil
}

// mixedShares makes each album's links through POST /v1/shares, 8 at a
// time, and returns their paths.
func mixedShares(ctx context.Context, w *mixedWorld) (albumLinks, itemLinks []string, err error) {
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, a := range w.albums {
		for i := 0; i < mixedLinks; i++ {
			target, item := map[string]any{"album_id": a.id}, i < mixedItemLinks
			if item {
				target = map[string]any{"media_id": a.linked[i]}
			}
			target["expires_in"] = 86400
			g.Go(func() error {
				var s struct {
					Token string `json:"token"`
				}
				if err := a.owner.call(gctx, "POST", "/v1/shares", target, &s); err != nil {
					return fmt.Errorf("share: %w", err)
				}
				mu.Lock()
				defer mu.Unlock()
				if item {
					itemLinks = append(itemLinks, "/v1/public/shares/"+s.Token)
				} else {
					albumLinks = append(albumLinks, "/v1/public/shares/"+s.Token)
				}
				return nil
			})
		}
	}
	return albumLinks, itemLinks, g.Wait()
}

// rankLinks orders the links by popularity at random (fixed seed), with
// an album link first: the quiet reference opens the most popular link.
func rankLinks(albumLinks, itemLinks []string) []string {
	all := append(append([]string(nil), albumLinks...), itemLinks...)
	rng := rand.New(rand.NewSource(15))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for i, p := range all {
		if isAlbumLink(p, albumLinks) {
			all[0], all[i] = all[i], all[0]
			break
		}
	}
	return all
}

func isAlbumLink(p string, albumLinks []string) bool {
	for _, a := range albumLinks {
		if a == p {
			return true
		}
	}
	return false
}

// zipfScript writes the wrk script: mixedPaths request paths drawn from a
// Zipf distribution over the ranked links, walked in order by each wrk
// thread from its own offset.
func zipfScript(b *bench, ranked []string) (string, error) {
	rng := rand.New(rand.NewSource(16))
	z := rand.NewZipf(rng, mixedZipfS, 1, uint64(len(ranked)-1))
	var s strings.Builder
	fmt.Fprintf(&s, "-- mediabench share-mixed: %d paths drawn from Zipf(s=%.1f) over %d links\nlocal paths = {\n", mixedPaths, mixedZipfS, len(ranked))
	for i := 0; i < mixedPaths; i++ {
		fmt.Fprintf(&s, "%q,\n", ranked[z.Uint64()])
	}
	s.WriteString(`}
local n, threads = #paths, 0
function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
function init(args)
  i = offset or 0
end
function request()
  i = i % n + 1
  return wrk.format(nil, paths[i])
end
`)
	path := filepath.Join(b.logDir, "share-mixed.lua")
	return path, os.WriteFile(path, []byte(s.String()), 0o644)
}
