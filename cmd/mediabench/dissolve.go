package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wxalbum/mediad/upload"
)

const (
	bulkItems  = 10_000
	bulkPoll   = 200 * time.Millisecond
	bulkMember = 4 // members besides the owner, so dissolution notifies someone
)

// bulkRound is one engine deletion and its reference, back to back.
type bulkRound func(ctx context.Context, b *bench, round int) (engine, ref time.Duration, err error)

// runBulk runs a deletion scenario's rounds on `mediad all`.
func runBulk(ctx context.Context, b *bench, rounds int, m *metric, probeRoute string, one bulkRound) ([]Result, error) {
	if _, err := b.start(ctx, "all"); err != nil {
		return nil, err
	}
	if err := probe(ctx, probeRoute); err != nil {
		return nil, err
	}
	for r := 0; r < rounds; r++ {
		eng, ref, err := one(ctx, b, r)
		if err != nil {
			return nil, err
		}
		m.addPair(eng.Seconds(), ref.Seconds())
		b.logf("round %d: engine %s, RemoveObjects %s", r+1, eng.Round(time.Millisecond), ref.Round(time.Millisecond))
	}
	return results(m), nil
}

func runDissolve(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	m := newMetric(fmt.Sprintf("dissolve %d-item album (%d objects) until finished_at", bulkItems, bulkItems*4), "s",
		"minio-go RemoveObjects of as many keys", ratioAtMost(1.2))
	return runBulk(ctx, b, rounds, m, "GET /v1/albums/x/dissolution", dissolveRound)
}

func runAccountDelete(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	m := newMetric(fmt.Sprintf("DELETE /v1/me with %d items (%d objects) until receipt done", bulkItems, bulkItems*4), "s",
		"minio-go RemoveObjects of as many keys", ratioAtMost(1.2))
	return runBulk(ctx, b, rounds, m, "DELETE /v1/me", accountRound)
}

// dissolveRound seeds an album of ready photos owned by a dev-login user,
// dissolves it through the API and polls the dissolution until finished.
func dissolveRound(ctx context.Context, b *bench, r int) (time.Duration, time.Duration, error) {
	owner, err := login(ctx, fmt.Sprintf("dissolve-owner-%d", r))
	if err != nil {
		return 0, 0, err
	}
	album, title, err := seedAlbum(ctx, b, owner.userID, r)
	if err != nil {
		return 0, 0, err
	}
	ids, err := seedItems(ctx, b, fmt.Sprintf("dissolve-%d", r), owner.userID, &album, bulkItems, 512)
	if err != nil {
		return 0, 0, err
	}
	if err := putSmall(ctx, b, itemKeys(ids)); err != nil {
		return 0, 0, err
	}
	t0 := time.Now()
	if err := owner.call(ctx, "DELETE", "/v1/albums/"+album, map[string]string{"confirm_title": title}, nil); err != nil {
		return 0, 0, err
	}
	if err := pollUntil(ctx, bulkPoll, func() (bool, error) {
		var out struct {
			D struct {
				FinishedAt *time.Time `json:"finished_at"`
			} `json:"dissolution"`
		}
		err := owner.call(ctx, "GET", "/v1/albums/"+album+"/dissolution", nil, &out)
		return out.D.FinishedAt != nil, err
	}); err != nil {
		return 0, 0, err
	}
	eng := time.Since(t0)
	ref, err := referenceDelete(ctx, b, fmt.Sprintf("dissolve-ref-%d", r), "dissolution")
	return eng, ref, err
}

// seedAlbum inserts an album owned by owner with a few SQL-made members.
func seedAlbum(ctx context.Context, b *bench, owner string, r int) (id, title string, err error) {
	id, title = md5hex(fmt.Sprintf("dissolve-album-%d", r)), fmt.Sprintf("Bench album %d", r)
	stmts := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (id, openid, nickname) SELECT md5($1||g), 'bench:'||$1||g, 'member'||g FROM generate_series(1, $2::int) g`,
			[]any{fmt.Sprintf("dissolve-member-%d-", r), bulkMember}},
		{`INSERT INTO albums (id, owner_id, title) VALUES ($1, $2, $3)`, []any{id, owner, title}},
		{`INSERT INTO album_members (album_id, user_id, role) VALUES ($1, $2, 'owner')`, []any{id, owner}},
		{`INSERT INTO album_members (album_id, user_id, role) SELECT $1, md5($2||g), 'contributor' FROM generate_series(1, $3::int) g`,
			[]any{id, fmt.Sprintf("dissolve-member-%d-", r), bulkMember}},
	}
	for _, s := range stmts {
		if _, err := b.stack.pool.Exec(ctx, s.sql, s.args...); err != nil {
			return "", "", fmt.Errorf("seed album: %w", err)
		}
	}
	return id, title, nil
}

// accountRound seeds a user's 10,000 items (in no album), signs in afresh
// (account deletion wants a session under 5 minutes old), deletes the
// account and polls the receipt until done.
func accountRound(ctx context.Context, b *bench, r int) (time.Duration, time.Duration, error) {
	name := fmt.Sprintf("account-%d", r)
	u, err := login(ctx, name)
	if err != nil {
		return 0, 0, err
	}
	ids, err := seedItems(ctx, b, name, u.userID, nil, bulkItems, 512)
	if err != nil {
		return 0, 0, err
	}
	if err := putSmall(ctx, b, itemKeys(ids)); err != nil {
		return 0, 0, err
	}
	if u, err = login(ctx, name); err != nil {
		return 0, 0, err
	}
	t0 := time.Now()
	var del struct {
		ReceiptID string `json:"receipt_id"`
	}
	if err := u.call(ctx, "DELETE", "/v1/me", map[string]string{"confirm": "DELETE"}, &del); err != nil {
		return 0, 0, err
	}
	if err := pollUntil(ctx, bulkPoll, func() (bool, error) {
		var out struct {
			R struct {
				Status string `json:"status"`
			} `json:"receipt"`
		}
		err := (&client{}).call(ctx, "GET", "/v1/deletion-receipts/"+del.ReceiptID, nil, &out)
		return out.R.Status == "done", err
	}); err != nil {
		return 0, 0, err
	}
	eng := time.Since(t0)
	ref, err := referenceDelete(ctx, b, name+"-ref", "account deletion")
	return eng, ref, err
}

// referenceDelete first checks the engine left nothing, then seeds the
// same number of objects under fresh keys and times RemoveObjects on them.
func referenceDelete(ctx context.Context, b *bench, tag, what string) (time.Duration, error) {
	if err := mustBeEmpty(ctx, b, upload.MediaPrefix, what); err != nil {
		return 0, err
	}
	ids := make([]string, bulkItems)
	for i := range ids {
		ids[i] = md5hex(fmt.Sprintf("%s-%d", tag, i))
	}
	keys := itemKeys(ids)
	if err := putSmall(ctx, b, keys); err != nil {
		return 0, err
	}
	d, err := removeObjects(ctx, b, keys)
	if err != nil {
		return 0, err
	}
	return d, mustBeEmpty(ctx, b, upload.MediaPrefix, "RemoveObjects")
}
