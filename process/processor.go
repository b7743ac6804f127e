package process

import (
	"bytes"
	"context"
	"image"
	"time"
)

// Processor turns uploads into servable, metadata-free files. It holds the
// Options and the decode budget shared by all its goroutines; safe for
// concurrent use.
type Processor struct {
	o      Options
	budget *budget
}

// New validates o and returns a Processor.
func New(o Options) (*Processor, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Processor{o: o, budget: newBudget(o.DecodeBudgetBytes)}, nil
}

// ImageResult is everything derived from one image upload.
type ImageResult struct {
	Original             []byte // stripped file, served as the "original"
	OriginalType         string // content type of Original (HEIC is served as image/jpeg)
	Thumb, Preview, Card []byte // JPEGs without metadata (an RGB ICC profile at most)
	Width, Height        int    // upright dimensions of the original
	Placeholder          string // base64 ThumbHash
	// TakenAt is the EXIF capture time (DateTimeOriginal, in its recorded
	// offset or else Options.TimeZone); zero when the file has none. It is
	// read before stripping and is not in any served byte.
	TakenAt time.Time
}

// imageJob is the state passed along the image pipeline.
type imageJob struct {
	raw     []byte
	source  Format // the uploaded format (format becomes JPEG for HEIC)
	format  Format
	data    []byte // bytes in a decodable format (HEIC converted to JPEG)
	cfg     image.Config
	orient  int
	icc     []byte
	img     image.Image
	release func()
	res     ImageResult
}

// step is one stage of the pipeline; order matters and is fixed below.
type step func(p *Processor, ctx context.Context, j *imageJob) error

// imagePipeline: sniff, make HEIC decodable, check limits before any pixel is
// decoded, read capture time and orientation before stripping (stripping
// removes them), strip, decode once under the budget, derive.
var imagePipeline = []step{
	stepDetect, stepHEIC, stepLimits, stepCaptureTime, stepOrientation, stepStrip, stepDecode, stepDerive,
}

// Image validates, strips and derives an uploaded image. Errors are *Error;
// see Reason and Permanent.
func (p *Processor) Image(ctx context.Context, raw []byte) (*ImageResult, error) {
	j := &imageJob{raw: raw, orient: 1}
	defer func() {
		if j.release != nil {
			j.release()
		}
	}()
	for _, s := range imagePipeline {
		if err := ctx.Err(); err != nil {
			return nil, errorf(ReasonInternal, err, "image")
		}
		if err := guard(func() error { return s(p, ctx, j) }); err != nil {
			return nil, err
		}
	}
	return &j.res, nil
}

// guard runs one step of a pipeline and turns a panic (a parser that
// trusted a length it should not have) into a corrupt-input error, so
// hostile bytes fail their item instead of killing or wedging the worker.
func guard(step func() error) (err error) {
	defer recoverCorrupt(&err)
	return step()
}

func stepDetect(_ *Processor, _ context.Context, j *imageJob) error {
	j.format = Detect(j.raw[:min(len(j.raw), 512)])
	j.source = j.format
	if !j.format.IsImage() {
		return errorf(ReasonUnsupportedType, nil, "content is %q, not an accepted image", j.format)
	}
	j.data = j.raw
	j.res.OriginalType = j.format.ContentType()
	return nil
}

// stepHEIC checks the declared and the coded sizes, then converts to JPEG
// in a bounded child process: HEIC is never served as uploaded, and from
// here on it is handled as a JPEG.
func stepHEIC(p *Processor, ctx context.Context, j *imageJob) error {
	if j.format != FormatHEIC {
		return nil
	}
	w, h, err := p.heicLimits(j.raw)
	if err != nil {
		return err
	}
	release, err := p.budget.acquire(ctx, p.o.decodeBytes(w, h))
	if err != nil {
		return err
	}
	defer release()
	if j.data, err = p.heicToJPEG(ctx, j.raw, w, h); err != nil {
		return err
	}
	j.format, j.res.OriginalType = FormatJPEG, "image/jpeg"
	j.orient = 0 // heif-convert output is upright: never honour its EXIF
	return nil
}

func stepLimits(p *Processor, _ context.Context, j *imageJob) error {
	cfg, err := decodeConfig(j.format, j.data)
	if err != nil {
		return err
	}
	j.cfg = cfg
	return p.o.checkLimits(cfg.Width, cfg.Height)
}

func stepOrientation(_ *Processor, _ context.Context, j *imageJob) error {
	if j.format != FormatJPEG || j.orient == 0 {
		j.orient = 1
		return nil
	}
	o, err := ReadOrientation(j.data)
	j.orient = o
	return err
}

func stepStrip(_ *Processor, _ context.Context, j *imageJob) error {
	var buf bytes.Buffer
	buf.Grow(len(j.data))
	var err error
	switch j.format {
	case FormatJPEG:
		err = StripJPEG(&buf, j.data, j.orient)
		j.icc = sanitizeICC(jpegICC(j.data))
	case FormatPNG:
		err = StripPNG(&buf, j.data)
		j.icc = sanitizeICC(pngICC(j.data))
	case FormatWebP:
		err = StripWebP(&buf, j.data)
		j.icc = sanitizeICC(webpICC(j.data))
	case FormatGIF:
		err = StripGIF(&buf, j.data)
	}
	if err != nil {
		return err
	}
	j.res.Original = buf.Bytes()
	j.res.Width, j.res.Height = upright(j.cfg.Width, j.cfg.Height, j.orient)
	return nil
}

// stepDecode decodes the stripped file (what will be served), once, while
// holding its share of the decode budget until the job ends; a JPEG at
// the smallest scale that still covers every derivative (jpegDenom).
func stepDecode(p *Processor, ctx context.Context, j *imageJob) error {
	release, err := p.budget.acquire(ctx, p.o.decodeBytes(j.cfg.Width, j.cfg.Height))
	if err != nil {
		return err
	}
	j.release = release
	denom := 1
	if j.format == FormatJPEG {
		denom = p.o.jpegDenom(j.cfg.Width, j.cfg.Height, j.orient)
	}
	j.img, err = decode(j.format, j.res.Original, denom)
	return err
}

func stepDerive(p *Processor, _ context.Context, j *imageJob) error {
	d := p.o.derive(j.format, j.img, j.cfg.Width, j.cfg.Height, j.orient)
	var err error
	if j.res.Thumb, err = encodeJPEG(d.thumb, p.o.ThumbQuality, j.icc); err != nil {
		return err
	}
	if j.res.Preview, err = encodeJPEG(d.preview, p.o.PreviewQuality, j.icc); err != nil {
		return err
	}
	if j.res.Card, err = encodeJPEG(d.card, p.o.PreviewQuality, j.icc); err != nil {
		return err
	}
	j.res.Placeholder = placeholder(d.thumb)
	return nil
}
