package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wxalbum/mediad/process"
)

// transcodeSeconds is the length of the generated 1080p HEVC clip.
const transcodeSeconds = 10

// runTranscode: wall seconds Processor.Play needs per second of a 1080p
// HEVC clip with AAC (an iPhone video), beside ffmpeg run directly with the
// same encoder settings (what a shell script would do, without our probes,
// the box and SEI checks and nice).
func runTranscode(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	dir, err := os.MkdirTemp("", "mediabench-transcode-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	clip := filepath.Join(dir, "hevc1080.mp4")
	if _, err := runTool(ctx, "", "ffmpeg", "-v", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=1920x1080:rate=30:duration=%d", transcodeSeconds),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:sample_rate=48000:duration=%d", transcodeSeconds),
		"-c:v", "libx265", "-preset", "fast", "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-x265-params", "log-level=error",
		"-c:a", "aac", "-movflags", "+faststart", clip); err != nil {
		return nil, err
	}
	p, err := process.New(process.DefaultOptions())
	if err != nil {
		return nil, err
	}
	m := newMetric("Play variant of 1080p30 HEVC + AAC (Processor.Play: H.264 High 1280x720, AAC), wall s per s of video",
		"s/s", "ffmpeg with the same encoder settings, run directly")
	m.missing = missingTools("ffmpeg")
	out := filepath.Join(dir, "play.mp4")
	for r := 0; r < rounds; r++ {
		t0 := time.Now()
		res, err := p.Play(ctx, clip, out)
		if err != nil {
			return nil, err
		}
		if !res.Transcoded || res.VideoCodec != "h264" || res.Width != 1280 {
			return nil, fmt.Errorf("play result %+v, want a 1280-wide H.264 transcode", res)
		}
		ours := time.Since(t0).Seconds() / transcodeSeconds
		ref, err := runTool(ctx, "", "ffmpeg", "-nostdin", "-v", "error", "-y", "-threads", "2", "-filter_threads", "2",
			"-i", clip, "-vf", "scale=1280:720", "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p",
			"-preset", "veryfast", "-crf", "23", "-threads", "2", "-c:a", "aac", "-b:a", "128k",
			"-movflags", "+faststart", filepath.Join(dir, "ref.mp4"))
		if err != nil {
			return nil, err
		}
		m.addPair(ours, ref.wall.Seconds()/transcodeSeconds)
	}
	return results(m), nil
}
