package db

import "strings"

// Scopes name what a write touched, as the link change triggers of
// migration 0015 write them into their notifications: space separated,
// "*" for everything (TRUNCATE, or more than 100 scopes in one statement).
// A link page depends on its link, and on its album or, for an item link,
// on its item's album or (in no album) on the item itself.
const (
	albumScope = "a:" // the album row, its members, any of its items
	linkScope  = "l:" // the shares row
	mediaScope = "m:" // an item in no album
	syncPrefix = "sync:"
)

// AlbumScope is the scope of album id: the row, its members, its items.
func AlbumScope(id string) string { return albumScope + id }

// LinkScope is the scope of share link id.
func LinkScope(id string) string { return linkScope + id }

// MediaScope is the scope of media id while it is in no album.
func MediaScope(id string) string { return mediaScope + id }

// ParseScopes reads a notification payload. ok false means everything
// changed: "*", an empty payload (the triggers of migration 0009, still
// installed on a database a newer process has not migrated), or anything
// this process cannot read.
func ParseScopes(payload string) (scopes []string, ok bool) {
	scopes = strings.Fields(payload)
	if len(scopes) == 0 {
		return nil, false
	}
	for _, s := range scopes {
		if !validScope(s) {
			return nil, false
		}
	}
	return scopes, true
}

func validScope(s string) bool {
	for _, p := range []string{albumScope, linkScope, mediaScope} {
		if id, ok := strings.CutPrefix(s, p); ok && id != "" {
			return true
		}
	}
	return false
}
