package process

import (
	"context"
	"fmt"
	"os"
	"strconv"
)

// The play variant is what the mini-program's player streams. iPhones
// record HEVC in MOV, which many Android WeChat players cannot decode, and
// 4K 60 fps is too heavy on mobile data; so a stripped original that is not
// already H.264 (a profile phones decode, 8-bit 4:2:0) with AAC or no audio,
// at most playLongEdge on its long side and without display rotation is
// transcoded. Rotation is applied to the pixels (ffmpeg's autorotate)
// rather than kept as metadata, since some players ignore the display matrix.
const (
	playLongEdge     = 1280
	playCRF          = "23"
	playAudioBitrate = "128k"
	playNiceness     = "10"
)

// phoneProfiles are the H.264 profiles served without a transcode.
var phoneProfiles = map[string]bool{"Constrained Baseline": true, "Main": true, "High": true}

// PlayResult describes the play variant of a video.
type PlayResult struct {
	// Transcoded is false when the input is already playable: nothing was
	// written to outPath and the stripped original is served as play.
	Transcoded bool
	VideoCodec string // ffprobe codec name of the play file: "h264"
	AudioCodec string // "aac", or "" when the video has no audio
	Width      int    // display size, upright
	Height     int
	DurationMS int64
}

// Play makes the playable variant of a stripped video (the output of
// Processor.Video, at inPath) at outPath: H.264 High, yuv420p, long edge at
// most 1280, upright with no rotation metadata, AAC audio, MP4 with the moov
// first, and no metadata, checked as Video checks its output. ffmpeg runs
// under nice with FFmpegThreads threads and TranscodeTimeout. On any error
// outPath is removed. A file that does not decode cleanly is ErrCorrupt; a
// timeout or cancellation is transient, as for Video.
func (p *Processor) Play(ctx context.Context, inPath, outPath string) (res *PlayResult, err error) {
	defer func() {
		if err != nil {
			os.Remove(outPath)
		}
	}()
	defer recoverCorrupt(&err)
	in, err := p.probeInput(ctx, inPath)
	if err != nil {
		return nil, err
	}
	audio, err := p.probeAudio(ctx, inPath)
	if err != nil {
		return nil, err
	}
	w, h := displaySize(in)
	if playBlocker(in, audio) == "" {
		return &PlayResult{VideoCodec: in.codec, AudioCodec: audio.codec, Width: w, Height: h, DurationMS: in.durationMS}, nil
	}
	w, h = playSize(w, h)
	args := p.transcodeArgs(inPath, outPath, w, h, audio)
	if _, err := p.runFor(ctx, p.o.TranscodeTimeout, p.o.NicePath, 0, args...); err != nil {
		return nil, err
	}
	return p.verifyPlay(ctx, outPath, w, h, audio)
}

// playBlocker says why a video cannot be served as play as it is, "" if it can.
func playBlocker(v probeInfo, a audioInfo) string {
	switch {
	case v.codec != "h264":
		return "video codec " + v.codec
	case !phoneProfiles[v.profile]:
		return "H.264 profile " + v.profile
	case v.pixFmt != "yuv420p":
		return "pixel format " + v.pixFmt
	case a.codec != "" && a.codec != "aac":
		return "audio codec " + a.codec
	case max(v.width, v.height) > playLongEdge:
		return fmt.Sprintf("size %dx%d", v.width, v.height)
	case v.rotation != 0:
		return fmt.Sprintf("rotation %d", v.rotation)
	}
	return ""
}

// displaySize is the upright size: the coded size with the rotation applied.
func displaySize(v probeInfo) (w, h int) {
	if v.rotation == 90 || v.rotation == 270 {
		return v.height, v.width
	}
	return v.width, v.height
}

// playSize scales w x h down (never up) to a long edge of at most
// playLongEdge, keeping the aspect, with even sides as 4:2:0 requires.
func playSize(w, h int) (int, int) {
	if long := max(w, h); long > playLongEdge {
		w, h = (w*playLongEdge+long/2)/long, (h*playLongEdge+long/2)/long
	}
	return max(w&^1, 2), max(h&^1, 2)
}

// transcodeArgs are nice's arguments running ffmpeg, with the same safety
// as remux (file: URLs, the mov demuxer forced, no stdin). Decoding errors
// are fatal (-xerror): a stream ffmpeg would conceal is reported corrupt
// instead of served truncated. The decoder autorotates before the scale, so
// the output is upright at w x h. x264 puts its settings in a user-data SEI
// unit; the SEI filter removes it (CheckVideoSEI proves it in verifyPlay).
func (p *Processor) transcodeArgs(inPath, outPath string, w, h int, audio audioInfo) []string {
	threads := strconv.Itoa(p.o.FFmpegThreads)
	args := []string{"-n", playNiceness, p.o.FFmpegPath,
		"-nostdin", "-v", "error", "-xerror", "-y", "-filter_threads", threads,
		"-threads", threads, "-f", "mov", "-i", "file:" + inPath,
		"-map", "0:v:0", "-map", "0:a:0?",
		"-map_metadata", "-1", "-map_metadata:s", "-1", "-map_chapters", "-1", "-dn", "-sn",
		"-vf", fmt.Sprintf("scale=%d:%d", w, h), "-fps_mode", "vfr",
		"-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p",
		"-preset", "veryfast", "-crf", playCRF, "-threads", threads,
		"-bsf:v", seiFilter("h264")}
	if audio.codec != "" {
		args = append(args, "-c:a", "aac", "-b:a", playAudioBitrate)
		if audio.channels > 2 {
			args = append(args, "-ac", "2") // phone players expect stereo at most
		}
	}
	return append(args, "-movflags", "+faststart",
		"-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
		"-f", "mp4", "file:"+outPath)
}

// verifyPlay runs the checks of verifyRemux on the transcode (udta blanked,
// no metadata box, no SEI unit, and rotation 0, the wanted rotation here),
// then checks with ffprobe that it is what was planned. A mismatch is our
// fault, not the input's, so it is internal; no frame at all is corrupt.
func (p *Processor) verifyPlay(ctx context.Context, path string, w, h int, audio audioInfo) (*PlayResult, error) {
	if err := blankCompressorName(path); err != nil {
		return nil, err
	}
	out, err := p.verifyRemux(ctx, path, probeInfo{rotation: 0})
	if err != nil {
		return nil, err
	}
	if out.frames == 0 {
		return nil, errorf(ReasonCorrupt, nil, "transcode produced no video frame")
	}
	if out.codec != "h264" || out.profile != "High" || out.pixFmt != "yuv420p" || out.width != w || out.height != h {
		return nil, errorf(ReasonInternal, nil, "transcode produced %s %s %s %dx%d, want h264 High yuv420p %dx%d",
			out.codec, out.profile, out.pixFmt, out.width, out.height, w, h)
	}
	outAudio, err := p.probeAudio(ctx, path)
	if err != nil {
		return nil, err
	}
	want := ""
	if audio.codec != "" {
		want = "aac"
	}
	if outAudio.codec != want {
		return nil, errorf(ReasonInternal, nil, "transcode audio is %q, want %q", outAudio.codec, want)
	}
	return &PlayResult{Transcoded: true, VideoCodec: out.codec, AudioCodec: outAudio.codec,
		Width: w, Height: h, DurationMS: out.durationMS}, nil
}

// blankCompressorName zeroes, in place, the compressor name of the avc1
// sample entries of the MP4 at path: ffmpeg's muxer writes the encoder
// there ("Lavc libx264", bitexact or not), and the play file, like the
// remuxed original, names no encoder.
func blankCompressorName(path string) error {
	return editMP4(path, blankCompressors)
}

// blankCompressors is blankCompressorName on the open file.
func blankCompressors(f *os.File, size int64) error {
	var stbls []box
	n := 0
	err := walkBoxes(f, 0, size, "", 0, &n, func(b box) error {
		if b.typ == "stbl" {
			stbls = append(stbls, b)
		}
		return nil
	})
	for _, st := range stbls {
		if err == nil {
			err = walkBoxes(f, st.off+st.hdr, st.off+st.size, "stbl", st.depth+1, &n, func(b box) error {
				return blankEntryCompressor(f, b)
			})
		}
	}
	return err
}

// blankEntryCompressor zeroes the compressor name of the first sample entry
// of b when b is an stsd whose entry is avc1. The body is the full box
// header (4), the entry count (4), then the entry: size (4), type (4),
// 42 bytes of fields, and the 32-byte compressor name.
func blankEntryCompressor(f *os.File, b box) error {
	const at, size = 8 + 50, 32
	var head [16]byte
	if b.typ != "stsd" || b.size-b.hdr < at+size {
		return nil
	}
	if _, err := f.ReadAt(head[:], b.off+b.hdr); err != nil {
		return errorf(ReasonInternal, err, "mp4: read stsd")
	}
	if string(head[12:16]) != "avc1" {
		return nil
	}
	if _, err := f.WriteAt(make([]byte, size), b.off+b.hdr+at); err != nil {
		return errorf(ReasonInternal, err, "mp4: write")
	}
	return nil
}
