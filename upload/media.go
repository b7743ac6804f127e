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

// Processing states: processing -> ready | failed; deleting while objects go.
const (
	StatusProcessing Status = "processing"
	StatusReady      Status = "ready"
	StatusFailed     Status = "failed"
	StatusDeleting   Status = "deleting"
)

// Visibility says who may see an item.
type Visibility string

// Visibilities, narrowest first.
const (
	OnlyMe  Visibility = "only_me" // the uploader alone
	Members Visibility = "members" // the album's current members
	Link    Visibility = "link"    // members and holders of a valid share link
)

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
}

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
)

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
