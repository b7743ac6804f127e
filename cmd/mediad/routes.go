package main

import "github.com/gofiber/fiber/v2"

// routes lists every route of the API in one place.
func (a *app) routes(r fiber.Router) {
	user := a.auth.RequireUser
	// Writes wait for consent to the current privacy policy (428). Reading,
	// consenting, exporting and deleting one's data never do.
	consent := a.auth.RequireConsent
	public := a.shares.RateLimit // per-address limit on unauthenticated routes

	r.Get("/healthz", healthz)
	r.Get("/readyz", readyz(a.deps.readiness()))

	r.Post("/v1/auth/wechat", a.auth.WeChatLogin)
	if a.cfg.Auth.DevLogin {
		r.Post("/v1/auth/dev", a.auth.DevLogin)
	}
	r.Post("/v1/auth/logout", user, a.auth.Logout)
	r.Get("/v1/me", user, a.auth.Me)
	r.Patch("/v1/me", user, consent, a.auth.UpdateMe)
	r.Post("/v1/me/consent", user, a.auth.Consent)
	r.Delete("/v1/me", user, a.auth.RequireFreshLogin, a.account.DeleteAccount)
	r.Post("/v1/me/exports", user, a.account.CreateExport)
	r.Get("/v1/me/exports/:id", user, a.account.GetExport)
	r.Get("/v1/deletion-receipts/:id", public, a.account.Receipt)
	r.Get("/v1/me/notifications", user, a.notes.List)
	r.Post("/v1/me/notifications/read", user, a.notes.MarkRead)
	r.Get("/v1/me/notification-settings", user, a.notes.Settings)
	r.Put("/v1/me/notification-settings", user, a.notes.UpdateSettings)

	r.Post("/v1/media", user, consent, a.media.Create)
	r.Get("/v1/media/:id", user, a.media.Get)
	r.Patch("/v1/media/:id", user, consent, a.media.SetVisibility)
	r.Delete("/v1/media/:id", user, consent, a.media.Delete)
	// Reports: anyone who sees an item may report it; its uploader and
	// album owner read them (never who sent them) and answer.
	r.Post("/v1/media/:id/reports", user, consent, a.reports.Create)
	r.Get("/v1/media/:id/reports", user, a.reports.List)
	r.Post("/v1/media/:id/reports/:report_id/reply", user, consent, a.reports.Reply)
	r.Get("/v1/me/media", user, a.media.Mine)
	r.Post("/v1/uploads", user, consent, a.media.StartChunked)
	r.Get("/v1/uploads/:id", user, a.media.GetChunked)
	r.Put("/v1/uploads/:id/parts/:n", user, consent, a.media.PutPart)
	r.Post("/v1/uploads/:id/complete", user, consent, a.media.CompleteChunked)
	r.Delete("/v1/uploads/:id", user, consent, a.media.AbortChunked)

	r.Post("/v1/albums", user, consent, a.albums.Create)
	r.Get("/v1/albums", user, a.albums.List)
	r.Get("/v1/albums/:id", user, a.albums.Get)
	r.Patch("/v1/albums/:id", user, consent, a.albums.Update)
	r.Delete("/v1/albums/:id", user, consent, a.albums.Dissolve)
	r.Get("/v1/albums/:id/dissolution", user, a.albums.Dissolution)
	r.Put("/v1/albums/:id/cover", user, consent, a.albums.SetCover)
	r.Get("/v1/albums/:id/items", user, a.albums.Items)
	r.Get("/v1/albums/:id/days", user, a.albums.Days)
	r.Delete("/v1/albums/:id/items/:media_id", user, consent, a.albums.RemoveItem)
	r.Get("/v1/albums/:id/ranking", user, a.albums.Ranking)
	r.Get("/v1/albums/:id/members", user, a.albums.Members)
	r.Patch("/v1/albums/:id/members/:user_id", user, consent, a.albums.SetRole)
	r.Delete("/v1/albums/:id/members/:user_id", user, consent, a.albums.RemoveMember)
	r.Post("/v1/albums/:id/leave", user, consent, a.albums.Leave)
	r.Post("/v1/albums/:id/transfer", user, consent, a.albums.Transfer)
	r.Post("/v1/albums/:id/invites", user, consent, a.albums.CreateInvite)
	r.Delete("/v1/albums/:id/invites/:invite_id", user, consent, a.albums.RevokeInvite)
	r.Get("/v1/invites/:token", user, a.albums.PreviewInvite)
	r.Post("/v1/invites/:token/accept", user, consent, a.albums.AcceptInvite)

	r.Post("/v1/shares", user, consent, a.shares.Create)
	r.Get("/v1/shares", user, a.shares.List)
	r.Delete("/v1/shares/:id", user, consent, a.shares.Revoke)
	r.Get("/v1/public/shares/:token", public, a.shares.Open)
	r.Post("/v1/public/shares/:token/unlock", public, a.shares.Unlock)
	r.Post("/v1/public/shares/:token/items/:media_id/reports", public, a.reports.CreateOnLink)

	// WeChat's message push (signed with MEDIA_WECHAT_PUSH_TOKEN; no user).
	r.Get("/v1/wechat/events", public, a.review.Verify)
	r.Post("/v1/wechat/events", public, a.review.Events)

	// Browser pages of share links (HTML; the stylesheet is embedded).
	r.Get("/s/-/:file", a.shares.Static)
	r.Get("/s/:token", public, a.shares.Page)
	r.Get("/s/:token/i/:media_id", public, a.shares.ItemPage)
	r.Post("/s/:token/unlock", public, a.shares.UnlockForm)

	// Self-authorising URLs (signed grant in the query).
	r.Get("/f/:id/:variant", a.media.ServeFile)
	r.Get("/x/:id", a.account.Download)
}
