package upload

// Fuzz targets for what the upload API parses from clients: the Range
// header of a media download and the opaque list cursor.

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func FuzzParseRange(f *testing.F) {
	for _, h := range []string{"", "bytes=0-9", "bytes=90-", "bytes=-10", "bytes=-1000", "bytes=50-5000",
		"bytes=100-", "bytes=9-3", "bytes=0-1,5-6", "items=0-1", "bytes=abc-def", "bytes=-0", "bytes=+5-",
		"bytes=9223372036854775807-", "bytes=-9223372036854775807", "bytes=0-", "bytes= 1-2"} {
		f.Add(h, int64(100))
		f.Add(h, int64(0))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 { // a stored object's size
			size = -(size + 1)
		}
		rng, status := parseRange(h, size)
		if rng == nil {
			switch status {
			case fiber.StatusOK: // no range, or one we ignore: the whole file
			case fiber.StatusRequestedRangeNotSatisfiable:
				// Only a well-formed "bytes=a-[b]" starting past the end.
				a, _, _ := strings.Cut(strings.TrimPrefix(h, "bytes="), "-")
				if n, err := strconv.ParseInt(a, 10, 64); err != nil || n < size || !strings.HasPrefix(h, "bytes=") {
					t.Fatalf("parseRange(%q, %d) = 416 for a range that does not start past the end", h, size)
				}
			default:
				t.Fatalf("parseRange(%q, %d): status %d without a range", h, size, status)
			}
			return
		}
		if status != fiber.StatusPartialContent {
			t.Fatalf("parseRange(%q, %d) = %+v with status %d, want 206", h, size, *rng, status)
		}
		if rng.Start < 0 || rng.Start > rng.End || rng.End >= size {
			t.Fatalf("parseRange(%q, %d) = %+v: not inside the file", h, size, *rng)
		}
		// The range is the one asked for, cut at the end of the file.
		a, b, _ := strings.Cut(strings.TrimPrefix(h, "bytes="), "-")
		if a == "" {
			n, _ := strconv.ParseInt(b, 10, 64)
			if rng.End != size-1 || rng.End-rng.Start+1 != min(n, size) {
				t.Fatalf("parseRange(%q, %d) = %+v: not the last %d bytes", h, size, *rng, n)
			}
		} else if n, _ := strconv.ParseInt(a, 10, 64); rng.Start != n {
			t.Fatalf("parseRange(%q, %d) = %+v: does not start at %d", h, size, *rng, n)
		}
	})
}

func FuzzParseCursor(f *testing.F) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 123456000, time.UTC)
	valid := Cursor{At: at, ID: "0123456789abcdef0123456789abcdef", By: OrderUploaded}
	taken := Cursor{At: at, ID: valid.ID, By: OrderTaken}
	for _, s := range []string{"", valid.String(), taken.String(), "!!", "bm90LWEtY3Vyc29y", Cursor{At: at, ID: "short"}.String(),
		Cursor{At: time.UnixMicro(-1 << 63), ID: valid.ID}.String()} {
		f.Add(s, at.UnixMicro(), false)
		f.Add(s, at.UnixMicro(), true)
	}
	f.Fuzz(func(t *testing.T, s string, us int64, byTaken bool) {
		o, other := OrderUploaded, OrderTaken
		if byTaken {
			o, other = other, o
		}
		// Whatever the server accepts, it would have made itself: the
		// cursor re-encodes to a string that parses back to it.
		if c, err := ParseCursor(s, o); err == nil {
			if (c.ID == "") != (s == "") || c.By != o {
				t.Fatalf("ParseCursor(%q, %s) = %+v", s, o, c)
			}
			back, err := ParseCursor(c.String(), o)
			if err != nil || back != c {
				t.Fatalf("ParseCursor(%q) = %+v; its String %q parses to %+v, %v", s, c, c.String(), back, err)
			}
		}
		// Every cursor the server makes (microsecond times) parses back,
		// and only for the order it was made for.
		c := Cursor{At: time.UnixMicro(us).UTC(), ID: valid.ID, By: o}
		if back, err := ParseCursor(c.String(), o); err != nil || back != c {
			t.Fatalf("cursor at %d µs: %q parses to %+v, %v", us, c.String(), back, err)
		}
		if _, err := ParseCursor(c.String(), other); err == nil {
			t.Fatalf("a %s cursor was accepted for order %s", o, other)
		}
	})
}
