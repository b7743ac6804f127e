package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/worker"
)

// reportScene is an album owned by alice, where carol (contributor)
// uploaded a photo with visibility link and bob, dave and erin are
// viewers, with alice's link to the album; the reviewScene's ways of
// seeing the item apply (seen).
type reportScene struct {
	reviewScene
	dave, erin user
}

func newReportScene(e *engine) reportScene {
	e.t.Helper()
	s := reportScene{reviewScene: reviewScene{alice: e.signIn("alice"), bob: e.signIn("bob"), carol: e.signIn("carol")},
		dave: e.signIn("dave"), erin: e.signIn("erin")}
	s.album = e.album(s.alice.tok, map[string]string{s.bob.tok: "viewer", s.carol.tok: "contributor",
		s.dave.tok: "viewer", s.erin.tok: "viewer"})
	var l shrCreated
	e.do("POST", "/v1/shares", s.alice.tok, map[string]any{"album_id": s.album}, 201, &l)
	s.link, s.linkID = l.Token, l.Share.ID
	s.id = e.uploadPhotoID(s.carol, "photo", s.album, "link")
	e.waitReady(s.carol.tok, s.id)
	return s
}

// sentReport is what a reporter gets back.
type sentReport struct {
	Report struct {
		ID        string    `json:"id"`
		Reason    string    `json:"reason"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"report"`
}

// readReport is a report as the uploader and the album owner read it.
type readReport struct {
	ID         string     `json:"id"`
	Reason     string     `json:"reason"`
	Text       string     `json:"text"`
	Reply      *string    `json:"reply"`
	AnsweredAt *time.Time `json:"answered_at"`
}

// report sends u's report of item id and requires status want.
func (e *engine) report(u user, id, reason, text string, want int) string {
	e.t.Helper()
	var out sentReport
	e.do("POST", "/v1/media/"+id+"/reports", u.tok, map[string]string{"reason": reason, "text": text}, want, &out)
	if want < 300 && (out.Report.ID == "" || out.Report.Reason != reason) {
		e.t.Fatalf("report by %s: %+v", u.name, out)
	}
	return out.Report.ID
}

// reportsOf returns the item's reports as u reads them.
func (e *engine) reportsOf(u user, id string) []readReport {
	e.t.Helper()
	var out struct {
		Reports []readReport `json:"reports"`
	}
	e.do("GET", "/v1/media/"+id+"/reports", u.tok, nil, 200, &out)
	return out.Reports
}

// reportHold is the item's report_hold ("" for NULL).
func (e *engine) reportHold(id string) string {
	e.t.Helper()
	var h string
	if err := e.pool.QueryRow(e.t.Context(), `SELECT coalesce(report_hold, '') FROM media WHERE id = $1`, id).Scan(&h); err != nil {
		e.t.Fatal(err)
	}
	return h
}

// runHoldTask enqueues reports:hold as the scheduler would and waits
// until it completed.
func (e *engine) runHoldTask() {
	e.t.Helper()
	c := asynq.NewClient(worker.RedisOpt(procWorkerConfig(e.t, e)))
	defer c.Close()
	info, err := c.Enqueue(asynq.NewTask(worker.TypeReportsHold, nil), asynq.Queue(worker.QueueLow), asynq.Retention(time.Minute))
	if err != nil {
		e.t.Fatal(err)
	}
	ins := e.inspector()
	if !poll(20*time.Second, func() bool {
		ti, err := ins.GetTaskInfo(worker.QueueLow, info.ID)
		return err == nil && ti.State == asynq.TaskStateCompleted
	}) {
		e.t.Fatal("reports:hold did not complete within 20s")
	}
}

// TestReportShowsMeHidesAfterGrace: a removal request hides nothing during
// its grace; unanswered past MEDIA_REPORT_GRACE the hourly task hides the
// item from the members, the album owner, the link JSON and page and the
// signed URLs issued before, while the uploader still sees it, its hold and
// the report's reason; the uploader's reply lifts the hold.
func TestReportShowsMeHidesAfterGrace(t *testing.T) {
	e := startEngine(t, "all", map[string]string{"MEDIA_REPORT_GRACE": "2s"})
	s := newReportScene(e)
	issued := []string{pathOf(t, e.getMedia(s.bob.tok, s.id, 200).URLs["thumb"])}
	requireSeen(t, "before the report", s.seen(e, issued...), true)

	rid := e.report(s.bob, s.id, "shows_me", "This is me, please take it down.", 201)
	if again := e.report(s.bob, s.id, "shows_me", "again", 200); again != rid {
		t.Errorf("reporting again: report %s, want the first %s", again, rid)
	}
	e.runHoldTask()
	if h := e.reportHold(s.id); h != "" {
		t.Fatalf("hold %q within the grace, want none", h)
	}
	requireSeen(t, "within the grace", s.seen(e, issued...), true)

	time.Sleep(2100 * time.Millisecond)
	e.runHoldTask()
	e.runHoldTask() // idempotent
	if h := e.reportHold(s.id); h != "shows_me" {
		t.Fatalf("hold %q past the grace, want shows_me", h)
	}
	// The task's write reaches the link view cache by NOTIFY.
	if !poll(5*time.Second, func() bool {
		for _, v := range s.seen(e, issued...) {
			if v {
				return false
			}
		}
		return true
	}) {
		requireSeen(t, "past the grace", s.seen(e, issued...), false)
	}
	if b := e.do("GET", "/v1/media/"+s.id, s.carol.tok, nil, 200, nil); !strings.Contains(string(b), `"report_hold":"shows_me"`) {
		t.Errorf("uploader's item: no report_hold shows_me in %s", b)
	}
	for _, u := range []user{s.carol, s.alice} {
		rs := e.reportsOf(u, s.id)
		if len(rs) != 1 || rs[0].ID != rid || rs[0].Reason != "shows_me" || rs[0].Text != "This is me, please take it down." || rs[0].Reply != nil {
			t.Errorf("%s reads %+v, want the one removal request", u.name, rs)
		}
	}
	for _, u := range []user{s.bob, s.dave} {
		e.check(u.name, "GET", "/v1/media/"+s.id+"/reports", u.tok, nil, 404, "not_found")
	}

	e.check("empty reply", "POST", "/v1/media/"+s.id+"/reports/"+rid+"/reply", s.carol.tok, map[string]string{"reply": " "}, 400, "invalid_reply")
	e.check("member replies", "POST", "/v1/media/"+s.id+"/reports/"+rid+"/reply", s.bob.tok, map[string]string{"reply": "no"}, 404, "not_found")
	var replied struct {
		Report readReport `json:"report"`
	}
	e.do("POST", "/v1/media/"+s.id+"/reports/"+rid+"/reply", s.carol.tok, map[string]string{"reply": "It is a public event photo."}, 200, &replied)
	if replied.Report.Reply == nil || *replied.Report.Reply != "It is a public event photo." || replied.Report.AnsweredAt == nil {
		t.Errorf("reply: %+v", replied.Report)
	}
	if h := e.reportHold(s.id); h != "" {
		t.Errorf("hold %q after the reply, want none", h)
	}
	requireSeen(t, "after the reply", s.seen(e), true)
	e.check("answered twice", "POST", "/v1/media/"+s.id+"/reports/"+rid+"/reply", s.alice.tok, map[string]string{"reply": "x"}, 409, "already_answered")
	e.runHoldTask()
	if h := e.reportHold(s.id); h != "" {
		t.Errorf("hold %q after the task ran on an answered request, want none", h)
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'item_reported'`, s.carol.id); n != 1 {
		t.Errorf("uploader has %d item_reported notifications, want 1 (reporting again adds none)", n)
	}
	// The hold the task applied told uploader and album owner, once
	// (the second run changed nothing); the reporter heard nothing of it.
	for _, u := range []user{s.carol, s.alice, s.bob} {
		want := 1
		if u.id == s.bob.id {
			want = 0
		}
		if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'item_hidden'`, u.id); n != want {
			t.Errorf("%s has %d item_hidden notifications, want %d", u.name, n, want)
		}
	}
}

// TestReportInappropriateHidesAfterThreeReporters: inappropriate reports
// from two users (one of them twice) hide nothing; a third user's hides
// the item at once, cached link page included; only the album owner's
// answer lifts it, and it answers all of them.
func TestReportInappropriateHidesAfterThreeReporters(t *testing.T) {
	e := startEngine(t, "all", nil)
	s := newReportScene(e)
	e.report(s.bob, s.id, "inappropriate", "", 201)
	e.report(s.bob, s.id, "inappropriate", "", 200)
	e.report(s.dave, s.id, "inappropriate", "", 201)
	e.report(s.erin, s.id, "other", "blurry", 201)
	requireSeen(t, "two reporters", s.seen(e), true) // the link JSON and page are cached now
	if h := e.reportHold(s.id); h != "" {
		t.Fatalf("hold %q after two reporters, want none", h)
	}
	e.report(s.erin, s.id, "inappropriate", "", 201)
	if h := e.reportHold(s.id); h != "inappropriate" {
		t.Fatalf("hold %q after three reporters, want inappropriate", h)
	}
	requireSeen(t, "three reporters", s.seen(e), false)
	e.check("reporter of a hidden item", "POST", "/v1/media/"+s.id+"/reports", s.dave.tok, map[string]string{"reason": "other"}, 404, "not_found")

	rs := e.reportsOf(s.carol, s.id)
	if len(rs) != 4 {
		t.Fatalf("uploader reads %d reports, want 4", len(rs))
	}
	var first string
	for _, r := range rs {
		if r.Reason == "inappropriate" && first == "" {
			first = r.ID
		}
	}
	e.check("uploader, not the album owner", "POST", "/v1/media/"+s.id+"/reports/"+first+"/reply", s.carol.tok,
		map[string]string{"reply": "it is fine"}, 403, "forbidden")
	e.do("POST", "/v1/media/"+s.id+"/reports/"+first+"/reply", s.alice.tok, map[string]string{"reply": "Reviewed: it stays."}, 200, nil)
	if h := e.reportHold(s.id); h != "" {
		t.Errorf("hold %q after the album owner's answer, want none", h)
	}
	requireSeen(t, "after review", s.seen(e), true)
	if n := e.count(`SELECT count(*) FROM reports WHERE media_id = $1 AND answered_at IS NULL`, s.id); n != 1 {
		t.Errorf("%d unanswered reports, want 1 (the other one)", n)
	}
	if n := e.count(`SELECT count(*) FROM reports WHERE media_id = $1 AND answered_as = 'album_owner'`, s.id); n != 3 {
		t.Errorf("%d reports answered by the album owner, want the 3 inappropriate ones", n)
	}
}

// TestReportByLinkRecipient: a link recipient reports through the token
// (a password link once unlocked); an unknown token, an item the link does
// not show and a locked link are 404. All recipients of one link count as
// one reporter. The row keeps the link, no user and no address.
func TestReportByLinkRecipient(t *testing.T) {
	e := startEngine(t, "all", nil)
	s := newReportScene(e)
	path := func(tok, id string) string { return "/v1/public/shares/" + tok + "/items/" + id + "/reports" }
	var out sentReport
	e.do("POST", path(s.link, s.id), "", map[string]string{"reason": "shows_me", "text": "me"}, 201, &out)
	if out.Report.ID == "" || out.Report.Reason != "shows_me" {
		t.Fatalf("recipient's report: %+v", out)
	}
	if n := e.count(`SELECT count(*) FROM reports WHERE id = $1 AND reporter_id IS NULL AND link_id = $2`, out.Report.ID, s.linkID); n != 1 {
		t.Error("the recipient's report does not name the link, or names a user")
	}
	membersOnly := e.uploadPhotoID(s.carol, "photo", s.album, "members")
	e.waitReady(s.carol.tok, membersOnly)
	for name, p := range map[string]string{
		"unknown token":     path(strings.Repeat("x", 32), s.id),
		"item not on link":  path(s.link, membersOnly),
		"malformed item id": path(s.link, "nope"),
		"bad reason":        path(s.link, s.id),
	} {
		body := map[string]string{"reason": "inappropriate"}
		if name == "bad reason" {
			e.check(name, "POST", p, "", map[string]string{"reason": "spam"}, 400, "invalid_reason")
			continue
		}
		e.check(name, "POST", p, "", body, 404, "not_found")
	}

	var pw shrCreated
	e.do("POST", "/v1/shares", s.alice.tok, map[string]any{"album_id": s.album, "password": "open sesame"}, 201, &pw)
	e.check("locked link", "POST", path(pw.Token, s.id), "", map[string]string{"reason": "other"}, 404, "not_found")
	var unlocked struct {
		Token string `json:"unlock_token"`
	}
	e.do("POST", "/v1/public/shares/"+pw.Token+"/unlock", "", map[string]string{"password": "open sesame"}, 200, &unlocked)
	req := e.jsonRequest("POST", path(pw.Token, s.id), map[string]string{"reason": "other"})
	req.Header.Set("X-Share-Unlock", unlocked.Token)
	e.send(req, "", 201, nil)

	for range 3 { // many recipients of one link: one reporter
		e.do("POST", path(s.link, s.id), "", map[string]string{"reason": "inappropriate"}, 201, nil)
	}
	if h := e.reportHold(s.id); h != "" {
		t.Errorf("hold %q after one link's recipients, want none", h)
	}
	e.report(s.bob, s.id, "inappropriate", "", 201)
	e.do("POST", path(pw.Token, s.id), "", map[string]string{"reason": "inappropriate"}, 404, nil) // locked without the header
	req = e.jsonRequest("POST", path(pw.Token, s.id), map[string]string{"reason": "inappropriate"})
	req.Header.Set("X-Share-Unlock", unlocked.Token)
	e.send(req, "", 201, nil)
	if h := e.reportHold(s.id); h != "inappropriate" {
		t.Errorf("hold %q after two links and a member, want inappropriate", h)
	}
	e.check("hidden item", "POST", path(s.link, s.id), "", map[string]string{"reason": "other"}, 404, "not_found")
}

// TestReportRateLimited: a user's reports and a link's are bounded per
// hour; past the limit 429 rate_limited with Retry-After.
func TestReportRateLimited(t *testing.T) {
	e := startEngine(t, "all", map[string]string{"MEDIA_REPORTS_PER_HOUR": "2", "MEDIA_REPORTS_PUBLIC_PER_HOUR": "1"})
	s := newReportScene(e)
	e.report(s.bob, s.id, "other", "", 201)
	e.report(s.bob, s.id, "inappropriate", "", 201)
	req := e.jsonRequest("POST", "/v1/media/"+s.id+"/reports", map[string]string{"reason": "shows_me"})
	st, b := e.sendNoCheck(req, s.bob.tok)
	if st != 429 || errorCode(t, b) != "rate_limited" {
		t.Errorf("third report in the hour: %d %s, want 429 rate_limited", st, b)
	}
	e.report(s.dave, s.id, "other", "", 201) // another user has their own limit
	p := "/v1/public/shares/" + s.link + "/items/" + s.id + "/reports"
	e.do("POST", p, "", map[string]string{"reason": "other"}, 201, nil)
	e.check("second report through the link", "POST", p, "", map[string]string{"reason": "other"}, 429, "rate_limited")
	if n := e.count(`SELECT count(*) FROM reports WHERE media_id = $1`, s.id); n != 4 {
		t.Errorf("%d reports stored, want 4", n)
	}
}

// TestReportInvisibleItem: reporting an item the caller cannot see is 404
// (never 403), as are malformed ids; the uploader cannot report their own
// item; bad reasons and texts are 400; reading reports is for the uploader
// and the album owner only.
func TestReportInvisibleItem(t *testing.T) {
	e := startEngine(t, "all", nil)
	s := newReportScene(e)
	stranger := e.signIn("stranger")
	private := e.uploadPhotoID(s.carol, "photo", s.album, "only_me")
	e.waitReady(s.carol.tok, private)
	for name, c := range map[string]struct {
		u  user
		id string
	}{"stranger": {stranger, s.id}, "member, only_me item": {s.bob, private}, "album owner, only_me item": {s.alice, private},
		"malformed id": {s.bob, "x1"}, "no such item": {s.bob, strings.Repeat("0", 32)}} {
		e.check(name, "POST", "/v1/media/"+c.id+"/reports", c.u.tok, map[string]string{"reason": "shows_me"}, 404, "not_found")
		if c.u != s.alice {
			e.check(name+" reads", "GET", "/v1/media/"+c.id+"/reports", c.u.tok, nil, 404, "not_found")
		}
	}
	e.check("own item", "POST", "/v1/media/"+s.id+"/reports", s.carol.tok, map[string]string{"reason": "other"}, 400, "own_item")
	e.check("bad reason", "POST", "/v1/media/"+s.id+"/reports", s.bob.tok, map[string]string{"reason": "spam"}, 400, "invalid_reason")
	e.check("long text", "POST", "/v1/media/"+s.id+"/reports", s.bob.tok,
		map[string]string{"reason": "other", "text": strings.Repeat("a", 501)}, 400, "invalid_text")
	e.check("unknown field", "POST", "/v1/media/"+s.id+"/reports", s.bob.tok, map[string]string{"reason": "other", "ip": "1.2.3.4"}, 400, "invalid_request")
	if n := e.count(`SELECT count(*) FROM reports`); n != 0 {
		t.Errorf("%d reports stored, want none", n)
	}
	e.reportsOf(s.alice, private) // the album owner moderates items they cannot see
}

// TestReportUploaderNeverLearnsReporter: every body the uploader (and the
// album owner) can read after a member's reports, a hold and a reply, the
// export included, is free of the reporter's id, name and openid.
func TestReportUploaderNeverLearnsReporter(t *testing.T) {
	e := startEngine(t, "all", map[string]string{"MEDIA_REPORT_GRACE": "1s"})
	s := newReportScene(e)
	spy := e.signIn("Quentin7Reporter")
	var inv struct {
		Token string `json:"token"`
	}
	e.do("POST", "/v1/albums/"+s.album+"/invites", s.alice.tok, map[string]any{"role": "viewer"}, 201, &inv)
	e.do("POST", "/v1/invites/"+inv.Token+"/accept", spy.tok, nil, 200, nil)
	rid := e.report(spy, s.id, "shows_me", "Please remove it.", 201)
	e.report(spy, s.id, "inappropriate", "", 201)
	time.Sleep(1100 * time.Millisecond)
	e.runHoldTask()
	if h := e.reportHold(s.id); h != "shows_me" {
		t.Fatalf("hold %q, want shows_me", h)
	}

	secrets := []string{spy.id, spy.name, "dev:" + spy.name}
	// The check can see them: the album's member list (not about reports) names the reporter.
	if b := e.do("GET", "/v1/albums/"+s.album+"/members", s.carol.tok, nil, 200, nil); !bytes.Contains(b, []byte(spy.id)) || !bytes.Contains(b, []byte(spy.name)) {
		t.Fatalf("the member list does not name the reporter: %s", b)
	}
	bodies := map[string][]byte{}
	read := func(who user, method, path string, body any) {
		st, b := e.try(method, path, who.tok, body)
		if st >= 300 && !(who == s.alice && path == "/v1/media/"+s.id && st == 404) { // the album owner does not see the held item
			t.Errorf("%s: %s %s: %d %s", who.name, method, path, st, b)
		}
		bodies[who.name+" "+method+" "+path] = b
	}
	for _, u := range []user{s.carol, s.alice} {
		for _, p := range []string{"/v1/media/" + s.id, "/v1/media/" + s.id + "/reports", "/v1/me/notifications",
			"/v1/albums/" + s.album + "/items", "/v1/me", "/v1/me/media", "/v1/albums/" + s.album} {
			read(u, "GET", p, nil)
		}
	}
	read(s.carol, "POST", "/v1/media/"+s.id+"/reports/"+rid+"/reply", map[string]string{"reply": "I will keep it."})
	var created struct {
		ID string `json:"id"`
	}
	e.do("POST", "/v1/me/exports", s.carol.tok, nil, 202, &created)
	x := datWaitExport(e, s.carol, created.ID)
	_, zip := fetch(t, x.URL, "")
	files := datUnzip(t, zip)
	for name, b := range files {
		bodies["export "+name] = b
	}
	for where, b := range bodies {
		for _, secret := range secrets {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s reveals the reporter (%q): %s", where, secret, b)
			}
		}
	}
	var received []map[string]any
	datDecode(t, "reports_received.json", files["reports_received.json"], &received)
	if len(received) != 2 {
		t.Fatalf("reports_received.json: %d reports, want 2", len(received))
	}
	for _, r := range received {
		if r["media_id"] != s.id || r["reason"] == nil {
			t.Errorf("reports_received.json entry %v", r)
		}
		for _, k := range []string{"reporter_id", "link_id", "answered_as"} {
			if _, ok := r[k]; ok {
				t.Errorf("reports_received.json has %s", k)
			}
		}
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'item_reported'`, spy.id); n != 0 {
		t.Errorf("the reporter got %d item_reported notifications, want 0", n)
	}
	for _, u := range []user{s.carol, s.alice} {
		if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'item_reported'`, u.id); n != 2 {
			t.Errorf("%s has %d item_reported notifications, want 2", u.name, n)
		}
	}
}

// TestReportReporterExportAndDeletion: the reporter's export lists their
// reports with the answer; deleting their account removes them, and the
// hold their removal request made is lifted by the next hold task.
func TestReportReporterExportAndDeletion(t *testing.T) {
	e := startEngine(t, "all", map[string]string{"MEDIA_REPORT_GRACE": "1s"})
	s := newReportScene(e)
	rid := e.report(s.bob, s.id, "shows_me", "That is me.", 201)
	time.Sleep(1100 * time.Millisecond)
	e.runHoldTask()
	if h := e.reportHold(s.id); h != "shows_me" {
		t.Fatalf("hold %q, want shows_me", h)
	}
	// Answered by the album owner, then reported again for another reason.
	e.do("POST", "/v1/media/"+s.id+"/reports/"+rid+"/reply", s.alice.tok, map[string]string{"reply": "Asked the uploader."}, 200, nil)
	rid2 := e.report(s.bob, s.id, "shows_me", "", 200) // the same request: the first report
	if rid2 != rid {
		t.Errorf("reporting again after the answer: %s, want %s", rid2, rid)
	}
	e.report(s.bob, s.id, "other", "still there", 201)

	var created struct {
		ID string `json:"id"`
	}
	e.do("POST", "/v1/me/exports", s.bob.tok, nil, 202, &created)
	x := datWaitExport(e, s.bob, created.ID)
	_, zip := fetch(t, x.URL, "")
	files := datUnzip(t, zip)
	var sent []struct {
		ID, MediaID, Reason, Text string
		Reply                     *string
		AnsweredAt                *time.Time `json:"answered_at"`
	}
	if err := json.Unmarshal(files["reports_sent.json"], &sent); err != nil {
		t.Fatalf("reports_sent.json: %v", err)
	}
	if len(sent) != 2 || sent[0].ID != rid || sent[0].Reason != "shows_me" || sent[0].Text != "That is me." ||
		sent[0].Reply == nil || *sent[0].Reply != "Asked the uploader." || sent[0].AnsweredAt == nil || sent[1].Reason != "other" {
		t.Errorf("reports_sent.json: %s", files["reports_sent.json"])
	}
	if !bytes.Contains(files["reports_sent.json"], []byte(`"media_id":"`+s.id+`"`)) {
		t.Errorf("reports_sent.json does not name the item: %s", files["reports_sent.json"])
	}
	if string(files["reports_received.json"]) != "[]" {
		t.Errorf("reports_received.json of the reporter: %s, want []", files["reports_received.json"])
	}

	// A fresh removal request from dave, held; then dave deletes his account.
	e.report(s.dave, s.id, "shows_me", "", 201)
	time.Sleep(1100 * time.Millisecond)
	e.runHoldTask()
	if h := e.reportHold(s.id); h != "shows_me" {
		t.Fatalf("hold %q after dave's request, want shows_me", h)
	}
	var del struct {
		ReceiptID string `json:"receipt_id"`
	}
	e.do("DELETE", "/v1/me", s.dave.tok, map[string]string{"confirm": "DELETE"}, 202, &del)
	var r datReceipt
	if !poll(30*time.Second, func() bool { r, _ = datGetReceipt(e, del.ReceiptID); return r.Status == "done" }) {
		t.Fatalf("receipt not done: %+v", r)
	}
	if r.Counts["reports"] != 1 {
		t.Errorf("receipt counts %v, want reports 1", r.Counts)
	}
	if n := e.count(`SELECT count(*) FROM reports WHERE reporter_id = $1`, s.dave.id); n != 0 {
		t.Errorf("%d of dave's reports left after his account deletion", n)
	}
	e.runHoldTask()
	if h := e.reportHold(s.id); h != "" {
		t.Errorf("hold %q after the only requester left, want none", h)
	}
	requireSeen(t, "after the requester left", s.seen(e), true)
}
