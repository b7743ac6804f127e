package share

import (
	"slices"
	"testing"
)

func TestPageScopes(t *testing.T) {
	album, item, other := "a1", "m1", "a2"
	for _, tc := range []struct {
		name string
		link *Link
		want []string
	}{
		{"album link", &Link{ID: "l1", AlbumID: &album}, []string{"l:l1", "a:a1"}},
		{"item link, item in no album", &Link{ID: "l1", MediaID: &item}, []string{"l:l1", "m:m1"}},
		{"item link, item in an album", &Link{ID: "l1", MediaID: &item, itemAlbum: &other}, []string{"l:l1", "m:m1", "a:a2"}},
	} {
		if got := pageScopes(tc.link); !slices.Equal(got, tc.want) {
			t.Errorf("%s: pageScopes = %q, want %q", tc.name, got, tc.want)
		}
	}
}
