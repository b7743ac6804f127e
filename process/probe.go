package process

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
)

// maxProbeOutput bounds ffprobe's JSON; one stream and the format fit in a few KiB.
const maxProbeOutput = 1 << 20

// probeInfo is what ffprobe tells about the first video stream.
type probeInfo struct {
	codec         string // ffprobe's codec_name: h264, hevc, ...
	width, height int    // coded size
	rotation      int    // clockwise display rotation: 0, 90, 180, 270
	durationMS    int64  // container duration, else stream duration
}

// ffprobe's JSON, only the fields used.
type probeJSON struct {
	Streams []struct {
		Codec    string            `json:"codec_name"`
		Width    int               `json:"width"`
		Height   int               `json:"height"`
		Duration string            `json:"duration"`
		Tags     map[string]string `json:"tags"`
		SideData []struct {
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
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
	info := probeInfo{codec: s.Codec, width: s.Width, height: s.Height, durationMS: seconds(pj.Format.Duration)}
	if info.durationMS <= 0 {
		info.durationMS = seconds(s.Duration)
	}
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
