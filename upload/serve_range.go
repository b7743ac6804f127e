package upload

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/blob"
)

// ErrRangeNotSatisfiable answers a Range that starts past the end of the
// file (with Content-Range "bytes */<size>").
var ErrRangeNotSatisfiable = apperr.New(http.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable",
	"The requested range starts past the end of the file.")

// rangeSpec reads a single "bytes=a-b", "bytes=a-" or "bytes=-n" range
// without knowing the size, in blob.Range's form (Start -n: the last n
// bytes; End -1: to the end). Anything else is nil: the whole file is
// served (200), as RFC 9110 allows for ranges a server does not support.
func rangeSpec(h string) *blob.Range {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil
	}
	a, b, _ := strings.Cut(spec, "-")
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return nil
		}
		return &blob.Range{Start: -n}
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return nil
	}
	end := int64(-1) // "a-": to the end, whatever the size
	if b != "" {
		if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
			return nil
		}
	}
	return &blob.Range{Start: start, End: end}
}

// resolve places a range spec in a file of size bytes: the bytes to send
// with 206, nil with 200 (no range, or an empty file), or nil with 416
// for a range starting past the end.
func resolve(r *blob.Range, size int64) (*blob.Range, int) {
	if r == nil || size == 0 {
		return nil, fiber.StatusOK
	}
	if r.Start < 0 {
		return &blob.Range{Start: max(0, size+r.Start), End: size - 1}, fiber.StatusPartialContent
	}
	if r.Start >= size {
		return nil, fiber.StatusRequestedRangeNotSatisfiable
	}
	end := r.End
	if end < 0 || end >= size {
		end = size - 1
	}
	return &blob.Range{Start: r.Start, End: end}, fiber.StatusPartialContent
}

// parseRange is rangeSpec placed in a file of size bytes.
func parseRange(h string, size int64) (*blob.Range, int) { return resolve(rangeSpec(h), size) }

// etags reads an If-None-Match list: its opaque tags, unquoted and with
// any W/ dropped (If-None-Match compares weakly), and whether it is "*".
func etags(h string) (tags []string, any bool) {
	for _, t := range strings.Split(h, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" {
			return nil, true
		}
		if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
			tags = append(tags, t[1:len(t)-1])
		}
	}
	return tags, false
}

// strongETag is the opaque tag of a strong entity tag ("" for a weak tag
// or a date): If-Range matches only a strong tag.
func strongETag(h string) string {
	if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' {
		return h[1 : len(h)-1]
	}
	return ""
}
