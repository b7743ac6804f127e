package share

import (
	"time"

	"github.com/wxalbum/mediad/upload"
)

// What a link shows of each item, stated once for view (the struct the
// web pages render) and appendView (the JSON of the API).

// urlField names a signed URL of PublicItem.
type urlField int

const (
	thumbURL urlField = iota
	previewURL
	videoURL
	posterURL
	downloadURL
)

// jsonName is the field's JSON key, as PublicItem's tag says.
var jsonName = [...]string{thumbURL: "thumb_url", previewURL: "preview_url", videoURL: "video_url",
	posterURL: "poster_url", downloadURL: "download_url"}

func (it *PublicItem) url(f urlField) *string {
	return [...]*string{&it.ThumbURL, &it.PreviewURL, &it.VideoURL, &it.PosterURL, &it.DownloadURL}[f]
}

// itemURL is one signed URL of an item: which field, which variant.
type itemURL struct {
	field   urlField
	variant upload.Variant
}

// itemURLs lists the URLs link l shows of item m, in field order: thumb
// and preview; for a video, the video (its play variant, which plays on
// every phone and browser, when it has one; else the original) and the
// poster; the download when the link allows it.
func itemURLs(l *Link, m *upload.Media) (urls [5]itemURL, n int) {
	add := func(f urlField, v upload.Variant) { urls[n] = itemURL{f, v}; n++ }
	add(thumbURL, upload.VariantThumb)
	add(previewURL, upload.VariantPreview)
	if m.Kind == upload.KindVideo {
		v := upload.VariantOriginal
		if upload.PlayKey(m) != "" {
			v = upload.VariantPlay
		}
		add(videoURL, v)
		add(posterURL, upload.VariantPoster)
	}
	if l.AllowDownload {
		add(downloadURL, upload.VariantDownload)
	}
	return urls, n
}

func itemType(m *upload.Media) string {
	if m.Kind == upload.KindVideo {
		return "video"
	}
	return "photo"
}

func linkKind(l *Link) string {
	if l.MediaID != nil {
		return "item"
	}
	return "album"
}

// takenAt is when m was taken, shown only on show_dates links and only
// when it is a real capture time (not the upload time standing in).
func (s *Service) takenAt(l *Link, m *upload.Media) *time.Time {
	if !l.ShowDates || m.TakenAtSource == upload.TakenFromUpload {
		return nil
	}
	t := m.TakenAt.In(s.cfg.TimeZone)
	return &t
}
