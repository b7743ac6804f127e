package share

import "github.com/wxalbum/mediad/internal/db"

// pageScopes lists what a link's pages are built from, as the change
// notifications name it (internal/db scopes.go): the link itself; for an
// album link its album (the row, the creator's membership, the items);
// for an item link the item and, when the item is in an album, that album
// (the creator's membership there, and the item's own changes, which
// notify as the album's).
func pageScopes(l *Link) []string {
	s := []string{db.LinkScope(l.ID)}
	switch {
	case l.AlbumID != nil:
		s = append(s, db.AlbumScope(*l.AlbumID))
	case l.MediaID != nil:
		s = append(s, db.MediaScope(*l.MediaID))
		if l.itemAlbum != nil {
			s = append(s, db.AlbumScope(*l.itemAlbum))
		}
	}
	return s
}
