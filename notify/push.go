package notify

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/wechat"
)

// Sender sends a subscribe message (*wechat.Client).
type Sender interface {
	SubscribeSend(ctx context.Context, m wechat.Subscribe) error
}

// OpenIDs returns a user's openid (auth.Store.OpenID); apperr.NotFound
// when they have none.
type OpenIDs func(ctx context.Context, userID string) (string, error)

// Enqueuer queues the send task of a notice (worker.Client).
type Enqueuer interface {
	EnqueueNotifySend(ctx context.Context, notificationID string) error
}

// Pusher turns queued notices into subscribe messages: Dispatch hands
// them to send tasks, Send sends one. The notice's push column is the
// state, so a lost task is found by the next Dispatch.
type Pusher struct {
	cfg    Config
	pool   db.Conn
	send   Sender
	openid OpenIDs
	enq    Enqueuer
	log    *slog.Logger
}

// NewPusher returns a Pusher; cfg is used with its defaults filled in.
func NewPusher(cfg Config, pool db.Conn, send Sender, openid OpenIDs, enq Enqueuer, log *slog.Logger) *Pusher {
	return &Pusher{cfg: cfg, pool: pool, send: send, openid: openid, enq: enq, log: log}
}

// dispatchBatch bounds one dispatch.
const dispatchBatch = 1000

// Dispatch queues a send task for every queued notice (a task already
// queued for a notice is kept: its id is the notice's) and gives up those
// queued for over a day.
func (p *Pusher) Dispatch(ctx context.Context) error {
	st := NewStore(p.pool)
	if n, err := st.expireQueued(ctx, time.Now().Add(-24*time.Hour)); err != nil || n > 0 {
		p.log.Warn("subscribe messages given up after a day", "count", n, "err", err)
	}
	ids, err := st.queued(ctx, dispatchBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, p.enq.EnqueueNotifySend(ctx, id))
	}
	return errors.Join(errs...)
}

// Send sends the subscribe message of notice id, once. It is done
// (skipped) when the user switched the kind off since, has no accepted
// message left, or the template changed; 43101 turns the user's
// subscription to the kind off. final says this is the last attempt: a
// failure is then recorded instead of retried.
func (p *Pusher) Send(ctx context.Context, id string, final bool) error {
	st := NewStore(p.pool)
	j, err := st.job(ctx, id)
	if err != nil || j == nil || !j.Queued {
		return err
	}
	tmpl := p.cfg.Templates[j.Kind]
	if j.Off || j.Credits == 0 || tmpl == "" || tmpl != j.TemplateID {
		return st.setPush(ctx, id, "skipped")
	}
	openid, err := p.openid(ctx, j.UserID)
	if errors.Is(err, apperr.NotFound) || (err == nil && openid == "") {
		return st.setPush(ctx, id, "skipped")
	}
	if err != nil {
		return err
	}
	err = p.send.SubscribeSend(ctx, p.message(j, openid, tmpl))
	switch {
	case err == nil:
		return p.finish(ctx, id, j, "sent", st.useCredit)
	case wechat.IsRefused(err):
		return p.finish(ctx, id, j, "refused", st.Refuse)
	case final || !retryable(err):
		p.log.Warn("subscribe message failed", "kind", j.Kind, "err", err)
		return st.setPush(ctx, id, "failed")
	}
	return err
}

// finish records the outcome and its effect on the subscription together.
func (p *Pusher) finish(ctx context.Context, id string, j *pushJob, state string, sub func(context.Context, string, string) error) error {
	return db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		st := NewStore(tx)
		if err := sub(ctx, j.UserID, j.Kind); err != nil {
			return err
		}
		return st.setPush(ctx, id, state)
	})
}

// retryable: WeChat asked us to slow down or could not be reached; any
// other errcode (a bad openid, a template without thing1/time2) will fail
// the same way next time.
func retryable(err error) bool {
	if errors.Is(err, wechat.ErrNotConfigured) {
		return false
	}
	var we *wechat.Error
	if errors.As(err, &we) {
		return wechat.IsRateLimited(err)
	}
	return true
}

// china is the time the messages speak (China Standard Time, no DST).
var china = time.FixedZone("CST", 8*3600)

// message is the subscribe message of notice j: what happened (thing1, at
// most 20 characters, no names or content) and when (time2).
func (p *Pusher) message(j *pushJob, openid, tmpl string) wechat.Subscribe {
	q := url.Values{"kind": {j.Kind}}
	if j.AlbumID != nil {
		q.Set("album", *j.AlbumID)
	}
	return wechat.Subscribe{OpenID: openid, TemplateID: tmpl, Page: p.cfg.Page + "?" + q.Encode(), State: p.cfg.State,
		Data: map[string]string{"thing1": Title(j.Kind), "time2": j.CreatedAt.In(china).Format("2006-01-02 15:04")}}
}

// Title is what a notice of kind says, in the mini-program's language.
func Title(kind string) string {
	switch kind {
	case NewItems:
		return "相册里有新的照片或视频"
	case MemberJoined:
		return "有新成员加入了你的相册"
	case ItemReported:
		return "你的内容收到了举报"
	case ItemHidden:
		return "有内容因审核未通过已隐藏"
	case AlbumDissolved:
		return "你所在的一个相册已解散"
	case ExportReady:
		return "你的数据导出已可下载"
	}
	return "你有一条新通知"
}
