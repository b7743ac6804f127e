package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"time"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"

	"github.com/wxalbum/mediad/upload"
)

// seed makes an owner and a member (dev logins), an album of ready
// link-visible photos with their thumbs in MinIO, a second album with a
// ready 100 MiB video, an album link, and collects the signed URLs each
// viewer is handed: the member's from the album pages, the link's from
// the public link pages.
func (s *server) seed(ctx context.Context) error {
	owner, err := login(ctx, "serve-owner")
	if err != nil {
		return err
	}
	viewer, err := login(ctx, "serve-viewer")
	if err != nil {
		return err
	}
	photos, videos := md5hex("serve-photos"), md5hex("serve-videos")
	for _, a := range []string{photos, videos} {
		if err := s.seedAlbum(ctx, a, owner.userID, viewer.userID); err != nil {
			return err
		}
	}
	sizes, err := s.seedThumbs(ctx, owner.userID, photos)
	if err != nil {
		return err
	}
	if s.member, err = memberPages(ctx, viewer, photos, sizes); err != nil {
		return err
	}
	if s.link, err = linkPages(ctx, owner, photos, sizes); err != nil {
		return err
	}
	return s.seedVideo(ctx, owner.userID, viewer, videos)
}

// seedAlbum inserts an album of owner with viewer as a member (role viewer).
func (s *server) seedAlbum(ctx context.Context, id, owner, viewer string) error {
	_, err := s.b.stack.pool.Exec(ctx, `WITH a AS (INSERT INTO albums (id, owner_id, title, default_visibility)
		VALUES ($1, $2, 'Serve benchmark', 'link'))
		INSERT INTO album_members (album_id, user_id, role) VALUES ($1, $2, 'owner'), ($1, $3, 'viewer')`, id, owner, viewer)
	if err != nil {
		return fmt.Errorf("seed album: %w", err)
	}
	return nil
}

// seedThumbs inserts the ready photos (SQL COPY) and stores their thumbs,
// 12-40 KiB each as 320 px JPEGs are; it returns each thumb's size.
func (s *server) seedThumbs(ctx context.Context, owner, album string) (map[string]int64, error) {
	ids, err := seedItems(ctx, s.b, "serve", owner, &album, servePages*servePage, 3<<20)
	if err != nil {
		return nil, err
	}
	if _, err := s.b.stack.pool.Exec(ctx, `UPDATE media SET visibility = 'link' WHERE album_id = $1`, album); err != nil {
		return nil, err
	}
	sizes := map[string]int64{}
	t0 := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, id := range ids {
		size := int64(12<<10 + mix(7, uint64(i))%(28<<10))
		sizes[id] = size
		g.Go(func() error {
			_, err := s.ref.PutObject(gctx, benchBucket, upload.ObjectKey(id, upload.VariantThumb), bytes.NewReader(padBytes(uint64(i), int(size))),
				size, minio.PutObjectOptions{ContentType: "image/jpeg", DisableMultipart: true})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("seed thumbs: %w", err)
	}
	s.b.logf("seeded %d ready photos with thumbs in %s", len(ids), time.Since(t0).Round(time.Millisecond))
	return sizes, nil
}

// seedVideo inserts a ready video whose play variant is stored, and takes
// the member's signed play URL from GET /v1/media/:id.
func (s *server) seedVideo(ctx context.Context, owner string, viewer *client, album string) error {
	id := md5hex("serve-video")
	sum := sha256.Sum256([]byte(id))
	_, err := s.b.stack.pool.Exec(ctx, `INSERT INTO media (id, owner_id, kind, status, content_type, size_bytes, sha256,
		album_id, visibility, width, height, duration_ms, served_type, play_status)
		VALUES ($1, $2, 'video', 'ready', 'video/mp4', $3, $4, $5, 'link', 1280, 720, 600000, 'video/mp4', 'ready')`,
		id, owner, videoBytes, sum[:], album)
	if err != nil {
		return fmt.Errorf("seed video: %w", err)
	}
	s.video.key = upload.ObjectKey(id, upload.VariantPlay)
	if _, err := s.ref.PutObject(ctx, benchBucket, s.video.key, pad(77, videoBytes), videoBytes,
		minio.PutObjectOptions{ContentType: "video/mp4", PartSize: partSize}); err != nil {
		return fmt.Errorf("seed video: %w", err)
	}
	var out struct {
		Media struct {
			URLs map[string]string `json:"urls"`
		} `json:"media"`
	}
	if err := viewer.call(ctx, "GET", "/v1/media/"+id, nil, &out); err != nil {
		return err
	}
	if s.video.url = out.Media.URLs["play"]; s.video.url == "" {
		return fmt.Errorf("the member got no play URL for the video: %v", out.Media.URLs)
	}
	return nil
}

// memberPages walks the album's item pages as the member does.
func memberPages(ctx context.Context, c *client, album string, sizes map[string]int64) ([][]thumb, error) {
	return walkPages(ctx, sizes, func(cursor string) ([]pageItem, string, error) {
		var out struct {
			Items []pageItem `json:"items"`
			Next  string     `json:"next_cursor"`
		}
		err := c.call(ctx, "GET", fmt.Sprintf("/v1/albums/%s/items?limit=%d&cursor=%s", album, servePage, url.QueryEscape(cursor)), nil, &out)
		return out.Items, out.Next, err
	})
}

// linkPages makes an album link and walks its public pages as a
// recipient's browser does.
func linkPages(ctx context.Context, owner *client, album string, sizes map[string]int64) ([][]thumb, error) {
	var l struct {
		Token string `json:"token"`
	}
	if err := owner.call(ctx, "POST", "/v1/shares", map[string]any{"album_id": album, "expires_in": 86400}, &l); err != nil {
		return nil, err
	}
	return walkPages(ctx, sizes, func(cursor string) ([]pageItem, string, error) {
		var out struct {
			Items []pageItem `json:"items"`
			Next  string     `json:"next_cursor"`
		}
		err := (&client{}).call(ctx, "GET", "/v1/public/shares/"+l.Token+"?cursor="+url.QueryEscape(cursor), nil, &out)
		return out.Items, out.Next, err
	})
}

// pageItem is what both page shapes say of an item.
type pageItem struct {
	ID       string `json:"id"`
	ThumbURL string `json:"thumb_url"`
}

// walkPages collects servePages pages of servePage thumbs each.
func walkPages(ctx context.Context, sizes map[string]int64, page func(cursor string) ([]pageItem, string, error)) ([][]thumb, error) {
	var pages [][]thumb
	cursor := ""
	for len(pages) < servePages {
		items, next, err := page(cursor)
		if err != nil {
			return nil, err
		}
		if len(items) != servePage {
			return nil, fmt.Errorf("page %d has %d items, want %d", len(pages)+1, len(items), servePage)
		}
		var p []thumb
		for _, it := range items {
			p = append(p, thumb{url: it.ThumbURL, key: upload.ObjectKey(it.ID, upload.VariantThumb), size: sizes[it.ID]})
		}
		pages, cursor = append(pages, p), next
	}
	return pages, ctx.Err()
}
