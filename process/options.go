package process

import (
	"errors"
	"fmt"
	"time"
)

// Options configures a Processor. Zero fields are NOT defaulted by New: start
// from DefaultOptions and override, then Validate.
type Options struct {
	MaxPixels                    int   // largest accepted width*height (default 50 MP, imgproxy's MaxSrcResolution)
	MaxSide                      int   // largest accepted width or height (default 16384)
	ThumbShortEdge               int   // thumb: shorter edge in px (default 320)
	PreviewLongEdge              int   // preview: longer edge in px (default 1440)
	CardWidth, CardHeight        int   // card: centre crop size (default 500x400)
	ThumbQuality, PreviewQuality int   // JPEG qualities (default 80, 82; card uses PreviewQuality)
	DecodeBudgetBytes            int64 // decoded pixel bytes allowed at once across goroutines (default 512 MiB)

	FFmpegPath, FFprobePath string        // default "ffmpeg", "ffprobe"
	HeifConvertPath         string        // default "heif-convert" (Debian package libheif-examples)
	PrlimitPath             string        // default "prlimit" (util-linux): bounds the converter's memory and CPU
	ToolTimeout             time.Duration // bound on every external tool run but the play transcode (default 2 min)

	// The play transcode (Processor.Play) runs ffmpeg under nice -n 10 with
	// at most FFmpegThreads decoder, filter and encoder threads each, bounded
	// by TranscodeTimeout instead of ToolTimeout (its ffprobe runs keep ToolTimeout).
	NicePath         string        // default "nice" (coreutils)
	FFmpegThreads    int           // default 2, >= 1
	TranscodeTimeout time.Duration // default 10 min

	// TimeZone is the zone of a capture time recorded without a UTC offset
	// (default Asia/Shanghai, MEDIA_TIMEZONE).
	TimeZone *time.Location
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{
		MaxPixels:         50_000_000,
		MaxSide:           16384,
		ThumbShortEdge:    320,
		PreviewLongEdge:   1440,
		CardWidth:         500,
		CardHeight:        400,
		ThumbQuality:      80,
		PreviewQuality:    82,
		DecodeBudgetBytes: 512 << 20,
		FFmpegPath:        "ffmpeg",
		FFprobePath:       "ffprobe",
		HeifConvertPath:   "heif-convert",
		PrlimitPath:       "prlimit",
		ToolTimeout:       2 * time.Minute,
		NicePath:          "nice",
		FFmpegThreads:     2,
		TranscodeTimeout:  10 * time.Minute,
		TimeZone:          defaultZone(),
	}
}

// defaultZone is Asia/Shanghai from the zone database (mediad embeds
// one), else UTC+8 under the same name (China has kept that offset
// without daylight saving since 1991; the name is what PostgreSQL is given).
func defaultZone() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("Asia/Shanghai", 8*3600)
}

// Validate reports the first invalid field.
func (o Options) Validate() error {
	pos := []struct {
		name string
		v    int64
	}{
		{"MaxPixels", int64(o.MaxPixels)}, {"MaxSide", int64(o.MaxSide)},
		{"ThumbShortEdge", int64(o.ThumbShortEdge)}, {"PreviewLongEdge", int64(o.PreviewLongEdge)},
		{"CardWidth", int64(o.CardWidth)}, {"CardHeight", int64(o.CardHeight)},
		{"DecodeBudgetBytes", o.DecodeBudgetBytes}, {"ToolTimeout", int64(o.ToolTimeout)},
		{"FFmpegThreads", int64(o.FFmpegThreads)}, {"TranscodeTimeout", int64(o.TranscodeTimeout)}}
	for _, f := range pos {
		if f.v <= 0 {
			return fmt.Errorf("process: Options.%s must be > 0", f.name)
		}
	}
	for _, q := range []int{o.ThumbQuality, o.PreviewQuality} {
		if q < 1 || q > 100 {
			return errors.New("process: JPEG qualities must be in 1..100")
		}
	}
	if o.TimeZone == nil {
		return errors.New("process: Options.TimeZone must be set")
	}
	if o.FFmpegPath == "" || o.FFprobePath == "" || o.HeifConvertPath == "" || o.PrlimitPath == "" || o.NicePath == "" {
		return errors.New("process: tool paths must not be empty")
	}
	return nil
}
