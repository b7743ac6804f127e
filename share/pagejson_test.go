package share

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/signer"
	"github.com/wxalbum/mediad/upload"
)

// TestAppendViewIsJSONOfView: the hand-written JSON of a page is the very
// bytes encoding/json makes of the view the web pages render, for every
// kind of link, item and string.
func TestAppendViewIsJSONOfView(t *testing.T) {
	sg, err := signer.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	ups, err := upload.NewService(upload.Config{}, nil, nil, nil, nil, sg, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 9, 30, 15, 123456789, time.UTC)
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	s := &Service{cfg: Config{TimeZone: shanghai}.Defaults(), uploads: ups, signer: sg, now: func() time.Time { return now }}
	album, item := "a1", "m1"
	links := map[string]*Link{
		"album link":               {ID: "l1", AlbumID: &album, title: "Trip", ExpiresAt: now.Add(24 * time.Hour).Truncate(time.Second)},
		"item link, soon expiring": {ID: "l2", MediaID: &item, ExpiresAt: now.Add(time.Minute).Add(500 * time.Millisecond)},
		"download and dates":       {ID: "l3", AlbumID: &album, title: "Trip", AllowDownload: true, ShowDates: true, ExpiresAt: now.Add(time.Hour)},
		"title to escape": {ID: "l4", AlbumID: &album, title: "<b>\"Tom & Jerry\"</b> \\ 旅行 \u2028 \t\x01 \xff",
			ExpiresAt: now.Add(time.Hour).In(shanghai)},
	}
	w, h, ph := 1440, 1080, "3PcNNYSFeXh/d3UK+bSGi3tZeJ9W8Ic="
	items := []*upload.Media{
		{ID: "p1", Kind: upload.KindPhoto, Width: &w, Height: &h, Placeholder: &ph, TakenAt: now.Add(-time.Hour), TakenAtSource: "exif"},
		{ID: "p2", Kind: upload.KindPhoto, TakenAt: now, TakenAtSource: upload.TakenFromUpload},
		{ID: "v1", Kind: upload.KindVideo, Width: &w, Height: &h, PlayStatus: upload.PlayReady, TakenAt: now.Add(-time.Hour), TakenAtSource: "video"},
		{ID: "v2", Kind: upload.KindVideo, TakenAt: now, TakenAtSource: "video"},
	}
	for name, l := range links {
		for _, base := range []string{"", "http://127.0.0.1:8080", "https://x.example/<a>&b"} {
			for _, page := range [][]*upload.Media{items, items[:1], nil} {
				want, err := json.Marshal(s.view(base, l, page, "next-cursor"))
				if err != nil {
					t.Fatal(err)
				}
				if got := s.appendView(nil, base, l, page, "next-cursor"); string(got) != string(want) {
					t.Errorf("%s, base %q, %d items:\n got %s\nwant %s", name, base, len(page), got, want)
				}
			}
		}
	}
}

func TestJSONPlain(t *testing.T) {
	for _, tc := range []struct {
		s     string
		plain bool
	}{
		{"", true}, {"abc", true}, {"http://h:1/f/x?t=a_b-c.d", true},
		{"\"", false}, {"\\", false}, {"<", false}, {">", false}, {"&", false}, {"\n", false}, {"é", false}, {"\x7f", false},
	} {
		if got := jsonPlain(tc.s); got != tc.plain {
			t.Errorf("jsonPlain(%q) = %v, want %v", tc.s, got, tc.plain)
		}
		if b, _ := json.Marshal(tc.s); tc.plain && string(b) != `"`+tc.s+`"` {
			t.Errorf("%q is plain but encoding/json writes %s", tc.s, b)
		}
	}
}
