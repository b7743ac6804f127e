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
	r.Patch("/v1/media/:id", user, a.media.SetVisibility)
	r.Delete("/v1/media/:id", user, a.media.Delete)
	r.Get("/v1/me/media", user, a.media.Mine)
	r.Post("/v1/uploads", user, a.media.StartChunked)
	r.Get("/v1/uploads/:id", user, a.media.GetChunked)
	r.Put("/v1/uploads/:id/parts/:n", user, a.media.PutPart)
	r.Post("/v1/uploads/:id/complete", user, a.media.CompleteChunked)
	r.Delete("/v1/uploads/:id", user, a.media.AbortChunked)

	r.Post("/v1/albums", user, a.albums.Create)
	r.Get("/v1/albums", user, a.albums.List)
	r.Get("/v1/albums/:id", user, a.albums.Get)
	r.Patch("/v1/albums/:id", user, a.albums.Update)
	r.Delete("/v1/albums/:id", user, a.albums.Dissolve)
	r.Get("/v1/albums/:id/dissolution", user, a.albums.Dissolution)
	r.Put("/v1/albums/:id/cover", user, a.albums.SetCover)
	r.Get("/v1/albums/:id/items", user, a.albums.Items)
	r.Delete("/v1/albums/:id/items/:media_id", user, a.albums.RemoveItem)
	r.Get("/v1/albums/:id/ranking", user, a.albums.Ranking)
	r.Get("/v1/albums/:id/members", user, a.albums.Members)
	r.Patch("/v1/albums/:id/members/:user_id", user, a.albums.SetRole)
	r.Delete("/v1/albums/:id/members/:user_id", user, a.albums.RemoveMember)
	r.Post("/v1/albums/:id/leave", user, a.albums.Leave)
	r.Post("/v1/albums/:id/transfer", user, a.albums.Transfer)
	r.Post("/v1/albums/:id/invites", user, a.albums.CreateInvite)
	r.Delete("/v1/albums/:id/invites/:invite_id", user, a.albums.RevokeInvite)
	r.Get("/v1/invites/:token", user, a.albums.PreviewInvite)
	r.Post("/v1/invites/:token/accept", user, a.albums.AcceptInvite)

	r.Post("/v1/shares", user, a.shares.Create)
	r.Get("/v1/shares", user, a.shares.List)
	r.Delete("/v1/shares/:id", user, a.shares.Revoke)
	public := a.shares.RateLimit
	r.Get("/v1/public/shares/:token", public, a.shares.Open)
	r.Post("/v1/public/shares/:token/unlock", public, a.shares.Unlock)

	// Self-authorising media URLs (signed grant in the query).
	r.Get("/f/:id/:variant", a.media.ServeFile)
}
