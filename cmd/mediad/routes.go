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

	r.Post("/v1/media", user, a.media.Create)
	r.Get("/v1/media/:id", user, a.media.Get)
	r.Delete("/v1/media/:id", user, a.media.Delete)
	r.Post("/v1/uploads", user, a.media.StartChunked)
	r.Get("/v1/uploads/:id", user, a.media.GetChunked)
	r.Put("/v1/uploads/:id/parts/:n", user, a.media.PutPart)
	r.Post("/v1/uploads/:id/complete", user, a.media.CompleteChunked)
	r.Delete("/v1/uploads/:id", user, a.media.AbortChunked)

	// Self-authorising media URLs (signed grant in the query).
	r.Get("/f/:id/:variant", a.media.ServeFile)
}
