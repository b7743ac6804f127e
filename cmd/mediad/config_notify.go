package main

import (
	"github.com/wxalbum/mediad/internal/config"
	"github.com/wxalbum/mediad/notify"
)

// notifyConfig reads how notices become WeChat subscribe messages
// (package notify); MEDIA_RETAIN_NOTIFICATIONS is read with the other
// retention periods.
func notifyConfig(e *config.Env) notify.Config {
	d := notify.Config{}.Defaults()
	raw := e.String("MEDIA_WECHAT_TEMPLATES", "")
	tmpl, err := notify.ParseTemplates(raw)
	if err != nil {
		e.Fail("MEDIA_WECHAT_TEMPLATES", "kind=template_id pairs separated by commas", raw)
	}
	return notify.Config{
		Templates:     tmpl,
		Page:          e.String("MEDIA_WECHAT_TEMPLATE_PAGE", d.Page),
		State:         e.String("MEDIA_WECHAT_MINIPROGRAM_STATE", d.State),
		DispatchEvery: e.Duration("MEDIA_NOTIFY_DISPATCH_EVERY", d.DispatchEvery),
		MaxCredits:    d.MaxCredits,
	}
}
