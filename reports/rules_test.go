package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/wxalbum/mediad/upload"
)

func TestHold(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	cfg := Config{Grace: 7 * 24 * time.Hour, HideAfter: 3}
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	user := func(reason, id string, age time.Duration) Open {
		return Open{Reason: reason, ReporterID: id, CreatedAt: ago(age)}
	}
	link := func(reason, id string) Open { return Open{Reason: reason, LinkID: id, CreatedAt: ago(time.Hour)} }
	for _, c := range []struct {
		name string
		open []Open
		want string
	}{
		{"none", nil, ""},
		{"removal request within grace", []Open{user(ShowsMe, "a", 6*24*time.Hour)}, ""},
		{"removal request at grace", []Open{user(ShowsMe, "a", 7*24*time.Hour)}, upload.HoldShowsMe},
		{"removal request past grace", []Open{user(ShowsMe, "a", 8*24*time.Hour)}, upload.HoldShowsMe},
		{"removal request from a link past grace", []Open{{Reason: ShowsMe, LinkID: "l1", CreatedAt: ago(8 * 24 * time.Hour)}}, upload.HoldShowsMe},
		{"other never holds", []Open{user(Other, "a", 30*24*time.Hour), user(Other, "b", 0), user(Other, "c", 0)}, ""},
		{"two inappropriate", []Open{user(Inappropriate, "a", 0), user(Inappropriate, "b", 0)}, ""},
		{"three inappropriate", []Open{user(Inappropriate, "a", 0), user(Inappropriate, "b", 0), user(Inappropriate, "c", 0)}, upload.HoldInappropriate},
		{"same user counts once", []Open{user(Inappropriate, "a", 0), user(Inappropriate, "a", time.Hour), user(Inappropriate, "b", 0)}, ""},
		{"a link's recipients count once", []Open{link(Inappropriate, "l1"), link(Inappropriate, "l1"), user(Inappropriate, "b", 0)}, ""},
		{"two links and a user", []Open{link(Inappropriate, "l1"), link(Inappropriate, "l2"), user(Inappropriate, "b", 0)}, upload.HoldInappropriate},
		{"purged links count once", []Open{link(Inappropriate, ""), link(Inappropriate, ""), user(Inappropriate, "b", 0)}, ""},
		{"other reasons do not add up", []Open{user(Inappropriate, "a", 0), user(Inappropriate, "b", 0), user(Other, "c", 0), user(ShowsMe, "d", 0)}, ""},
		{"removal request wins", []Open{user(Inappropriate, "a", 0), user(Inappropriate, "b", 0), user(Inappropriate, "c", 0),
			user(ShowsMe, "d", 8*24*time.Hour)}, upload.HoldShowsMe},
	} {
		if got := Hold(c.open, now, cfg); got != c.want {
			t.Errorf("%s: Hold = %q, want %q", c.name, got, c.want)
		}
	}
	if got := Hold([]Open{user(Inappropriate, "a", 0)}, now, Config{Grace: time.Hour, HideAfter: 1}); got != upload.HoldInappropriate {
		t.Errorf("HideAfter 1: Hold = %q", got)
	}
}

func TestWhoAnswersReports(t *testing.T) {
	album := "al1"
	inAlbum := &upload.Media{ID: "m", OwnerID: "up", AlbumID: &album, Status: upload.StatusReady}
	alone := &upload.Media{ID: "m", OwnerID: "up", Status: upload.StatusReady}
	deleting := &upload.Media{ID: "m", OwnerID: "up", AlbumID: &album, Status: upload.StatusDeleting}
	for _, c := range []struct {
		name         string
		viewer       string
		m            *upload.Media
		role         upload.Role
		read         bool
		answer       map[string]bool // reason -> may answer
		answeredAsUp bool
	}{
		{"uploader in someone's album", "up", inAlbum, upload.RoleContributor, true,
			map[string]bool{ShowsMe: true, Other: true, Inappropriate: false}, true},
		{"uploader owning the album", "up", inAlbum, upload.RoleOwner, true,
			map[string]bool{ShowsMe: true, Other: true, Inappropriate: true}, true},
		{"album owner", "own", inAlbum, upload.RoleOwner, true,
			map[string]bool{ShowsMe: true, Other: true, Inappropriate: true}, false},
		{"member", "mem", inAlbum, upload.RoleContributor, false,
			map[string]bool{ShowsMe: false, Other: false, Inappropriate: false}, false},
		{"viewer", "v", inAlbum, upload.RoleViewer, false,
			map[string]bool{ShowsMe: false, Other: false, Inappropriate: false}, false},
		{"stranger", "x", inAlbum, upload.RoleNone, false,
			map[string]bool{ShowsMe: false, Other: false, Inappropriate: false}, false},
		{"uploader of an item in no album", "up", alone, upload.RoleNone, true,
			map[string]bool{ShowsMe: true, Other: true, Inappropriate: true}, true},
		{"stranger, item in no album", "x", alone, upload.RoleNone, false,
			map[string]bool{ShowsMe: false, Other: false, Inappropriate: false}, false},
		{"uploader of an item being deleted", "up", deleting, upload.RoleContributor, false,
			map[string]bool{ShowsMe: false, Other: false, Inappropriate: false}, true},
	} {
		if got := CanRead(c.viewer, c.m, c.role); got != c.read {
			t.Errorf("%s: CanRead = %v, want %v", c.name, got, c.read)
		}
		for reason, want := range c.answer {
			if got := CanAnswer(c.viewer, c.m, c.role, reason); got != want {
				t.Errorf("%s: CanAnswer(%s) = %v, want %v", c.name, reason, got, want)
			}
		}
		if got := AnsweredAs(c.viewer, c.m) == "uploader"; got != c.answeredAsUp {
			t.Errorf("%s: AnsweredAs = %q", c.name, AnsweredAs(c.viewer, c.m))
		}
	}
}

func TestReportInputRules(t *testing.T) {
	for r, ok := range map[string]bool{ShowsMe: true, Inappropriate: true, Other: true, "": false, "spam": false, "SHOWS_ME": false} {
		if ValidReason(r) != ok {
			t.Errorf("ValidReason(%q) = %v", r, !ok)
		}
	}
	for _, c := range []struct {
		in, out string
		ok      bool
	}{
		{"", "", true},
		{"  it is me  ", "it is me", true},
		{strings.Repeat("图", MaxText), strings.Repeat("图", MaxText), true},
		{strings.Repeat("图", MaxText+1), "", false},
		{"\xff\xfe", "", false},
	} {
		out, ok := CleanText(c.in)
		if ok != c.ok || (ok && out != c.out) {
			t.Errorf("CleanText(%.20q) = %.20q, %v; want %.20q, %v", c.in, out, ok, c.out, c.ok)
		}
	}
	if !AnswersTogether(Inappropriate) || AnswersTogether(ShowsMe) || AnswersTogether(Other) {
		t.Error("AnswersTogether: only inappropriate reports are answered together")
	}
}

func TestConfigValidate(t *testing.T) {
	d := Config{}.Defaults()
	if err := d.Validate(180 * 24 * time.Hour); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, c := range map[string]Config{
		"MEDIA_REPORT_GRACE":            {Grace: 0, HideAfter: 3, PerHour: 1, PublicPerHour: 1},
		"MEDIA_REPORTS_HIDE_AFTER":      {Grace: time.Hour, HideAfter: 0, PerHour: 1, PublicPerHour: 1},
		"MEDIA_REPORTS_PER_HOUR":        {Grace: time.Hour, HideAfter: 1, PerHour: 0, PublicPerHour: 1},
		"MEDIA_REPORTS_PUBLIC_PER_HOUR": {Grace: time.Hour, HideAfter: 1, PerHour: 1, PublicPerHour: 0},
		"MEDIA_RETAIN_REPORTS":          {Grace: 200 * 24 * time.Hour, HideAfter: 1, PerHour: 1, PublicPerHour: 1},
	} {
		if err := c.Validate(180 * 24 * time.Hour); err == nil || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
}
