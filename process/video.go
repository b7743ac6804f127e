package process

import (
	"context"
	"io"
	"os"
	"time"
)

// maxPosterBytes bounds the poster JPEG ffmpeg may write to us.
const maxPosterBytes = 64 << 20

// VideoResult is everything derived from one video upload.
type VideoResult struct {
	Width, Height int   // display size (rotation applied)
	DurationMS    int64 // milliseconds
	Rotation      int   // clockwise display rotation kept in the file: 0, 90, 180, 270
	// Poster is the full-size, upright poster frame (~1 s in, or the first
	// frame of shorter clips); Thumb, Preview and Card derive from it. All JPEG.
	Poster, Thumb, Preview, Card []byte
	Placeholder                  string
	// TakenAt is when the video was recorded, from its container tags
	// (read before stripping); zero when it has none.
	TakenAt time.Time
}

// Video remuxes inPath into outPath (MP4, first video and first audio
// stream, no metadata, no re-encoding) and derives the poster images. On
// any error outPath is removed, so a half-stripped file is never left behind.
func (p *Processor) Video(ctx context.Context, inPath, outPath string) (res *VideoResult, err error) {
	defer func() {
		if err != nil {
			os.Remove(outPath)
		}
	}()
	defer recoverCorrupt(&err) // the box walker and probe parsing read hostile bytes
	in, err := p.probeInput(ctx, inPath)
	if err != nil {
		return nil, err
	}
	if err := p.remux(ctx, inPath, outPath, in.codec); err != nil {
		return nil, err
	}
	out, err := p.verifyRemux(ctx, outPath, in)
	if err != nil {
		return nil, err
	}
	res, err = p.posterResult(ctx, outPath, out)
	if res != nil {
		res.TakenAt = in.takenAt
	}
	return res, err
}

// probeInput checks that inPath is MP4/QuickTime content, probes it and
// applies the pixel limits, before any tool decodes it.
func (p *Processor) probeInput(ctx context.Context, inPath string) (probeInfo, error) {
	if err := sniffVideo(inPath); err != nil {
		return probeInfo{}, err
	}
	in, err := p.probe(ctx, inPath)
	if err != nil {
		return probeInfo{}, err
	}
	return in, p.o.checkLimits(in.width, in.height)
}

// sniffVideo accepts only MP4/QuickTime content.
func sniffVideo(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return errorf(ReasonInternal, err, "open video")
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF {
		return errorf(ReasonCorrupt, err, "read video head")
	}
	if f := Detect(head[:n]); !f.IsVideo() {
		return errorf(ReasonUnsupportedType, nil, "content is %q, not an accepted video", f)
	}
	return nil
}

// Paths are given to ffmpeg as "file:" URLs with the demuxer forced to
// mov/mp4, so no other protocol or demuxer (playlists, concat) can be reached
// through a crafted name or content.

// remux copies the first video and first audio stream without re-encoding.
// -map_metadata -1 (global and per stream) and bitexact drop tags, creation
// times and the encoder string; the display matrix is stream side data, not
// metadata, so ffmpeg 5.1 keeps the rotation (verified by verifyRemux).
// Inside the video bitstream, every SEI unit goes (seiFilter): user data
// there can hold encoder settings, GPS fixes and serial numbers.
func (p *Processor) remux(ctx context.Context, inPath, outPath, codec string) error {
	args := []string{"-nostdin", "-v", "error", "-y",
		"-f", "mov", "-i", "file:" + inPath,
		"-map", "0:v:0", "-map", "0:a:0?",
		"-map_metadata", "-1", "-map_metadata:s", "-1", "-map_chapters", "-1",
		"-dn", "-sn", "-c", "copy"}
	if f := seiFilter(codec); f != "" {
		args = append(args, "-bsf:v", f)
	}
	args = append(args, "-movflags", "+faststart",
		"-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
		"-f", "mp4", "file:"+outPath)
	_, err := p.run(ctx, p.o.FFmpegPath, 0, args...)
	return err
}

// verifyRemux blanks the muxer's empty user-data box, then proves with our
// own readers that no metadata box and no SEI unit is left, and with
// ffprobe that the rotation survived.
func (p *Processor) verifyRemux(ctx context.Context, outPath string, in probeInfo) (probeInfo, error) {
	if err := blankUserData(outPath); err != nil {
		return probeInfo{}, err
	}
	if err := blankConfigSEI(outPath); err != nil {
		return probeInfo{}, err
	}
	f, err := os.Open(outPath)
	if err != nil {
		return probeInfo{}, errorf(ReasonInternal, err, "open remuxed video")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return probeInfo{}, errorf(ReasonInternal, err, "stat remuxed video")
	}
	if err := CheckVideoBoxes(f, fi.Size()); err != nil {
		return probeInfo{}, err
	}
	if err := CheckVideoSEI(f, fi.Size()); err != nil {
		return probeInfo{}, err
	}
	out, err := p.probe(ctx, outPath)
	if err != nil {
		return probeInfo{}, err
	}
	if out.rotation != in.rotation {
		return probeInfo{}, errorf(ReasonStripFailed, nil, "rotation %d became %d", in.rotation, out.rotation)
	}
	return out, nil
}

// posterResult grabs the poster frame and runs it through the image pipeline.
func (p *Processor) posterResult(ctx context.Context, path string, info probeInfo) (*VideoResult, error) {
	frame, err := p.posterFrame(ctx, path, info.durationMS > 1000)
	if err != nil {
		return nil, err
	}
	img, err := p.Image(ctx, frame)
	if err != nil {
		return nil, err
	}
	w, h := info.width, info.height
	if info.rotation == 90 || info.rotation == 270 {
		w, h = h, w
	}
	return &VideoResult{
		Width: w, Height: h, DurationMS: info.durationMS, Rotation: info.rotation,
		Poster: img.Original, Thumb: img.Thumb, Preview: img.Preview, Card: img.Card,
		Placeholder: img.Placeholder,
	}, nil
}

// posterFrame extracts one frame as JPEG, 1 s in when the clip is longer
// than that. ffmpeg applies the display rotation while decoding
// (autorotate), so the frame is upright.
func (p *Processor) posterFrame(ctx context.Context, path string, seek bool) ([]byte, error) {
	args := []string{"-nostdin", "-v", "error"}
	if seek {
		args = append(args, "-ss", "1")
	}
	args = append(args, "-f", "mov", "-i", "file:"+path, "-map", "0:v:0", "-frames:v", "1", "-an",
		"-fflags", "+bitexact", "-flags:v", "+bitexact",
		"-c:v", "mjpeg", "-q:v", "2", "-pix_fmt", "yuvj420p", "-f", "image2pipe", "pipe:1")
	b, err := p.run(ctx, p.o.FFmpegPath, maxPosterBytes, args...)
	if err == nil && len(b) == 0 && seek {
		return p.posterFrame(ctx, path, false) // seek landed past the last frame
	}
	if err == nil && len(b) == 0 {
		err = errorf(ReasonCorrupt, nil, "ffmpeg produced no poster frame")
	}
	return b, err
}
