package main

import (
	"github.com/wxalbum/mediad/auth"
	"github.com/wxalbum/mediad/internal/wechat"
	"github.com/wxalbum/mediad/notify"
	"github.com/wxalbum/mediad/worker"
)

// registerNotify adds the subscribe-message tasks: sends through WeChat
// with the shared access token, to the openid auth keeps, and the
// periodic dispatch of queued notices. Without templates nothing is ever
// queued and the dispatch finds nothing.
func (a *app) registerNotify(srv *worker.Server) error {
	pusher := notify.NewPusher(a.cfg.Notify, a.deps.pool, wechat.New(a.cfg.WeChat, a.deps.redis),
		auth.NewStore(a.deps.pool).OpenID, a.tasks, a.log)
	return srv.RegisterNotify(worker.NewNotify(pusher), a.cfg.Notify.DispatchEvery)
}
