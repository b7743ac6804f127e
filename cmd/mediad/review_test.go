package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/internal/signer"
	"github.com/wxalbum/mediad/internal/testenv"
	"github.com/wxalbum/mediad/internal/wechat"
	"github.com/wxalbum/mediad/worker"
)

const reviewPushToken = "push-token-for-tests"

// checkSub is one mediaCheckAsync submission the fake WeChat received.
type checkSub struct {
	MediaURL  string `json:"media_url"`
	MediaType int    `json:"media_type"`
	Version   int    `json:"version"`
	OpenID    string `json:"openid"`
	Scene     int    `json:"scene"`
	Trace     string `json:"-"`
}

// fakeCheck is WeChat's token and content-check APIs, recording every
// submission and answering each with a new trace id.
type fakeCheck struct {
	*httptest.Server
	mu   sync.Mutex
	subs []checkSub
}

func newFakeCheck(t *testing.T) *fakeCheck {
	f := &fakeCheck{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/token":
			w.Write([]byte(`{"access_token":"at-1","expires_in":7200}`))
		case "/wxa/media_check_async":
			var s checkSub
			if r.URL.Query().Get("access_token") != "at-1" || json.NewDecoder(r.Body).Decode(&s) != nil {
				w.Write([]byte(`{"errcode":40001,"errmsg":"bad"}`))
				return
			}
			f.mu.Lock()
			s.Trace = fmt.Sprintf("trace-%d", len(f.subs)+1)
			f.subs = append(f.subs, s)
			f.mu.Unlock()
			fmt.Fprintf(w, `{"errcode":0,"errmsg":"ok","trace_id":%q}`, s.Trace)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// of returns the submissions of media id.
func (f *fakeCheck) of(id string) []checkSub {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []checkSub
	for _, s := range f.subs {
		if strings.Contains(s.MediaURL, "/f/"+id+"/") {
			out = append(out, s)
		}
	}
	return out
}

// waitSubs waits until id has n submissions and the worker has recorded
// the last one's trace id on the item, and returns them. WeChat pushes a
// result after mediaCheckAsync answered; the fake answers at once, so a
// test that pushed before the worker wrote the trace id down would find
// its push ignored as an unknown trace.
func (f *fakeCheck) waitSubs(e *engine, id string, n int) []checkSub {
	e.t.Helper()
	recorded := func() bool {
		subs := f.of(id)
		return len(subs) >= n && e.count(`SELECT count(*) FROM media WHERE id = $1 AND review_trace_id = $2`, id, subs[len(subs)-1].Trace) == 1
	}
	if !poll(30*time.Second, recorded) {
		e.t.Fatalf("media %s: %d submissions, want %d with the last trace id recorded", id, len(f.of(id)), n)
	}
	return f.of(id)
}

// startReviewEngine runs serve and work with content checks on against f.
func startReviewEngine(t *testing.T, f *fakeCheck, extra map[string]string) *engine {
	env := map[string]string{
		"MEDIA_WECHAT_BASE_URL": f.URL, "MEDIA_WECHAT_APPID": "wx1", "MEDIA_WECHAT_SECRET": "sec",
		"MEDIA_WECHAT_PUSH_TOKEN": reviewPushToken, "MEDIA_WECHAT_MEDIA_CHECK": "true",
	}
	for k, v := range extra {
		env[k] = v
	}
	return startEngine(t, "all", env)
}

// push sends a wxa_media_check result signed with token.
func (e *engine) push(token, trace, suggest string) (int, []byte) {
	e.t.Helper()
	ts, nonce := "1700000000", "n0nce"
	q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {wechat.Sign(token, ts, nonce)}}
	body := map[string]any{"ToUserName": "gh_x", "FromUserName": "o", "CreateTime": 1700000000, "MsgType": "event",
		"Event": "wxa_media_check", "appid": "wx1", "trace_id": trace, "version": 2,
		"result": map[string]any{"suggest": suggest, "label": 100}}
	return e.try("POST", "/v1/wechat/events?"+q.Encode(), "", body)
}

// review is the item's review column ("" for NULL).
func (e *engine) review(id string) string {
	e.t.Helper()
	var r string
	if err := e.pool.QueryRow(e.t.Context(), `SELECT coalesce(review, '') FROM media WHERE id = $1`, id).Scan(&r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// grantURL is a /f/ URL signed for viewer as the service would have issued
// it (a member's "u:<id>", a link's "l:<id>").
func grantURL(t *testing.T, mediaID, viewer string) string {
	t.Helper()
	key, _ := hex.DecodeString(testenv.SigningKey())
	sg, err := signer.New(key)
	if err != nil {
		t.Fatal(err)
	}
	g := signer.Grant{MediaID: mediaID, Variant: "thumb", Viewer: viewer, Expires: time.Now().Add(time.Hour).Truncate(time.Second)}
	return "/f/" + mediaID + "/thumb?t=" + sg.Sign(g)
}

// pathOf is the path and query of an absolute URL.
func pathOf(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// reviewScene is an album (owner alice, contributor carol, viewer bob)
// with a share link, and a photo carol uploaded with visibility link.
type reviewScene struct {
	alice, bob, carol user
	album, link, id   string
	linkID            string
}

func newReviewScene(e *engine) reviewScene {
	e.t.Helper()
	s := reviewScene{alice: e.signIn("alice"), bob: e.signIn("bob"), carol: e.signIn("carol")}
	s.album = e.album(s.alice.tok, map[string]string{s.bob.tok: "viewer", s.carol.tok: "contributor"})
	var l shrCreated
	e.do("POST", "/v1/shares", s.alice.tok, map[string]any{"album_id": s.album}, 201, &l)
	s.link, s.linkID = l.Token, l.Share.ID
	s.id = e.uploadPhotoID(s.carol, "photo", s.album, "link")
	e.waitReady(s.carol.tok, s.id)
	return s
}

// seen reports, for each way others can reach the item, whether it shows.
func (s reviewScene) seen(e *engine, urls ...string) map[string]bool {
	e.t.Helper()
	has := func(path, tok string) bool {
		st, b := e.try("GET", path, tok, nil)
		return st == 200 && strings.Contains(string(b), s.id)
	}
	out := map[string]bool{
		"member GET /v1/media/:id": has("/v1/media/"+s.id, s.bob.tok),
		"member album items":       has("/v1/albums/"+s.album+"/items", s.bob.tok),
		"owner album items":        has("/v1/albums/"+s.album+"/items", s.alice.tok),
		"link JSON":                has("/v1/public/shares/"+s.link, ""),
		"link page":                has("/s/"+s.link, ""),
	}
	for i, u := range append([]string{grantURL(e.t, s.id, "u:"+s.bob.id), grantURL(e.t, s.id, "l:"+s.linkID)}, urls...) {
		st, _ := e.try("GET", u, "", nil)
		out[fmt.Sprintf("signed URL %d", i)] = st == 200
	}
	return out
}

func requireSeen(t *testing.T, when string, got map[string]bool, want bool) {
	t.Helper()
	for k, v := range got {
		if v != want {
			t.Errorf("%s: %s shows the item: %v, want %v", when, k, v, want)
		}
	}
}

// TestReviewPendingUntilPass: with checks on, a new photo is pending and
// seen by its uploader alone (member, album pages, link JSON and page,
// signed URLs issued for the member and the link) while WeChat fetches it
// through the uploader's signed URL; a signed pass shows it to everyone
// and tells the album's members of a new item (not before).
func TestReviewPendingUntilPass(t *testing.T) {
	f := newFakeCheck(t)
	e := startReviewEngine(t, f, nil)
	s := newReviewScene(e)

	var mine struct {
		Media struct {
			Review string `json:"review"`
		} `json:"media"`
	}
	e.do("GET", "/v1/media/"+s.id, s.carol.tok, nil, 200, &mine)
	if mine.Media.Review != "pending" {
		t.Fatalf("uploader sees review %q, want pending", mine.Media.Review)
	}
	sub := f.waitSubs(e, s.id, 1)[0]
	if sub.MediaType != 2 || sub.Version != 2 || sub.OpenID != "dev:carol" || sub.Scene != wechat.SceneSocialLog ||
		!strings.Contains(sub.MediaURL, "/f/"+s.id+"/preview?t=") {
		t.Errorf("submission %+v", sub)
	}
	if st, _ := e.try("GET", pathOf(t, sub.MediaURL), "", nil); st != 200 {
		t.Errorf("WeChat fetching the pending preview: status %d, want 200", st)
	}
	requireSeen(t, "pending", s.seen(e), false)
	if ns, _ := e.notices(s.bob, "new_items"); len(ns) != 0 {
		t.Errorf("a member was told of a new item still pending: %+v", ns)
	}

	if st, b := e.push(reviewPushToken, sub.Trace, "pass"); st != 200 {
		t.Fatalf("push pass: %d %s", st, b)
	}
	requireSeen(t, "after pass", s.seen(e), true)
	if ns, _ := e.notices(s.bob, "new_items"); len(ns) != 1 {
		t.Errorf("after the pass the member has %d new_items notices, want 1", len(ns))
	}
	if e.review(s.id) != "pass" {
		t.Errorf("review %q, want pass", e.review(s.id))
	}
	if b := e.do("GET", "/v1/media/"+s.id, s.bob.tok, nil, 200, nil); strings.Contains(string(b), `"review"`) {
		t.Errorf("a member sees the review state: %s", b)
	}

	avatar := e.uploadPhotoID(s.bob, "avatar", "", "")
	e.waitReady(s.bob.tok, avatar)
	if sub := f.waitSubs(e, avatar, 1)[0]; sub.Scene != wechat.SceneProfile || sub.OpenID != "dev:bob" {
		t.Errorf("avatar submission %+v, want scene %d for dev:bob", sub, wechat.SceneProfile)
	}
}

// TestReviewRiskyHidesEverywhere: a risky result hides a visible item from
// the member, the album pages, the link JSON and page and signed URLs
// issued before, at once; the uploader sees review risky and can delete
// it; uploader and album owner are told (item_hidden), once, however
// often WeChat pushes; an unknown trace id changes nothing.
func TestReviewRiskyHidesEverywhere(t *testing.T) {
	f := newFakeCheck(t)
	e := startReviewEngine(t, f, nil)
	s := newReviewScene(e)
	sub := f.waitSubs(e, s.id, 1)[0]
	e.do("POST", "/v1/wechat/events?"+signedQuery(reviewPushToken), "", nil, 400, nil) // no JSON body
	if st, _ := e.push(reviewPushToken, sub.Trace, "pass"); st != 200 {
		t.Fatal("push pass")
	}
	member := e.getMedia(s.bob.tok, s.id, 200)
	issued := []string{pathOf(t, member.URLs["thumb"])}
	requireSeen(t, "after pass", s.seen(e, issued...), true)

	for range 2 { // a repeated push is harmless
		if st, b := e.push(reviewPushToken, sub.Trace, "risky"); st != 200 {
			t.Fatalf("push risky: %d %s", st, b)
		}
	}
	if st, _ := e.push(reviewPushToken, "trace-unknown", "pass"); st != 200 {
		t.Error("unknown trace id: want 200")
	}
	requireSeen(t, "after risky", s.seen(e, issued...), false)
	if e.review(s.id) != "risky" {
		t.Errorf("review %q, want risky", e.review(s.id))
	}
	for _, path := range []string{"/v1/media/" + s.id, "/v1/me/media"} {
		if b := e.do("GET", path, s.carol.tok, nil, 200, nil); !strings.Contains(string(b), `"review":"risky"`) {
			t.Errorf("uploader's %s: no review risky in %s", path, b)
		}
	}
	for _, u := range []user{s.alice, s.carol} {
		if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'item_hidden'`, u.id); n != 1 {
			t.Errorf("%s has %d item_hidden notifications, want 1", u.name, n)
		}
	}
	// Bob, a plain member, heard of the item once it passed (new_items)
	// and nothing of its hiding.
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind <> 'new_items'`, s.bob.id); n != 0 {
		t.Errorf("bob has %d notifications besides new_items, want 0", n)
	}
	e.do("DELETE", "/v1/media/"+s.id, s.carol.tok, nil, 202, nil)
}

// signedQuery is a valid signature, timestamp and nonce for token.
func signedQuery(token string) string {
	return url.Values{"timestamp": {"1"}, "nonce": {"2"}, "signature": {wechat.Sign(token, "1", "2")}}.Encode()
}

// TestReviewForgedCallbackRefused: a push with a wrong or missing signature
// answers 401 and changes nothing; WeChat's URL check is echoed only when
// signed.
func TestReviewForgedCallbackRefused(t *testing.T) {
	f := newFakeCheck(t)
	e := startReviewEngine(t, f, nil)
	s := newReviewScene(e)
	sub := f.waitSubs(e, s.id, 1)[0]

	st, b := e.push("not-our-token", sub.Trace, "pass")
	if st != 401 || errorCode(t, b) != "unauthorized" {
		t.Errorf("forged push: %d %s, want 401 unauthorized", st, b)
	}
	st, b = e.try("POST", "/v1/wechat/events", "", map[string]any{"Event": "wxa_media_check", "trace_id": sub.Trace,
		"result": map[string]string{"suggest": "pass"}})
	if st != 401 || errorCode(t, b) != "unauthorized" {
		t.Errorf("unsigned push: %d %s, want 401 unauthorized", st, b)
	}
	if e.review(s.id) != "pending" {
		t.Errorf("review %q after forged pushes, want pending", e.review(s.id))
	}
	requireSeen(t, "after forged pushes", s.seen(e), false)

	if st, b := e.try("GET", "/v1/wechat/events?echostr=hello&"+signedQuery(reviewPushToken), "", nil); st != 200 || string(b) != "hello" {
		t.Errorf("URL check: %d %q, want 200 hello", st, b)
	}
	if st, _ := e.try("GET", "/v1/wechat/events?echostr=hello&"+signedQuery("x"), "", nil); st != 401 {
		t.Errorf("forged URL check: %d, want 401", st)
	}
}

// TestReviewSweepResubmitsThenGivesUp: a check with no result is submitted
// again after MEDIA_REVIEW_TIMEOUT, and after MEDIA_REVIEW_MAX_TRIES it is
// given up: unchecked, still hidden from others.
func TestReviewSweepResubmitsThenGivesUp(t *testing.T) {
	f := newFakeCheck(t)
	e := startReviewEngine(t, f, map[string]string{"MEDIA_REVIEW_TIMEOUT": "1ms", "MEDIA_REVIEW_MAX_TRIES": "2"})
	s := newReviewScene(e)
	f.waitSubs(e, s.id, 1)
	tries := func() int { return e.count(`SELECT review_tries FROM media WHERE id = $1`, s.id) }
	if !poll(10*time.Second, func() bool { return tries() == 1 }) {
		t.Fatalf("tries %d after the first submission, want 1", tries())
	}
	sweep := func() {
		c := asynq.NewClient(worker.RedisOpt(procWorkerConfig(t, e)))
		defer c.Close()
		if _, err := c.Enqueue(asynq.NewTask(worker.TypeReviewSweep, nil), asynq.Queue(worker.QueueLow)); err != nil {
			t.Fatal(err)
		}
	}
	sweep()
	subs := f.waitSubs(e, s.id, 2)
	if !poll(10*time.Second, func() bool { return tries() == 2 }) {
		t.Fatalf("tries %d after the resubmission, want 2", tries())
	}
	if subs[0].Trace == subs[1].Trace {
		t.Error("the resubmission kept the old trace id")
	}
	if e.review(s.id) != "pending" {
		t.Fatalf("review %q before giving up, want pending", e.review(s.id))
	}
	sweep()
	if !poll(10*time.Second, func() bool { return e.review(s.id) == "unchecked" }) {
		t.Fatalf("review %q after the last try, want unchecked", e.review(s.id))
	}
	if len(f.of(s.id)) != 2 {
		t.Errorf("%d submissions, want 2", len(f.of(s.id)))
	}
	requireSeen(t, "unchecked", s.seen(e), false)
	if b := e.do("GET", "/v1/media/"+s.id, s.carol.tok, nil, 200, nil); !strings.Contains(string(b), `"review":"unchecked"`) {
		t.Errorf("uploader does not see review unchecked: %s", b)
	}
}

// TestReviewOffChangesNothing: with checks off an item is visible to the
// album once ready, has no review state, and WeChat is never called.
func TestReviewOffChangesNothing(t *testing.T) {
	f := newFakeCheck(t)
	e := startEngine(t, "all", map[string]string{"MEDIA_WECHAT_BASE_URL": f.URL, "MEDIA_WECHAT_APPID": "wx1",
		"MEDIA_WECHAT_SECRET": "sec", "MEDIA_WECHAT_PUSH_TOKEN": reviewPushToken})
	s := newReviewScene(e)
	requireSeen(t, "checks off", s.seen(e), true)
	if r := e.review(s.id); r != "" {
		t.Errorf("review %q, want NULL", r)
	}
	if b := e.do("GET", "/v1/media/"+s.id, s.carol.tok, nil, 200, nil); strings.Contains(string(b), `"review"`) {
		t.Errorf("review in the uploader's JSON with checks off: %s", b)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.subs) != 0 {
		t.Errorf("%d submissions with checks off", len(f.subs))
	}
}
