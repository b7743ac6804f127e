package reports

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxalbum/mediad/upload"
)

// The rules of reports, pure functions tested by table (rules_test.go).

// Reasons a report can give.
const (
	ShowsMe       = "shows_me"      // the item shows the reporter: a removal request
	Inappropriate = "inappropriate" // the content should not be shown
	Other         = "other"
)

// MaxText bounds a report's text and a reply, in characters (the
// migration checks the same).
const MaxText = 500

// ValidReason reports whether r is a reason a report can give.
func ValidReason(r string) bool { return r == ShowsMe || r == Inappropriate || r == Other }

// CleanText trims s and reports whether it fits MaxText as valid UTF-8.
func CleanText(s string) (string, bool) {
	s = strings.TrimSpace(s)
	return s, utf8.ValidString(s) && utf8.RuneCountInString(s) <= MaxText
}

// Open is an unanswered report as the hold rule needs it: its reason, age
// and who sent it (a user, or a link whose recipients are one reporter).
type Open struct {
	Reason     string
	ReporterID string // "" for a link recipient
	LinkID     string // the link a recipient reported through; "" once purged
	CreatedAt  time.Time
}

// reporter is who sent o, for counting distinct reporters: a user by id;
// every recipient of one link as one (they cannot be told apart), and
// recipients whose link is gone as one more.
func (o Open) reporter() string {
	if o.ReporterID != "" {
		return "u:" + o.ReporterID
	}
	return "l:" + o.LinkID
}

// Hold is the report_hold an item's unanswered reports call for at now:
// upload.HoldShowsMe when a removal request waited longer than the grace
// (it wins: it is a person asking), upload.HoldInappropriate when at least
// HideAfter distinct reporters find it inappropriate, "" otherwise.
func Hold(open []Open, now time.Time, c Config) string {
	seen := map[string]bool{}
	for _, o := range open {
		switch {
		case o.Reason == ShowsMe && now.Sub(o.CreatedAt) >= c.Grace:
			return upload.HoldShowsMe
		case o.Reason == Inappropriate:
			seen[o.reporter()] = true
		}
	}
	if len(seen) >= c.HideAfter {
		return upload.HoldInappropriate
	}
	return ""
}

// CanRead reports whether viewer may read m's reports: those who may
// delete it, its uploader and its album's owner (upload.CanDelete); role
// is viewer's role in m's album.
func CanRead(viewerID string, m *upload.Media, role upload.Role) bool {
	return upload.CanDelete(viewerID, m, role)
}

// CanAnswer reports whether viewer may keep m with a reply to a report
// giving reason. Whoever reads reports answers them, but for one rule:
// inappropriate content in an album is for the album's owner to judge,
// so an uploader who does not own the album cannot lift what several
// members asked to hide (they can still delete the item). Outside any
// album the uploader is the only one to answer.
func CanAnswer(viewerID string, m *upload.Media, role upload.Role, reason string) bool {
	if !CanRead(viewerID, m, role) {
		return false
	}
	if reason == Inappropriate && m.AlbumID != nil {
		return role == upload.RoleOwner
	}
	return true
}

// AnsweredAs is the role an answer is recorded under: a role, never a person.
func AnsweredAs(viewerID string, m *upload.Media) string {
	if viewerID == m.OwnerID {
		return "uploader"
	}
	return "album_owner"
}

// AnswersTogether reports whether answering a report of reason answers
// every unanswered report of that reason on the item: a judgement of
// inappropriate content is about the item, not about who reported it;
// a removal request or another concern is one person's, answered alone.
func AnswersTogether(reason string) bool { return reason == Inappropriate }
