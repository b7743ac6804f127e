package main

import "github.com/gofiber/fiber/v2"

// routes lists every route of the API in one place.
func (a *app) routes(r fiber.Router) {
	user := a.auth.RequireUser

	r.Get("/healthz", healthz)
	r.Get("/readyz", readyz(a.deps.readiness()))

	r.Post("/v1/auth/wechat", a.auth.WeChatLogin)
	if a.cfg.Auth.DevLogin {
		r.Post("/v1/auth/dev", a.auth.DevLogin)
	}
	r.Post("/v1/auth/logout", user, a.auth.Logout)
	r.Get("/v1/me", user, a.auth.Me)
	r.Patch("/v1/me", user, a.auth.UpdateMe)
}
