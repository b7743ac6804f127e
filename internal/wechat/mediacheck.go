package wechat

import (
	"context"
	"fmt"
)

// Scenes of a content check (mediaCheckAsync, version 2): where the
// content is published, which decides how strictly WeChat judges it.
const (
	SceneProfile   = 1 // 资料: a user's profile (avatars)
	SceneComment   = 2 // 评论
	SceneForum     = 3 // 论坛
	SceneSocialLog = 4 // 社交日志: posts shared with a circle (album photos, covers, videos)
)

// MediaTypeImage is mediaCheckAsync's media_type for an image.
const MediaTypeImage = 2

// MediaCheck is one content-check submission.
type MediaCheck struct {
	URL    string // where WeChat fetches the image (it must be reachable from the internet)
	OpenID string // the uploader; must have used the mini-program within 2 hours for WeChat to accept
	Scene  int    // Scene*
}

// MediaCheckAsync submits an image to WeChat's asynchronous content check
// (POST /wxa/media_check_async) and returns the trace_id its result will be
// pushed with (event wxa_media_check).
func (c *Client) MediaCheckAsync(ctx context.Context, m MediaCheck) (string, error) {
	in := struct {
		MediaURL  string `json:"media_url"`
		MediaType int    `json:"media_type"`
		Version   int    `json:"version"`
		OpenID    string `json:"openid"`
		Scene     int    `json:"scene"`
	}{m.URL, MediaTypeImage, 2, m.OpenID, m.Scene}
	var out struct {
		TraceID string `json:"trace_id"`
	}
	if err := c.Post(ctx, "/wxa/media_check_async", in, &out); err != nil {
		return "", err
	}
	if out.TraceID == "" {
		return "", fmt.Errorf("%w: no trace_id", ErrUnavailable)
	}
	return out.TraceID, nil
}
