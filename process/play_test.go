package process

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The clips are generated with ffmpeg (lavfi testsrc + sine), short and
// small so the tests run in seconds on two cores, and go through Video
// first: Play's input is always a stripped original.

// mustHaveTools fails, naming the tool, when one of the media tools is missing.
func mustHaveTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (run scripts/devstack up): %v", tool, err)
		}
	}
}

// hevcClip writes a w x h HEVC clip (hvc1, x265 ultrafast) of secs seconds
// in MOV, with an AAC sine track when audio is set.
func hevcClip(t testing.TB, dir string, w, h int, secs float64, audio bool) string {
	t.Helper()
	mustHaveTools(t, "ffmpeg", "ffprobe")
	src := filepath.Join(dir, "hevc.mov")
	d := strconv.FormatFloat(secs, 'f', -1, 64)
	args := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc=size=" + strconv.Itoa(w) + "x" + strconv.Itoa(h) + ":rate=15:duration=" + d}
	if audio {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:duration="+d, "-c:a", "aac")
	}
	args = append(args, "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
		"-tag:v", "hvc1", "-pix_fmt", "yuv420p", "-f", "mov", src)
	mustRunTB(t, "ffmpeg", args...)
	return src
}

// mustRunTB is mustRun for tests and benchmarks.
func mustRunTB(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// mustStrip runs src through Video and returns the stripped original.
func mustStrip(t testing.TB, p *Processor, src string) (string, *VideoResult) {
	t.Helper()
	out := filepath.Join(filepath.Dir(src), "stripped.mp4")
	res, err := p.Video(context.Background(), src, out)
	if err != nil {
		t.Fatalf("Video(%s): %v", filepath.Base(src), err)
	}
	return out, res
}

// ffprobeStream is ffprobe's own view of one stream, for checks that do not
// go through the code under test.
type ffprobeStream struct {
	Type     string           `json:"codec_type"`
	Codec    string           `json:"codec_name"`
	Profile  string           `json:"profile"`
	PixFmt   string           `json:"pix_fmt"`
	Width    int              `json:"width"`
	Height   int              `json:"height"`
	SideData []map[string]any `json:"side_data_list"`
	Tags     map[string]any   `json:"tags"`
}

// mustProbeStreams returns the streams of path by type ("video", "audio").
func mustProbeStreams(t testing.TB, path string) map[string][]ffprobeStream {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_streams", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var pj struct{ Streams []ffprobeStream }
	if err := json.Unmarshal(out, &pj); err != nil {
		t.Fatal(err)
	}
	m := map[string][]ffprobeStream{}
	for _, s := range pj.Streams {
		m[s.Type] = append(m[s.Type], s)
	}
	return m
}

// assertPlayFile checks the transcoded file independently of Play's own
// verification: ffprobe's streams, our box and NAL readers, the exiftool
// oracle, and no encoder settings string.
func assertPlayFile(t *testing.T, path string, w, h int, audio bool) {
	t.Helper()
	s := mustProbeStreams(t, path)
	if len(s["video"]) != 1 {
		t.Fatalf("video streams: %+v", s["video"])
	}
	v := s["video"][0]
	if v.Codec != "h264" || v.Profile != "High" || v.PixFmt != "yuv420p" || v.Width != w || v.Height != h {
		t.Errorf("video %s %s %s %dx%d, want h264 High yuv420p %dx%d", v.Codec, v.Profile, v.PixFmt, v.Width, v.Height, w, h)
	}
	if len(v.SideData) != 0 || v.Tags["rotate"] != nil {
		t.Errorf("rotation metadata left: side data %v, tags %v", v.SideData, v.Tags)
	}
	switch {
	case audio && (len(s["audio"]) != 1 || s["audio"][0].Codec != "aac"):
		t.Errorf("audio streams %+v, want one aac", s["audio"])
	case !audio && len(s["audio"]) != 0:
		t.Errorf("audio streams %+v, want none", s["audio"])
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckVideoBoxes(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Errorf("box walker: %v", err)
	}
	if err := CheckVideoSEI(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Errorf("NAL reader: %v", err)
	}
	for _, s := range []string{"x264", "x265", "Lavf", "Lavc"} {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("output carries %q", s)
		}
	}
	assertCleanFiles(t, map[string][]byte{"play.mp4": b})
}

// TestPlayHEVC: an iPhone-like HEVC 1080p MOV with AAC becomes H.264 High
// 720p with AAC that passes the checks the stripped original passes.
func TestPlayHEVC(t *testing.T) {
	p := mustProcessor(t)
	dir := t.TempDir()
	in, _ := mustStrip(t, p, hevcClip(t, dir, 1920, 1080, 2, true))
	out := filepath.Join(dir, "play.mp4")
	res, err := p.Play(context.Background(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	want := PlayResult{Transcoded: true, VideoCodec: "h264", AudioCodec: "aac", Width: 1280, Height: 720}
	if got := *res; got.DurationMS < 1900 || got.DurationMS > 2200 {
		t.Errorf("duration %d ms, want about 2000", got.DurationMS)
	} else if got.DurationMS = 0; got != want {
		t.Errorf("result %+v, want %+v", got, want)
	}
	assertPlayFile(t, out, 1280, 720, true)
}

// TestPlayLarge: a 2560x1440 HEVC clip (no audio) comes out 1280x720 and silent.
func TestPlayLarge(t *testing.T) {
	p := mustProcessor(t)
	dir := t.TempDir()
	in, _ := mustStrip(t, p, hevcClip(t, dir, 2560, 1440, 1, false))
	out := filepath.Join(dir, "play.mp4")
	res, err := p.Play(context.Background(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Transcoded || res.Width != 1280 || res.Height != 720 || res.AudioCodec != "" {
		t.Errorf("result %+v", res)
	}
	assertPlayFile(t, out, 1280, 720, false)
}

// TestPlayPassthrough: H.264 (High or Constrained Baseline, yuv420p) with
// AAC or no audio, small and unrotated, is served as it is: nothing written.
func TestPlayPassthrough(t *testing.T) {
	mustHaveTools(t, "ffmpeg", "ffprobe")
	p := mustProcessor(t)
	for name, extra := range map[string][]string{
		"high_aac":    {"-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", "-profile:v", "high"},
		"baseline_na": {"-profile:v", "baseline"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "src.mp4")
			args := append([]string{"-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=15:duration=2"}, extra...)
			mustRunTB(t, "ffmpeg", append(args, "-c:v", "libx264", "-pix_fmt", "yuv420p", src)...)
			in, _ := mustStrip(t, p, src)
			out := filepath.Join(dir, "play.mp4")
			res, err := p.Play(context.Background(), in, out)
			if err != nil {
				t.Fatal(err)
			}
			wantAudio := map[string]string{"high_aac": "aac"}[name]
			if res.Transcoded || res.VideoCodec != "h264" || res.AudioCodec != wantAudio ||
				res.Width != 640 || res.Height != 360 || res.DurationMS < 1900 {
				t.Errorf("result %+v", res)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("output written for a passthrough: %v", err)
			}
		})
	}
}

// TestPlayRotated: an H.264 640x360 clip with display rotation 90 (a phone
// held upright) is transcoded to 360x640 pixels that are upright themselves,
// with no rotation metadata left. The coded frame is red on its left half,
// blue on its right, so upright means red on top.
func TestPlayRotated(t *testing.T) {
	mustHaveTools(t, "ffmpeg", "ffprobe", "exiftool")
	p := mustProcessor(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "rot.mp4")
	mustRunTB(t, "ffmpeg", "-v", "error", "-f", "lavfi",
		"-i", "color=c=blue:size=640x360:rate=15:duration=2,drawbox=x=0:y=0:w=320:h=360:color=red:t=fill",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", src)
	mustRunTB(t, "exiftool", "-q", "-overwrite_original", "-Rotation=90", src) // ffmpeg 5.1 has no -display_rotation
	in, vres := mustStrip(t, p, src)
	if vres.Rotation != 90 {
		t.Fatalf("stripped original has rotation %d, want 90", vres.Rotation)
	}
	// The premise: a player honouring the display matrix shows red on top.
	assertRedOnTop(t, firstFrameRGB(t, in, false), 360, 640, "stripped original, autorotated")

	out := filepath.Join(dir, "play.mp4")
	res, err := p.Play(context.Background(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Transcoded || res.Width != 360 || res.Height != 640 {
		t.Errorf("result %+v, want transcoded 360x640", res)
	}
	assertPlayFile(t, out, 360, 640, false)
	assertRedOnTop(t, firstFrameRGB(t, out, true), 360, 640, "play file, not rotated")
}

// firstFrameRGB decodes the first frame of path as packed RGB, applying
// the display rotation or not.
func firstFrameRGB(t *testing.T, path string, noRotate bool) []byte {
	t.Helper()
	args := []string{"-v", "error"}
	if noRotate {
		args = append(args, "-noautorotate")
	}
	args = append(args, "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1")
	b, err := exec.Command("ffmpeg", args...).Output()
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return b
}

// assertRedOnTop checks the mean colour of the top and bottom quarters of
// a w x h RGB frame.
func assertRedOnTop(t *testing.T, rgb []byte, w, h int, what string) {
	t.Helper()
	if len(rgb) != w*h*3 {
		t.Fatalf("%s: frame of %d bytes, want %dx%d", what, len(rgb), w, h)
	}
	mean := func(y0, y1 int) (r, b int) {
		for i := y0 * w * 3; i < y1*w*3; i += 3 {
			r, b = r+int(rgb[i]), b+int(rgb[i+2])
		}
		n := (y1 - y0) * w
		return r / n, b / n
	}
	if r, b := mean(0, h/4); r < 200 || b > 60 {
		t.Errorf("%s: top quarter is r=%d b=%d, want red", what, r, b)
	}
	if r, b := mean(3*h/4, h); b < 200 || r > 60 {
		t.Errorf("%s: bottom quarter is r=%d b=%d, want blue", what, r, b)
	}
}

// TestPlayCorrupt: a stripped original whose media data is garbage, or
// cut short, fails as corrupt (permanent), and outPath is removed even
// when something was there before.
func TestPlayCorrupt(t *testing.T) {
	p := mustProcessor(t)
	good, _ := mustStrip(t, p, hevcClip(t, t.TempDir(), 320, 240, 2, true))
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	mdat := findMdat(t, raw)
	garbage := slices.Clone(raw)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := mdat.off + mdat.hdr; i < mdat.off+mdat.size; i++ {
		garbage[i] = byte(rng.Uint32())
	}
	truncated := raw[:mdat.off+mdat.hdr+(mdat.size-mdat.hdr)/3]
	for name, b := range map[string][]byte{"garbage_mdat": garbage, "truncated_mdat": truncated} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.mp4"), filepath.Join(dir, "play.mp4")
			if err := os.WriteFile(in, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, []byte("stale"), 0o600); err != nil {
				t.Fatal(err)
			}
			res, err := p.Play(context.Background(), in, out)
			t.Logf("Play: %v", err)
			if !errors.Is(err, ErrCorrupt) || !Permanent(err) {
				t.Errorf("err = %v (result %+v), want a permanent corrupt error", err, res)
			}
			if _, statErr := os.Stat(out); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("output left behind: %v", statErr)
			}
		})
	}
}

// findMdat returns the top-level mdat box of an MP4.
func findMdat(t *testing.T, b []byte) box {
	t.Helper()
	var mdat box
	n := 0
	err := walkBoxes(bytes.NewReader(b), 0, int64(len(b)), "", 0, &n, func(bx box) error {
		if bx.typ == "mdat" && bx.depth == 0 {
			mdat = bx
		}
		return nil
	})
	if err != nil || mdat.size < 1000 {
		t.Fatalf("no mdat (%v)", err)
	}
	return mdat
}

// TestPlayTransient: a missing nice, a transcode past TranscodeTimeout and
// a cancelled context are not the input's fault (retryable), and leave no
// output behind.
func TestPlayTransient(t *testing.T) {
	p := mustProcessor(t)
	in, _ := mustStrip(t, p, hevcClip(t, t.TempDir(), 320, 240, 1, true))
	noNice := DefaultOptions()
	noNice.NicePath = "/nonexistent/nice"
	noFFmpeg := DefaultOptions()
	noFFmpeg.FFmpegPath = "/nonexistent/ffmpeg" // nice runs, cannot exec it: exit 127
	short := DefaultOptions()
	short.TranscodeTimeout = time.Millisecond
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for name, c := range map[string]struct {
		o   Options
		ctx context.Context
	}{
		"no_nice": {noNice, context.Background()}, "no_ffmpeg": {noFFmpeg, context.Background()},
		"timeout": {short, context.Background()}, "cancelled": {DefaultOptions(), cancelled},
	} {
		t.Run(name, func(t *testing.T) {
			q, err := New(c.o)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "play.mp4")
			_, err = q.Play(c.ctx, in, out)
			if err == nil || Permanent(err) {
				t.Errorf("err = %v, want a transient error", err)
			}
			if name == "timeout" && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want a deadline", err)
			}
			if _, statErr := os.Stat(out); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("output left behind: %v", statErr)
			}
		})
	}
}

// TestPlaySEIFilterNeeded: without the SEI filter x264 leaves its settings
// in the stream and CheckVideoSEI sees them, so the clean result of the
// real arguments means something.
func TestPlaySEIFilterNeeded(t *testing.T) {
	p := mustProcessor(t)
	dir := t.TempDir()
	in, _ := mustStrip(t, p, hevcClip(t, dir, 320, 240, 1, false))
	args := p.transcodeArgs(in, filepath.Join(dir, "unfiltered.mp4"), 320, 240, audioInfo{})
	i := slices.Index(args, "-bsf:v")
	if i < 0 {
		t.Fatal("no -bsf:v in the transcode arguments")
	}
	mustRunTB(t, p.o.NicePath, slices.Delete(args, i, i+2)...)
	b, err := os.ReadFile(filepath.Join(dir, "unfiltered.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("x264 - core")) {
		t.Error("x264 wrote no settings string: the test is blind")
	}
	if err := CheckVideoSEI(bytes.NewReader(b), int64(len(b))); !errors.Is(err, ErrStripFailed) {
		t.Errorf("NAL reader on the unfiltered transcode: %v, want strip_failed", err)
	}
}

// TestPlayArgs: nice and the thread bounds reach ffmpeg.
func TestPlayArgs(t *testing.T) {
	o := DefaultOptions()
	o.FFmpegThreads = 3
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	args := p.transcodeArgs("/in.mp4", "/out.mp4", 1280, 720, audioInfo{codec: "pcm_s16le", channels: 6})
	joined := " " + strings.Join(args, " ") + " "
	for _, want := range []string{" -n 10 ffmpeg ", " -filter_threads 3 ", " -threads 3 -f mov -i file:/in.mp4 ",
		" -threads 3 -bsf:v ", " -c:a aac -b:a 128k -ac 2 ", " file:/out.mp4 "} {
		if !strings.Contains(joined, want) {
			t.Errorf("arguments lack %q:%s", want, joined)
		}
	}
	o.FFmpegThreads = 0
	if o.Validate() == nil {
		t.Error("FFmpegThreads 0 accepted")
	}
	o = DefaultOptions()
	o.NicePath = ""
	if o.Validate() == nil {
		t.Error("empty NicePath accepted")
	}
	o = DefaultOptions()
	o.TranscodeTimeout = 0
	if o.Validate() == nil {
		t.Error("TranscodeTimeout 0 accepted")
	}
}

// TestPlaySize: long edge at most 1280, aspect kept, even sides, never upscaled.
func TestPlaySize(t *testing.T) {
	for _, c := range []struct{ w, h, ww, wh int }{
		{1920, 1080, 1280, 720}, {1080, 1920, 720, 1280}, {3840, 2160, 1280, 720},
		{4032, 3024, 1280, 960}, {2560, 1440, 1280, 720}, {1280, 720, 1280, 720},
		{640, 360, 640, 360}, {641, 361, 640, 360}, {1920, 1088, 1280, 724}, {5000, 10, 1280, 2},
	} {
		if w, h := playSize(c.w, c.h); w != c.ww || h != c.wh {
			t.Errorf("playSize(%d, %d) = %dx%d, want %dx%d", c.w, c.h, w, h, c.ww, c.wh)
		}
	}
}

// TestPlayBlocker: what is served as it is and what is transcoded.
func TestPlayBlocker(t *testing.T) {
	ok := probeInfo{codec: "h264", profile: "High", pixFmt: "yuv420p", width: 1280, height: 720}
	aac := audioInfo{codec: "aac", channels: 2}
	with := func(f func(*probeInfo)) probeInfo { v := ok; f(&v); return v }
	for _, c := range []struct {
		name string
		v    probeInfo
		a    audioInfo
		pass bool
	}{
		{"h264 high aac", ok, aac, true},
		{"no audio", ok, audioInfo{}, true},
		{"main", with(func(v *probeInfo) { v.profile = "Main" }), aac, true},
		{"constrained baseline", with(func(v *probeInfo) { v.profile = "Constrained Baseline" }), aac, true},
		{"portrait 720x1280", with(func(v *probeInfo) { v.width, v.height = 720, 1280 }), aac, true},
		{"hevc", with(func(v *probeInfo) { v.codec = "hevc"; v.profile = "Main" }), aac, false},
		{"high 10", with(func(v *probeInfo) { v.profile = "High 10"; v.pixFmt = "yuv420p10le" }), aac, false},
		{"4:2:2", with(func(v *probeInfo) { v.profile = "High 4:2:2"; v.pixFmt = "yuv422p" }), aac, false},
		{"full range", with(func(v *probeInfo) { v.pixFmt = "yuvj420p" }), aac, false},
		{"opus", ok, audioInfo{codec: "opus", channels: 2}, false},
		{"1920 wide", with(func(v *probeInfo) { v.width, v.height = 1920, 1080 }), aac, false},
		{"rotated", with(func(v *probeInfo) { v.rotation = 90 }), aac, false},
		{"upside down", with(func(v *probeInfo) { v.rotation = 180 }), aac, false},
	} {
		if got := playBlocker(c.v, c.a) == ""; got != c.pass {
			t.Errorf("%s: passthrough = %v, want %v (%q)", c.name, got, c.pass, playBlocker(c.v, c.a))
		}
	}
}

// BenchmarkPlayHEVC1080p transcodes 4 s of 1080p30 HEVC with AAC (generated
// once, noisy like camera footage, outside the timer) and reports the wall
// time per second of video.
func BenchmarkPlayHEVC1080p(b *testing.B) {
	mustHaveTools(b, "ffmpeg", "ffprobe")
	const secs = 4
	p := mustProcessor(b)
	dir := b.TempDir()
	src := filepath.Join(dir, "hevc.mov")
	mustRunTB(b, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=4",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=4", "-vf", "noise=alls=12:allf=t",
		"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1",
		"-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mov", src)
	in, _ := mustStrip(b, p, src)
	out := filepath.Join(dir, "play.mp4")
	var wall time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		if _, err := p.Play(context.Background(), in, out); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		n++
	}
	b.ReportMetric(wall.Seconds()/float64(n)/secs, "sec_per_video_sec")
}
