package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// sentMsg is one subscribeMessage.send the fake WeChat received.
type sentMsg struct {
	ToUser     string                       `json:"touser"`
	TemplateID string                       `json:"template_id"`
	Page       string                       `json:"page"`
	Data       map[string]map[string]string `json:"data"`
	Refused    bool                         `json:"-"`
}

// fakeSubscribe is WeChat's token and subscribe-message APIs: it records
// every send and answers 43101 to the openids in refuse.
type fakeSubscribe struct {
	*httptest.Server
	mu     sync.Mutex
	sent   []sentMsg
	refuse map[string]bool
}

func newFakeSubscribe(t *testing.T, refuse ...string) *fakeSubscribe {
	f := &fakeSubscribe{refuse: map[string]bool{}}
	for _, o := range refuse {
		f.refuse[o] = true
	}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/token":
			w.Write([]byte(`{"access_token":"at-1","expires_in":7200}`))
		case "/cgi-bin/message/subscribe/send":
			var m sentMsg
			if r.URL.Query().Get("access_token") != "at-1" || json.NewDecoder(r.Body).Decode(&m) != nil {
				w.Write([]byte(`{"errcode":40001,"errmsg":"bad"}`))
				return
			}
			f.mu.Lock()
			m.Refused = f.refuse[m.ToUser]
			f.sent = append(f.sent, m)
			f.mu.Unlock()
			if m.Refused {
				w.Write([]byte(`{"errcode":43101,"errmsg":"user refuse to accept the msg"}`))
				return
			}
			w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// to returns the sends to openid with template tmpl.
func (f *fakeSubscribe) to(openid, tmpl string) []sentMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sentMsg
	for _, m := range f.sent {
		if m.ToUser == openid && m.TemplateID == tmpl {
			out = append(out, m)
		}
	}
	return out
}

// Templates of the notifying engine.
const (
	tplNew    = "TPL_NEW_ITEMS"
	tplJoin   = "TPL_MEMBER_JOINED"
	tplExport = "TPL_EXPORT_READY"
)

func startNotifyEngine(t *testing.T, f *fakeSubscribe) *engine {
	return startEngine(t, "all", map[string]string{
		"MEDIA_WECHAT_BASE_URL": f.URL, "MEDIA_WECHAT_APPID": "wx1", "MEDIA_WECHAT_SECRET": "sec",
		"MEDIA_WECHAT_TEMPLATES":      "new_items=" + tplNew + ",member_joined=" + tplJoin + ",export_ready=" + tplExport,
		"MEDIA_NOTIFY_DISPATCH_EVERY": "1s",
	})
}

// notice is one entry of GET /v1/me/notifications.
type notice struct {
	ID      string     `json:"id"`
	Kind    string     `json:"kind"`
	AlbumID *string    `json:"album_id"`
	ReadAt  *time.Time `json:"read_at"`
}

// notices returns u's notifications of kind and the unread count.
func (e *engine) notices(u user, kind string) ([]notice, int) {
	e.t.Helper()
	var out struct {
		Notifications []notice `json:"notifications"`
		Unread        *int     `json:"unread"`
	}
	e.do("GET", "/v1/me/notifications", u.tok, nil, 200, &out)
	if out.Unread == nil {
		e.t.Fatal("GET /v1/me/notifications: no unread count")
	}
	var of []notice
	for _, n := range out.Notifications {
		if n.Kind == kind {
			of = append(of, n)
		}
	}
	return of, *out.Unread
}

// setting is one kind's entry of the notification settings.
type setting struct {
	Kind         string `json:"kind"`
	Enabled      bool   `json:"enabled"`
	TemplateID   string `json:"template_id"`
	MessagesLeft int    `json:"messages_left"`
	Subscribed   bool   `json:"subscribed"`
}

// putSettings sends a settings update and returns the settings by kind.
func (e *engine) putSettings(u user, body map[string]any) map[string]setting {
	e.t.Helper()
	var out struct {
		Settings []setting `json:"settings"`
	}
	e.do("PUT", "/v1/me/notification-settings", u.tok, body, 200, &out)
	return byKind(out.Settings)
}

func (e *engine) settings(u user) map[string]setting {
	e.t.Helper()
	var out struct {
		Settings []setting `json:"settings"`
	}
	e.do("GET", "/v1/me/notification-settings", u.tok, nil, 200, &out)
	return byKind(out.Settings)
}

func byKind(ss []setting) map[string]setting {
	m := map[string]setting{}
	for _, s := range ss {
		m[s.Kind] = s
	}
	return m
}

// TestNotifyNewItemsOffGetsNeither: of two members who both accepted the
// new-items subscribe message, the one who switched "new items" off gets
// neither the in-app notice nor the message; the other gets one of each
// per album and day, spending their one accepted message.
func TestNotifyNewItemsOffGetsNeither(t *testing.T) {
	f := newFakeSubscribe(t)
	e := startNotifyEngine(t, f)
	alice, bob, carol := e.signIn("alice"), e.signIn("bob"), e.signIn("carol")
	album := e.album(alice.tok, map[string]string{bob.tok: "viewer", carol.tok: "viewer"})

	accept := map[string]string{tplNew: "accept", "errMsg": "requestSubscribeMessage:ok"}
	bs := e.putSettings(bob, map[string]any{"kinds": map[string]bool{"new_items": false}, "subscriptions": accept})
	if s := bs["new_items"]; s.Enabled || s.Subscribed || s.MessagesLeft != 1 || s.TemplateID != tplNew {
		t.Errorf("bob's new_items after switching off: %+v", s)
	}
	cs := e.putSettings(carol, map[string]any{"subscriptions": accept})
	if s := cs["new_items"]; !s.Enabled || !s.Subscribed || s.MessagesLeft != 1 {
		t.Errorf("carol's new_items after accepting: %+v", s)
	}

	first := e.uploadPhotoID(alice, "photo", album, "members")
	e.waitReady(alice.tok, first)
	if !poll(15*time.Second, func() bool { return len(f.to("dev:carol", tplNew)) == 1 }) {
		t.Fatalf("carol got %d new-items messages, want 1", len(f.to("dev:carol", tplNew)))
	}
	m := f.to("dev:carol", tplNew)[0]
	if !strings.Contains(m.Page, "album="+album) || m.Data["thing1"]["value"] == "" || m.Data["time2"]["value"] == "" {
		t.Errorf("message %+v: want the album in the page, thing1 and time2", m)
	}
	if ns, _ := e.notices(carol, "new_items"); len(ns) != 1 || ns[0].AlbumID == nil || *ns[0].AlbumID != album {
		t.Errorf("carol's new_items notices: %+v, want one about the album", ns)
	}
	// Bob's notice would have been made in the same transaction as
	// carol's, and dispatched on the same tick.
	if ns, _ := e.notices(bob, "new_items"); len(ns) != 0 {
		t.Errorf("bob switched new items off but has notices %+v", ns)
	}
	if n := len(f.to("dev:bob", tplNew)); n != 0 {
		t.Errorf("bob switched new items off but got %d messages", n)
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1`, bob.id); n != 0 {
		t.Errorf("bob has %d notification rows, want 0", n)
	}

	// A second item the same day: no second notice; carol's one accepted
	// message is spent.
	second := e.uploadPhotoID(alice, "photo", album, "members")
	e.waitReady(alice.tok, second)
	if ns, _ := e.notices(carol, "new_items"); len(ns) != 1 {
		t.Errorf("carol has %d new_items notices after two items the same day, want 1", len(ns))
	}
	if s := e.settings(carol)["new_items"]; s.Subscribed || s.MessagesLeft != 0 {
		t.Errorf("carol's new_items after the send: %+v, want no message left", s)
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND push = 'sent'`, carol.id); n != 1 {
		t.Errorf("%d of carol's notices sent, want 1", n)
	}

	// Alice heard of both joins, in-app only (she accepted no message).
	joined, unread := e.notices(alice, "member_joined")
	if len(joined) != 2 || unread != 2 || joined[0].AlbumID == nil || *joined[0].AlbumID != album {
		t.Fatalf("alice's member_joined notices %+v (unread %d), want 2 about the album", joined, unread)
	}
	if n := len(f.to("dev:alice", tplJoin)); n != 0 {
		t.Errorf("alice accepted no message but got %d", n)
	}
	var marked struct{ Marked int }
	e.do("POST", "/v1/me/notifications/read", alice.tok, map[string]any{"ids": []string{joined[0].ID}}, 200, &marked)
	e.do("POST", "/v1/me/notifications/read", bob.tok, map[string]any{"ids": []string{joined[1].ID}}, 200, nil) // not bob's: ignored
	if _, unread := e.notices(alice, "member_joined"); marked.Marked != 1 || unread != 1 {
		t.Errorf("after marking one read: marked %d, unread %d; want 1, 1", marked.Marked, unread)
	}
	e.do("POST", "/v1/me/notifications/read", alice.tok, map[string]any{"all": true}, 200, &marked)
	if ns, unread := e.notices(alice, "member_joined"); marked.Marked != 1 || unread != 0 || ns[0].ReadAt == nil || ns[1].ReadAt == nil {
		t.Errorf("after marking all read: marked %d, unread %d, %+v", marked.Marked, unread, ns)
	}
}

// TestNotify43101TurnsSubscriptionOff: WeChat answering 43101 (the user
// refused or used up the subscription) turns it off: the notice is
// marked refused, no message is left, and the next notice is in-app only.
func TestNotify43101TurnsSubscriptionOff(t *testing.T) {
	f := newFakeSubscribe(t, "dev:dave")
	e := startNotifyEngine(t, f)
	dave := e.signIn("dave")
	s := e.putSettings(dave, map[string]any{"subscriptions": map[string]string{tplJoin: "accept"}})
	s = e.putSettings(dave, map[string]any{"subscriptions": map[string]string{tplJoin: "accept"}})
	if s["member_joined"].MessagesLeft != 2 || !s["member_joined"].Subscribed {
		t.Fatalf("after two accepts: %+v, want 2 messages left", s["member_joined"])
	}
	album := e.album(dave.tok, map[string]string{e.login("erin"): "viewer"})
	if !poll(15*time.Second, func() bool { return len(f.to("dev:dave", tplJoin)) == 1 }) {
		t.Fatal("no member_joined message was tried for dave")
	}
	if !poll(10*time.Second, func() bool {
		return e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND push = 'refused'`, dave.id) == 1
	}) {
		t.Fatal("the refused message's notice is not marked refused")
	}
	if s := e.settings(dave)["member_joined"]; s.Subscribed || s.MessagesLeft != 0 || !s.Enabled {
		t.Errorf("after 43101: %+v, want subscribed false, no message left, the kind still on in-app", s)
	}
	var inv struct {
		Token string `json:"token"`
	}
	e.do("POST", "/v1/albums/"+album+"/invites", dave.tok, map[string]any{"role": "viewer"}, 201, &inv)
	e.do("POST", "/v1/invites/"+inv.Token+"/accept", e.login("frank"), nil, 200, nil)
	if ns, _ := e.notices(dave, "member_joined"); len(ns) != 2 {
		t.Errorf("dave has %d member_joined notices, want 2 (in-app goes on)", len(ns))
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND push IS NULL`, dave.id); n != 1 {
		t.Errorf("%d of dave's notices have no message, want 1 (the one after the refusal)", n)
	}
	time.Sleep(2500 * time.Millisecond) // two dispatch periods
	if n := len(f.to("dev:dave", tplJoin)); n != 1 {
		t.Errorf("WeChat got %d messages for dave, want only the refused one", n)
	}
}

// TestNotifyExportReady: a built export tells its owner in-app and, when
// accepted, by a subscribe message opening the notifications page.
func TestNotifyExportReady(t *testing.T) {
	f := newFakeSubscribe(t)
	e := startNotifyEngine(t, f)
	gina := e.signIn("gina")
	e.putSettings(gina, map[string]any{"subscriptions": map[string]string{tplExport: "accept"}})
	var created struct {
		ID string `json:"id"`
	}
	e.do("POST", "/v1/me/exports", gina.tok, nil, 202, &created)
	datWaitExport(e, gina, created.ID)
	if ns, _ := e.notices(gina, "export_ready"); len(ns) != 1 {
		t.Errorf("gina has %d export_ready notices, want 1", len(ns))
	}
	if !poll(15*time.Second, func() bool { return len(f.to("dev:gina", tplExport)) == 1 }) {
		t.Fatal("no export_ready message")
	}
	if m := f.to("dev:gina", tplExport)[0]; !strings.HasPrefix(m.Page, "pages/notifications/index?") || !strings.Contains(m.Page, "kind=export_ready") {
		t.Errorf("page %q", m.Page)
	}
}

// TestNotifySettingsRefuseBadInput: unknown kinds and templates, bad
// answers and malformed mark-read bodies are 400 with a JSON error and
// change nothing.
func TestNotifySettingsRefuseBadInput(t *testing.T) {
	f := newFakeSubscribe(t)
	e := startNotifyEngine(t, f)
	hal := e.signIn("hal")
	before := e.settings(hal)
	for _, c := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"kinds": map[string]bool{"birthdays": false}}, "unknown_kind"},
		{map[string]any{"subscriptions": map[string]string{"TPL_OTHER_APP": "accept"}}, "unknown_template"},
		{map[string]any{"subscriptions": map[string]string{tplNew: "maybe"}}, "invalid_request"},
		{map[string]any{"kinds": map[string]bool{"new_items": false}, "subscriptions": map[string]string{"nope": "accept"}}, "unknown_template"},
	} {
		e.check("hal", "PUT", "/v1/me/notification-settings", hal.tok, c.body, 400, c.code)
	}
	if after := e.settings(hal); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("refused updates changed the settings: %v -> %v", before, after)
	}
	e.check("hal", "POST", "/v1/me/notifications/read", hal.tok, map[string]any{}, 400, "invalid_request")
	e.check("hal", "POST", "/v1/me/notifications/read", hal.tok, map[string]any{"all": true, "ids": []string{"x"}}, 400, "invalid_request")
	e.check("", "GET", "/v1/me/notification-settings", "", nil, 401, "unauthorized")
}
