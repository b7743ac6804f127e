// Package upload owns Media: what was uploaded, by whom, into which album,
// who may see it and how far processing got. It streams uploads into the
// private quarantine prefix of the object store, records them, and asks for
// processing through the Enqueuer port; it never serves a raw upload.
package upload

import (
	"time"
)

// Kind is what an upload is for.
type Kind string

// Kinds of media.
const (
	KindPhoto  Kind = "photo"
	KindAvatar Kind = "avatar"
	KindCover  Kind = "cover"
	KindVideo  Kind = "video"
)

// ParseKind validates a client-supplied kind.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindPhoto, KindAvatar, KindCover, KindVideo:
		return k, nil
	}
	return "", ErrBadKind
}

// Status is how far processing got.
type Status string

// The life of a media row. Every transition is a Store method, and only
// this package's Store writes the media table:
//
//	(upload recorded)  -> processing           Insert (after the raw object is stored)
//	processing -> ready                        MarkReady (worker, after every variant is stored)
//	processing -> failed                       MarkFailed (worker: input that can never succeed,
//	                                            or the last retry of a transient fault; reason kept;
//	                                            sweep: enqueued again MaxRequeues times, ReasonStuck)
//	ready -> failed                            MarkMissing (reconciling sweep: the stripped
//	                                            original is gone from storage; missing_object)
//	processing | ready | failed -> deleting    MarkDeleting (the uploader or the album owner)
//	deleting -> (row gone)                     DeleteRow (worker, after the objects are gone)
//	any -> (row gone)                          DeleteAlbumRows / DeleteOwnedRows (dissolution,
//	                                            account deletion: objects first, then rows)
//	failed -> (row gone)                       PurgeFailed (retention)
const (
	StatusProcessing Status = "processing"
	StatusReady      Status = "ready"
	StatusFailed     Status = "failed"
	StatusDeleting   Status = "deleting"
)

// Fail reasons set here (the worker sets the processing ones).
const (
	// ReasonMissingObject: a ready item's stripped original disappeared
	// from storage.
	ReasonMissingObject = "missing_object"
	// ReasonStuck: processing never finished, however often the sweep
	// enqueued it again (a task that kills its worker every time).
	ReasonStuck = "stuck"
)

// Visibility says who may see an item.
type Visibility string

// Visibilities, narrowest first.
const (
	OnlyMe  Visibility = "only_me" // the uploader alone
	Members Visibility = "members" // the album's current members
	Link    Visibility = "link"    // members and holders of a valid share link
)

// Narrower reports whether a lets fewer people see an item than b.
func Narrower(a, b Visibility) bool { return visibilityRank[a] < visibilityRank[b] }

var visibilityRank = map[Visibility]int{OnlyMe: 0, Members: 1, Link: 2}

// ParseVisibility validates a client-supplied visibility ("" is allowed
// and means "the default").
func ParseVisibility(s string) (Visibility, error) {
	switch v := Visibility(s); v {
	case "", OnlyMe, Members, Link:
		return v, nil
	}
	return "", ErrBadVisibility
}

// Media is one uploaded item.
type Media struct {
	ID          string
	OwnerID     string
	Kind        Kind
	Status      Status
	FailReason  *string
	ContentType string // sniffed from the bytes at upload
	Size        int64
	SHA256      []byte
	AlbumID     *string
	Visibility  Visibility
	Width       *int
	Height      *int
	DurationMS  *int64
	Placeholder *string
	ServedType  *string // content type of the stripped original
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// TakenAt is when the photo or video was taken, else when it was
	// uploaded; TakenAtSource says which (TakenFrom*).
	TakenAt       time.Time
	TakenAtSource string
	// PlayStatus is how far the video's play variant got (Play*); "" for
	// anything but a ready video. PlayFailReason says why it failed.
	PlayStatus     string
	PlayFailReason *string
	Attempts       int    // times the sweep enqueued it again (a lost or crashing task)
	Hidden         string // why it is hidden from all but its uploader ("": it is not)
	// Review is the content check's state (Review*; "": no check was
	// required) and ReportHold why reports hold it back (Hold*; "": none).
	// Either can hide the item from all but its uploader (HiddenFromOthers).
	Review     string
	ReportHold string
	// IdempotencyKey is the client's key for the request that created the
	// item; written on insert, not read back.
	IdempotencyKey string
}

// Reasons an item is hidden from everyone but its uploader.
const (
	HiddenOwnerDeleted = "owner_deleted" // its uploader's account is being deleted
)

// States of the content check (WeChat mediaCheckAsync).
const (
	ReviewPending       = "pending"        // submitted, no result yet
	ReviewPass          = "pass"           // checked and fine
	ReviewRisky         = "risky"          // checked and refused
	ReviewUnchecked     = "unchecked"      // no result after every try
	ReviewUncheckedOpen = "unchecked_open" // no result, and the deployment fails open
)

// Reasons reports hold an item back from all but its uploader.
const (
	HoldShowsMe       = "shows_me"      // a removal request unanswered past the grace period
	HoldInappropriate = "inappropriate" // reported by several distinct users
)

// Variant names a served rendition of an item.
type Variant string

// Variants. The raw upload is not a variant: it is never served.
const (
	VariantOriginal Variant = "original" // stripped original (a video's stripped file)
	VariantPreview  Variant = "preview"
	VariantThumb    Variant = "thumb"
	VariantCard     Variant = "card"
	VariantPoster   Variant = "poster" // videos only
	// VariantDownload serves the stripped original as an attachment.
	VariantDownload Variant = "download"
	// VariantPlay is a video as every phone plays it (H.264/AAC MP4, long
	// edge 1280 at most): a transcode, or the stripped original when it
	// already is one (PlayStatus says which).
	VariantPlay Variant = "play"
)

// The life of a video's play variant, after the item is ready:
//
//	pending -> ready      the transcode is stored at ObjectKey(id, VariantPlay)
//	pending -> original   the stripped original plays everywhere: play serves it
//	pending -> failed     the transcode failed for good (PlayFailReason);
//	                      the stripped original stays served
const (
	PlayPending  = "pending"
	PlayReady    = "ready"
	PlayOriginal = "original"
	PlayFailed   = "failed"
)

// PlayKey is the object play serves for m, "" while it has none.
func PlayKey(m *Media) string {
	switch m.PlayStatus {
	case PlayReady:
		return ObjectKey(m.ID, VariantPlay)
	case PlayOriginal:
		return ObjectKey(m.ID, VariantOriginal)
	}
	return ""
}

// Variants returns the variants a ready item of kind k has.
func Variants(k Kind) []Variant {
	vs := []Variant{VariantOriginal, VariantPreview, VariantThumb, VariantCard}
	if k == KindVideo {
		vs = append(vs, VariantPoster)
	}
	return vs
}

// RawPrefix is the private quarantine prefix for uploads not yet processed.
const RawPrefix = "incoming/"

// MediaPrefix holds processed objects.
const MediaPrefix = "media/"

// RawKey is where an item's raw upload waits for processing. Keys are made
// from ids only, never from client file names.
func RawKey(id string) string { return RawPrefix + id }

// ObjectKey is the deterministic key of a variant, so a retried job
// overwrites instead of duplicating.
func ObjectKey(id string, v Variant) string {
	if v == VariantDownload {
		v = VariantOriginal
	}
	return MediaPrefix + id + "/" + string(v)
}

// ObjectPrefix holds every processed object of an item.
func ObjectPrefix(id string) string { return MediaPrefix + id + "/" }

// ObjectKeys returns the keys to delete for item m, and how many of them
// its state says exist. A ready item has its variants (its raw upload went
// when processing ended), and a video its play transcode once that is
// ready; a processing one its raw upload and perhaps variants from an
// interrupted run; a failed one nothing. Anything uncertain is listed
// anyway: removing a missing key is harmless, leaving a stray copy is not
// (the reconciling sweep is the backstop).
func ObjectKeys(m *Media) (keys []string, stored int) {
	for _, v := range Variants(m.Kind) {
		keys = append(keys, ObjectKey(m.ID, v))
	}
	if m.Kind == KindVideo {
		keys = append(keys, ObjectKey(m.ID, VariantPlay))
	}
	switch m.Status {
	case StatusReady:
		stored = len(Variants(m.Kind))
		if m.PlayStatus == PlayReady {
			stored++
		}
		return keys, stored
	case StatusFailed:
		return append(keys, RawKey(m.ID)), 0
	}
	return append(keys, RawKey(m.ID)), 1
}
