package account

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// exportDocs names the JSON documents of an export, in archive order.
var exportDocs = []string{"profile.json", "media.json", "albums.json", "shares.json", "notifications.json", "notification_settings.json",
	"reports_sent.json", "reports_received.json"}

// ExportDocs returns the JSON documents of a user's export: profile,
// media, albums (with role), share links (never their tokens),
// notifications and notification settings.
func (s *Store) ExportDocs(ctx context.Context, userID string) (map[string][]byte, error) {
	queries := map[string]string{
		"profile.json": `SELECT row_to_json(x) FROM (SELECT id, nickname, avatar_media_id, created_at, policy_version,
			policy_accepted_at FROM users WHERE id = $1) x`,
		"media.json": `SELECT coalesce(json_agg(x ORDER BY x.created_at), '[]') FROM (SELECT id, kind, status,
			coalesce(served_type, content_type) AS content_type, size_bytes, album_id, visibility, width, height,
			duration_ms, created_at, taken_at, taken_at_source FROM media WHERE owner_id = $1 AND status <> 'deleting') x`,
		"albums.json": `SELECT coalesce(json_agg(x ORDER BY x.joined_at), '[]') FROM (SELECT a.id, a.title, am.role,
			am.joined_at, a.created_at FROM album_members am JOIN albums a ON a.id = am.album_id
			WHERE am.user_id = $1 AND a.status = 'active') x`,
		"notifications.json": `SELECT coalesce(json_agg(x ORDER BY x.created_at), '[]') FROM (SELECT id, kind, album_id,
			created_at, read_at, push AS subscribe_message FROM notifications WHERE user_id = $1) x`,
		"notification_settings.json": `SELECT json_build_object(
			'switched_off', (SELECT coalesce(json_agg(x ORDER BY x.kind), '[]') FROM (SELECT kind, updated_at
				FROM notification_settings WHERE user_id = $1 AND NOT enabled) x),
			'subscriptions', (SELECT coalesce(json_agg(x ORDER BY x.kind), '[]') FROM (SELECT kind, template_id,
				credits AS messages_left, updated_at FROM notification_subscriptions WHERE user_id = $1) x))`,
		"shares.json": `SELECT coalesce(json_agg(x ORDER BY x.created_at), '[]') FROM (SELECT id, album_id, media_id,
			password_hash IS NOT NULL AS has_password, allow_download, show_dates, expires_at, revoked_at, created_at,
			(SELECT coalesce(sum(opens),0) FROM share_opens o WHERE o.share_id = shares.id) AS opens
			FROM shares WHERE created_by = $1) x`,
		// Reports the user sent, and those made of their items: never who
		// made those, nor through which link.
		"reports_sent.json": `SELECT coalesce(json_agg(x ORDER BY x.created_at), '[]') FROM (SELECT id, media_id, reason,
			text, created_at, reply, answered_at FROM reports WHERE reporter_id = $1) x`,
		"reports_received.json": `SELECT coalesce(json_agg(x ORDER BY x.created_at), '[]') FROM (SELECT r.id, r.media_id,
			r.reason, r.text, r.created_at, r.reply, r.answered_at FROM reports r JOIN media m ON m.id = r.media_id
			WHERE m.owner_id = $1 AND m.status <> 'deleting') x`,
	}
	docs := map[string][]byte{}
	for name, q := range queries {
		var b []byte
		if err := s.q.QueryRow(ctx, q, userID).Scan(&b); err != nil {
			return nil, err
		}
		docs[name] = b
	}
	return docs, nil
}

// ExportItem is one stripped original to put in an export.
type ExportItem struct {
	ID, Kind, ContentType string
}

// ExportItems lists the user's ready items (the stripped originals are
// all the service keeps).
func (s *Store) ExportItems(ctx context.Context, userID string) ([]ExportItem, error) {
	rows, err := s.q.Query(ctx, `SELECT id, kind, coalesce(served_type, content_type) FROM media
		WHERE owner_id = $1 AND status = 'ready' ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ExportItem, error) {
		var it ExportItem
		err := r.Scan(&it.ID, &it.Kind, &it.ContentType)
		return it, err
	})
}

// PendingExport returns an export still to build.
func (s *Store) PendingExport(ctx context.Context, id string) (*Export, error) {
	e, err := s.FindExport(ctx, id, "")
	if err != nil || e.Status != "pending" {
		return nil, ErrExportNotFound
	}
	return e, nil
}
