package process

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// maxProbeOutput bounds ffprobe's JSON; one stream and the format fit in a few KiB.
const maxProbeOutput = 1 << 20

// probeInfo is what ffprobe tells about the first video stream.
type probeInfo struct {
	codec         string // ffprobe's codec_name: h264, hevc, ...
	width, height int    // coded size
	rotation      int    // clockwise display rotation: 0, 90, 180, 270
	durationMS    int64  // container duration, else stream duration
	pixFmt        string // ffprobe's pix_fmt: yuv420p, yuv420p10le, ...
	profile       string // ffprobe's profile: "High", "Main 10", ...
	frames        int64  // nb_frames (the sample count in MP4), 0 if unknown
	takenAt       time.Time
}

// ffprobe's JSON, only the fields used.
type probeJSON struct {
	Streams []struct {
		Codec    string            `json:"codec_name"`
		Profile  string            `json:"profile"`
		PixFmt   string            `json:"pix_fmt"`
		Channels int               `json:"channels"`
		NbFrames string            `json:"nb_frames"`
		Width    int               `json:"width"`
		Height   int               `json:"height"`
		Duration string            `json:"duration"`
		Tags     map[string]string `json:"tags"`
		SideData []struct {
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		Duration string            `json:"duration"`
		Tags     map[string]string `json:"tags"`
	} `json:"format"`
}

// probe runs ffprobe on path. A file ffprobe cannot read is corrupt; one
// without a video stream is not a video we accept.
func (p *Processor) probe(ctx context.Context, path string) (probeInfo, error) {
	out, err := p.run(ctx, p.o.FFprobePath, maxProbeOutput, "-v", "error", "-print_format", "json",
		"-show_format", "-show_streams", "-select_streams", "v:0", "-f", "mov", "file:"+path)
	if err != nil {
		return probeInfo{}, err
	}
	var pj probeJSON
	if err := json.Unmarshal(out, &pj); err != nil {
		return probeInfo{}, errorf(ReasonInternal, err, "ffprobe output")
	}
	if len(pj.Streams) == 0 {
		return probeInfo{}, errorf(ReasonUnsupportedType, nil, "no video stream")
	}
	s := pj.Streams[0]
	info := probeInfo{codec: s.Codec, width: s.Width, height: s.Height, durationMS: seconds(pj.Format.Duration),
		takenAt: videoCaptureTime(pj.Format.Tags)}
	if info.durationMS <= 0 {
		info.durationMS = seconds(s.Duration)
	}
	info.pixFmt, info.profile = s.PixFmt, s.Profile
	info.frames, _ = strconv.ParseInt(s.NbFrames, 10, 64)
	if len(s.SideData) > 0 && s.SideData[0].Rotation != 0 {
		// The display matrix angle is counter-clockwise.
		info.rotation = normRotation(-s.SideData[0].Rotation)
	} else if r, err := strconv.ParseFloat(s.Tags["rotate"], 64); err == nil {
		info.rotation = normRotation(r) // pre-5.0 ffprobe: clockwise tag
	}
	return info, nil
}

// normRotation maps any angle to the nearest of 0, 90, 180, 270.
func normRotation(deg float64) int {
	r := int(math.Round(deg/90)) * 90 % 360
	if r < 0 {
		r += 360
	}
	return r
}

// seconds parses ffprobe's decimal seconds into milliseconds, 0 if absent.
func seconds(s string) int64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int64(f * 1000)
}

// videoCaptureTime reads when a video was recorded from its container tags:
// Apple's creationdate key (local time with its offset, written by iPhones)
// first, else the movie header's creation_time (UTC). Zero when neither
// parses; the muxer's placeholder 0000-00-00 does not.
func videoCaptureTime(tags map[string]string) time.Time {
	for _, k := range []string{"com.apple.quicktime.creationdate", "creation_time"} {
		for _, layout := range []string{"2006-01-02T15:04:05Z0700", time.RFC3339Nano} {
			if t, err := time.Parse(layout, tags[k]); err == nil && t.Year() > 1 {
				return t
			}
		}
	}
	return time.Time{}
}

// audioInfo is what ffprobe tells about the first audio stream.
type audioInfo struct {
	codec    string // ffprobe's codec_name, "" when there is no audio stream
	channels int
}

// probeAudio runs ffprobe on path for the first audio stream, bounded like probe.
func (p *Processor) probeAudio(ctx context.Context, path string) (audioInfo, error) {
	out, err := p.run(ctx, p.o.FFprobePath, maxProbeOutput, "-v", "error", "-print_format", "json",
		"-show_streams", "-select_streams", "a:0", "-f", "mov", "file:"+path)
	if err != nil {
		return audioInfo{}, err
	}
	var pj probeJSON
	if err := json.Unmarshal(out, &pj); err != nil {
		return audioInfo{}, errorf(ReasonInternal, err, "ffprobe output")
	}
	if len(pj.Streams) == 0 {
		return audioInfo{}, nil
	}
	return audioInfo{codec: pj.Streams[0].Codec, channels: pj.Streams[0].Channels}, nil
}
