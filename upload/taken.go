package upload

import "time"

// Where an item's TakenAt comes from.
const (
	TakenFromEXIF   = "exif"   // a photo's EXIF DateTimeOriginal
	TakenFromVideo  = "video"  // a video's recorded creation time
	TakenFromUpload = "upload" // none found, or not plausible: the upload time
)

// earliestCapture is the earliest capture time believed: camera clocks
// that were never set say 1970 or 1980, and digital photos from before
// 1990 are scans whose EXIF date is the scan's at best.
var earliestCapture = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// TakenAt decides an item's capture time from what processing found
// (zero: nothing) in source, uploaded being its upload time and now the
// current time. A time before 1990 or more than a day after now (a clock
// set wrong; a day covers every time zone) is not believed: the upload
// time is used and the source says so.
func TakenAt(found time.Time, source string, uploaded, now time.Time) (time.Time, string) {
	if found.IsZero() || found.Before(earliestCapture) || found.After(now.Add(24*time.Hour)) {
		return uploaded, TakenFromUpload
	}
	return found, source
}
