package main

import (
	"context"
	"time"

	"github.com/wxalbum/mediad/internal/wechat"
	"github.com/wxalbum/mediad/review"
	"github.com/wxalbum/mediad/upload"
	"github.com/wxalbum/mediad/worker"
)

// newReview builds content checking: the service (WeChat client, signed
// URLs of the uploader's grant, the task queue) and the push handler. The
// handler exists even with checks off, so pushes are still verified and
// answered.
func (a *app) newReview() {
	urls := func(m *upload.Media, v upload.Variant, exp time.Time) string {
		// The uploader's grant: /f/ lets the uploader see a pending item,
		// so WeChat can fetch it before anyone else can.
		return a.uploads.SignedURL(a.cfg.PublicURL, m.ID, v, "u:"+m.OwnerID, exp)
	}
	client := wechat.New(a.cfg.WeChat, a.deps.redis)
	a.reviews = review.NewService(a.cfg.Review, a.deps.pool, client, urls, a.tasks, a.log)
	a.review = review.NewHandler(a.reviews, a.cfg.WeChat.PushToken)
}

// reviewQueue is what queues a ready item's check; nil with checks off,
// so items turn ready with no review state, as before.
func (a *app) reviewQueue() interface {
	EnqueueReview(ctx context.Context, mediaID string) error
} {
	if !a.cfg.Review.Enabled {
		return nil
	}
	return a.tasks
}

// registerReview adds the content-check tasks and their sweep when checks
// are on.
func (a *app) registerReview(srv *worker.Server) error {
	if !a.cfg.Review.Enabled {
		return nil
	}
	return srv.RegisterReview(worker.NewReview(a.reviews, review.ErrRefused))
}
