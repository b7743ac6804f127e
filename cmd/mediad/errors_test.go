package main

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/db/dbtest"
)

// TestFailingDatabaseIsNotNotFound: a database that fails in the middle of
// a request answers 500 internal, never the 404 or 410 of something that
// is gone. These are the three places that used to turn any lookup error
// into "not found": an item link's item, an album item to remove, an
// export to download. A second engine connects as a database role whose
// right to read one column is taken away after setup, so exactly the
// lookup under test fails.
func TestFailingDatabaseIsNotNotFound(t *testing.T) {
	e := startEngine(t, "all", nil)
	owner := e.login("errors-owner")
	var album struct {
		Album struct{ ID string } `json:"album"`
	}
	e.do("POST", "/v1/albums", owner, map[string]string{"title": "Errors"}, 201, &album)
	m := e.uploadOK(owner, upfile{kind: "photo", albumID: album.Album.ID, visibility: "link", data: readTestdata(t, "images/gps/DSCN0010.jpg")})
	e.waitReady(owner, m.ID)
	var link struct {
		Token string `json:"token"`
	}
	e.do("POST", "/v1/shares", owner, map[string]string{"media_id": m.ID}, 201, &link)
	var exp struct {
		ID string `json:"id"`
	}
	e.do("POST", "/v1/me/exports", owner, nil, 202, &exp)
	var ready struct {
		Export struct {
			Status string `json:"status"`
			URL    string `json:"download_url"`
		} `json:"export"`
	}
	if !poll(60*time.Second, func() bool {
		e.do("GET", "/v1/me/exports/"+exp.ID, owner, nil, 200, &ready)
		return ready.Export.Status == "ready"
	}) {
		t.Fatalf("export not ready: %+v", ready)
	}

	role, roleURL := dbtest.Role(t, e.pool, e.env["MEDIA_DATABASE_URL"])
	limited := e.startAnother("serve", map[string]string{"MEDIA_DATABASE_URL": roleURL, "MEDIA_SHARE_VIEW_CACHE": "0"})
	itemLink := "/v1/public/shares/" + link.Token
	removal := "/v1/albums/" + album.Album.ID + "/items/" + m.ID
	download := limited.base + ready.Export.URL[len(e.base):]
	// Through the limited engine everything works while the role may read.
	limited.do("GET", itemLink, "", nil, 200, nil)
	if status := getStatus(t, download); status != 200 {
		t.Fatalf("download before the fault: %d", status)
	}

	dbtest.DenyColumn(t, e.pool, role, "media", "placeholder")
	dbtest.DenyColumn(t, e.pool, role, "exports", "size_bytes")
	for _, c := range []struct{ name, method, url, tok string }{
		{"item of an item link", "GET", limited.base + itemLink, ""},
		{"album item to remove", "DELETE", limited.base + removal, owner},
		{"export download", "GET", download, ""},
	} {
		req, _ := http.NewRequest(c.method, c.url, nil)
		if c.tok != "" {
			req.Header.Set("Authorization", "Bearer "+c.tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 500 {
			t.Errorf("%s with a failing database: %d %s, want 500 internal", c.name, resp.StatusCode, b)
		} else if code := errorCode(t, b); code != "internal" {
			t.Errorf("%s with a failing database: code %q, want internal", c.name, code)
		}
	}
	// Nothing was changed by the failed removal.
	if n := e.count(`SELECT count(*) FROM media WHERE id = $1 AND status = 'ready'`, m.ID); n != 1 {
		t.Errorf("the item is no longer ready after a failed removal")
	}
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
