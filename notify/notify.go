// Package notify keeps the in-app notifications a user reads with
// GET /v1/me/notifications: a kind and a time, no content (the album a
// dissolution notice is about is gone by then; a hidden or reported item's
// notice never says who or what hid or reported it); notices about an
// album's life (new items, a new member) name the album. Features record them in their own transactions
// (NewStore(tx).Add); retention purges them; a user's export lists them and
// account deletion removes them.
//
// A user can switch each kind off (no notice is made) and, through
// wx.requestSubscribeMessage, accept WeChat subscribe messages for it: a
// notice of an accepted kind is queued (notifications.push) and sent by a
// task (Pusher), one message per accept, as WeChat allows.
package notify

import "time"

// Kinds of notification.
const (
	AlbumDissolved = "album_dissolved" // an album you were a member of was dissolved by its owner
	ItemHidden     = "item_hidden"     // an item you uploaded, or one in your album, was hidden by content review or by reports
	ItemReported   = "item_reported"   // someone reported an item you uploaded, or one in your album
	MemberJoined   = "member_joined"   // someone joined an album you own
	NewItems       = "new_items"       // new items in an album you are in (at most one a day per album)
	ExportReady    = "export_ready"    // the export of your data you asked for is ready to download
)

// Kinds lists every kind, in the order settings show them.
var Kinds = []string{NewItems, MemberJoined, ItemReported, ItemHidden, AlbumDissolved, ExportReady}

// Notification is one notice to a user.
type Notification struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	AlbumID   *string    `json:"album_id,omitempty"` // new_items, member_joined
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}
