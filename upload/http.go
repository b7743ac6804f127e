package upload

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/httpx"
)

// Handler exposes uploads and media over HTTP. Handlers parse and copy what
// they need from the request, then call the Service with plain values.
type Handler struct {
	svc     *Service
	userID  func(*fiber.Ctx) string
	baseURL string
}

// NewHandler returns the HTTP handlers; userID reads the signed-in user
// set by the auth middleware, baseURL prefixes signed media URLs.
func NewHandler(svc *Service, userID func(*fiber.Ctx) string, baseURL string) *Handler {
	return &Handler{svc: svc, userID: userID, baseURL: strings.TrimRight(baseURL, "/")}
}

// Fasthttp has no request cancellation, so every handler bounds its own work.
func bounded(c *fiber.Ctx, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), d)
}

// body is an upload's body, stopped when it arrives slower than the
// minimum rate (httpx.MinRateBody).
func (h *Handler) body(c *fiber.Ctx) io.Reader {
	cfg := h.svc.cfg
	return httpx.MinRateBody(c, cfg.MinRate*int64(cfg.RateWindow/time.Second), cfg.RateWindow)
}

// Create handles POST /v1/media (multipart/form-data, wx.uploadFile). The
// fields kind, album_id and visibility come as form fields or in the query
// string; a form field overrides the query parameter of the same name (and
// a later form field an earlier one), wherever it stands relative to the
// file part. wx.uploadFile does not fix the order of its formData and the
// file, so either order works:
//   - fields first (a form field before the file part, and the kind known
//     there, from a field or the query): the kind's limit, album rights and
//     quota apply before the file is streamed straight to storage
//     (Service.Upload); the body after the file part is not read.
//   - otherwise (the file part before any form field, even when the query
//     names the kind, or no kind yet): fields may still follow, so the file
//     streams under the query's kind's limit (the largest limit when no
//     kind is known), the rest of the body is read, and the final fields
//     are then checked as above before the item is recorded
//     (Service.UploadLate).
//
// A client sends its fields together, before or after the file: a known
// field after the file when others came before it is refused
// (ErrFieldsSplit) before the item is recorded, never ignored.
// A refused upload's connection is closed by the error handler, so an
// unread rest of the body is never parsed as another request.
func (h *Handler) Create(c *fiber.Ctx) error {
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return ErrEncoded
	}
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return apperr.Invalidf("The body must be multipart/form-data with a file field.")
	}
	fields := map[string]string{"kind": c.Query("kind"), "album_id": c.Query("album_id"), "visibility": c.Query("visibility")}
	mr := multipart.NewReader(h.body(c), params["boundary"])
	ctx, cancel := bounded(c, 15*time.Minute)
	defer cancel()
	file, before, err := readFields(mr, fields)
	switch {
	case err != nil:
		return err
	case file == nil:
		return ErrNoFile
	case before == 0 || fields["kind"] == "":
		return h.createLate(ctx, c, mr, file, fields)
	}
	in, err := h.input(c, fields)
	if err != nil {
		return err
	}
	m, dup, err := h.svc.Upload(ctx, in, &noFieldsAfter{part: file, mr: mr})
	if err != nil {
		return err
	}
	return h.created(c, m, dup)
}

// createLate uploads a file part that came before its fields, or before
// the kind: the fields after it are read once the file is stored, over
// those known so far (the query's, an earlier field's). The kind known so
// far, if valid, bounds what is stored; the final one is checked after.
func (h *Handler) createLate(ctx context.Context, c *fiber.Ctx, mr *multipart.Reader, file *multipart.Part, fields map[string]string) error {
	base, err := h.caller(c, Input{})
	if err != nil {
		return err
	}
	base.Kind, _ = ParseKind(fields["kind"]) // "" when unknown or not a kind
	rest := func() (Input, error) {
		more, _, err := readFields(mr, fields)
		switch {
		case err != nil:
			return Input{}, err
		case more != nil:
			return Input{}, apperr.Invalidf("The multipart body must have one file field.")
		}
		return withFields(base, fields)
	}
	m, dup, err := h.svc.UploadLate(ctx, base, file, rest)
	if err != nil {
		return err
	}
	return h.created(c, m, dup)
}

// readFields reads form fields into fields up to the next file part, which
// it returns (nil at the end of the body), with how many of the fields it
// read were known ones (kind, album_id, visibility).
func readFields(mr *multipart.Reader, fields map[string]string) (*multipart.Part, int, error) {
	n := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, n, nil
		}
		if err != nil {
			return nil, n, ErrTruncated
		}
		if part.FormName() == "file" {
			return part, n, nil
		}
		if _, known := fields[part.FormName()]; known {
			n++
		}
		if err := readField(part, fields); err != nil {
			return nil, n, err
		}
	}
}

func readField(p *multipart.Part, fields map[string]string) error {
	name := p.FormName()
	if _, known := fields[name]; !known {
		_, err := io.Copy(io.Discard, io.LimitReader(p, 1<<10))
		return err
	}
	b, err := io.ReadAll(io.LimitReader(p, 256))
	if err != nil {
		return ErrTruncated
	}
	fields[name] = strings.TrimSpace(string(b))
	return nil
}

// input is the Input of a request whose fields are known: the fields
// are checked first, then the request's headers.
func (h *Handler) input(c *fiber.Ctx, f map[string]string) (Input, error) {
	in, err := withFields(Input{}, f)
	if err != nil {
		return Input{}, err
	}
	return h.caller(c, in)
}

// caller completes in with what the request says before any field: the
// uploader, their network, the body's length and the Idempotency-Key.
func (h *Handler) caller(c *fiber.Ctx, in Input) (Input, error) {
	key, err := ParseIdempotencyKey(c.Get("Idempotency-Key"))
	if err != nil {
		return Input{}, err
	}
	in.OwnerID, in.Network, in.IdempotencyKey = h.userID(c), httpx.TruncateIP(c.IP()), key
	in.SizeHint = int64(max(c.Request().Header.ContentLength(), 0))
	return in, nil
}

// withFields completes in with the fields kind, visibility and album_id.
func withFields(in Input, f map[string]string) (Input, error) {
	if f["kind"] == "" {
		return Input{}, ErrBadKind.WithMessage("kind is required, as a form field or in the query.")
	}
	k, err := ParseKind(f["kind"])
	if err != nil {
		return Input{}, err
	}
	v, err := ParseVisibility(f["visibility"])
	if err != nil {
		return Input{}, err
	}
	in.Kind, in.Visibility, in.AlbumID = k, v, nil
	if a := f["album_id"]; a != "" {
		in.AlbumID = &a
	}
	return in, nil
}

func (h *Handler) created(c *fiber.Ctx, m *Media, dup bool) error {
	status := fiber.StatusAccepted
	if dup {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(fiber.Map{"media": h.view(m, h.userID(c)), "duplicate": dup})
}

// Get handles GET /v1/media/:id.
func (h *Handler) Get(c *fiber.Ctx) error {
	ctx, cancel := bounded(c, 10*time.Second)
	defer cancel()
	m, err := h.svc.Get(ctx, c.Params("id"), h.userID(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"media": h.view(m, h.userID(c))})
}

// Delete handles DELETE /v1/media/:id.
func (h *Handler) Delete(c *fiber.Ctx) error {
	ctx, cancel := bounded(c, 10*time.Second)
	defer cancel()
	if err := h.svc.Delete(ctx, c.Params("id"), h.userID(c)); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": StatusDeleting})
}

func partNumber(c *fiber.Ctx) (int, error) {
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return 0, ErrBadPart
	}
	return n, nil
}

// ErrFieldsSplit: some known fields before the file part and some after it.
var ErrFieldsSplit = apperr.Invalidf("Send kind, album_id and visibility all before the file part or all after it.")

// noFieldsAfter is the file part of a fields-first body. At the file's end
// it reads the rest of the body, and a known field there (a visibility sent
// after the file, say) fails the upload before its row is written instead
// of being ignored; so does a second file.
type noFieldsAfter struct {
	part io.Reader
	mr   *multipart.Reader
	done bool
}

func (r *noFieldsAfter) Read(p []byte) (int, error) {
	n, err := r.part.Read(p)
	if !errors.Is(err, io.EOF) || r.done {
		return n, err
	}
	r.done = true
	more, known, err := readFields(r.mr, map[string]string{"kind": "", "album_id": "", "visibility": ""})
	switch {
	case err != nil:
		return n, err
	case more != nil:
		return n, apperr.Invalidf("The multipart body must have one file field.")
	case known > 0:
		return n, ErrFieldsSplit
	}
	return n, io.EOF
}
