package upload

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wxalbum/mediad/internal/blob"
)

// fakeReads is the storage a file request meets: Get answers from a
// 100-byte object with ETag "e1" the way MinIO does (read_test.go in
// internal/blob pins that), and every call is recorded.
type fakeReads struct {
	Blobs // only Get and Stat are called
	size  int64
	gets  []blob.Read
	stats int
	open  []*closeCounter
}

func (f *fakeReads) Get(_ context.Context, _ string, r blob.Read) (*blob.Object, error) {
	f.gets = append(f.gets, r)
	switch {
	case r.IfNoneMatch == "e1":
		return nil, blob.ErrNotModified
	case r.IfMatch != "" && r.IfMatch != "e1":
		return nil, blob.ErrPrecondition
	}
	o := &blob.Object{Info: blob.Info{Size: f.size, ETag: "e1"}, Length: f.size}
	if r.Range != nil {
		rng, status := resolve(r.Range, f.size)
		if status != 206 {
			return nil, blob.ErrRangeNotSatisfiable
		}
		o.Start, o.Length, o.Partial = rng.Start, rng.End-rng.Start+1, true
	}
	c := &closeCounter{Reader: strings.NewReader(strings.Repeat("x", int(o.Length)))}
	f.open, o.Body = append(f.open, c), c
	return o, nil
}

func (f *fakeReads) Stat(context.Context, string) (blob.Info, error) {
	f.stats++
	return blob.Info{Size: f.size, ETag: "e1"}, nil
}

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

// answer is what a test compares of a served answer.
type answer struct {
	Status        int
	Start, Length int64
	ETag          string
	Size          int64
	Gets, Stats   int
}

func TestReadServed(t *testing.T) {
	for name, c := range map[string]struct {
		size int64
		q    fileQuery
		want answer
	}{
		"whole":                  {100, fileQuery{}, answer{Status: 200, Length: 100, Gets: 1}},
		"a range":                {100, fileQuery{rng: &blob.Range{Start: 10, End: 19}}, answer{Status: 206, Start: 10, Length: 10, Gets: 1}},
		"the last 5 bytes":       {100, fileQuery{rng: &blob.Range{Start: -5}}, answer{Status: 206, Start: 95, Length: 5, Gets: 1}},
		"from 0 to the end":      {100, fileQuery{rng: &blob.Range{Start: 0, End: -1}}, answer{Status: 206, Length: 100, Gets: 1}},
		"past the end":           {100, fileQuery{rng: &blob.Range{Start: 100, End: -1}}, answer{Status: 416, Size: 100, Gets: 1, Stats: 1}},
		"any range of nothing":   {0, fileQuery{rng: &blob.Range{Start: 0, End: -1}}, answer{Status: 200, Gets: 2, Stats: 1}},
		"storage says 304":       {100, fileQuery{noneMatch: []string{"e1"}}, answer{Status: 304, ETag: "e1", Gets: 1}},
		"304 before the range":   {100, fileQuery{noneMatch: []string{"e1"}, rng: &blob.Range{Start: 1, End: 2}}, answer{Status: 304, ETag: "e1", Gets: 1}},
		"list holding the etag":  {100, fileQuery{noneMatch: []string{"e0", "e1"}}, answer{Status: 304, ETag: "e1", Gets: 1}},
		"star":                   {100, fileQuery{anyMatch: true}, answer{Status: 304, ETag: "e1", Gets: 1}},
		"another etag":           {100, fileQuery{noneMatch: []string{"e0"}}, answer{Status: 200, Length: 100, Gets: 1}},
		"if-range matches":       {100, fileQuery{rng: &blob.Range{Start: 5, End: 9}, ifRange: "e1"}, answer{Status: 206, Start: 5, Length: 5, Gets: 1}},
		"if-range is stale":      {100, fileQuery{rng: &blob.Range{Start: 5, End: 9}, ifRange: "e0"}, answer{Status: 200, Length: 100, Gets: 2}},
		"stale, then 304":        {100, fileQuery{rng: &blob.Range{Start: 5, End: 9}, ifRange: "e0", noneMatch: []string{"e1"}}, answer{Status: 304, ETag: "e1", Gets: 1}},
		"stale if-range, at end": {100, fileQuery{rng: &blob.Range{Start: 500, End: -1}, ifRange: "e0"}, answer{Status: 200, Length: 100, Gets: 2}},
	} {
		f := &fakeReads{size: c.size}
		s := &Service{blobs: f}
		sv, err := s.readServed(context.Background(), "k", c.q)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := answer{Status: sv.status, ETag: sv.etag, Size: sv.size, Gets: len(f.gets), Stats: f.stats}
		if sv.obj != nil {
			got.Start, got.Length = sv.obj.Start, sv.obj.Length
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", name, diff)
		}
		// Every body opened is either handed on (closed when sent) or
		// closed here.
		for i, o := range f.open {
			handed := sv.obj != nil && i == len(f.open)-1
			if (o.closed == 1) == handed {
				t.Errorf("%s: body %d closed %d times (handed on: %v)", name, i, o.closed, handed)
			}
		}
	}
}

// TestReadServedErrors: a missing object is not found, storage down
// stays unavailable; a partial answer that is not the range asked for is
// refused, not sent.
func TestReadServedErrors(t *testing.T) {
	s := &Service{blobs: &failing{err: blob.ErrNotFound}}
	if _, err := s.readServed(context.Background(), "k", fileQuery{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing object: %v", err)
	}
	s = &Service{blobs: &failing{err: blob.ErrUnavailable}}
	if _, err := s.readServed(context.Background(), "k", fileQuery{}); !errors.Is(err, blob.ErrUnavailable) || errors.Is(err, ErrNotFound) {
		t.Errorf("storage down: %v", err)
	}
	wrong := &blob.Object{Body: io.NopCloser(strings.NewReader("")), Info: blob.Info{Size: 100}, Start: 3, Length: 10, Partial: true}
	if _, err := (fileQuery{}).answer(wrong, blob.Read{Range: &blob.Range{Start: 10, End: 19}}, nil); err == nil {
		t.Error("a partial answer at the wrong offset was accepted")
	}
}

type failing struct {
	Blobs
	err error
}

func (f failing) Get(context.Context, string, blob.Read) (*blob.Object, error) { return nil, f.err }

func TestETagHeaders(t *testing.T) {
	for h, want := range map[string]struct {
		tags []string
		any  bool
	}{
		`"a"`:             {[]string{"a"}, false},
		`W/"a"`:           {[]string{"a"}, false},
		`"a", W/"b" ,"c"`: {[]string{"a", "b", "c"}, false},
		`*`:               {nil, true},
		`a, "b"`:          {[]string{"b"}, false},
		``:                {nil, false},
	} {
		tags, any := etags(h)
		if !cmp.Equal(tags, want.tags) || any != want.any {
			t.Errorf("etags(%q) = %q, %v; want %q, %v", h, tags, any, want.tags, want.any)
		}
	}
	for h, want := range map[string]string{`"a"`: "a", `W/"a"`: "", `Tue, 01 Dec 2026 10:00:00 GMT`: "", `"`: ""} {
		if got := strongETag(h); got != want {
			t.Errorf("strongETag(%q) = %q, want %q", h, got, want)
		}
	}
}

// TestRangeSpec: what storage is asked for, before the size is known.
// (TestParseRange and FuzzParseRange check it placed in a file.)
func TestRangeSpec(t *testing.T) {
	for h, want := range map[string]*blob.Range{
		"bytes=0-9": {Start: 0, End: 9}, "bytes=90-": {Start: 90, End: -1}, "bytes=+5-": {Start: 5, End: -1},
		"bytes=0-0": {Start: 0, End: 0}, "bytes=-10": {Start: -10}, "bytes=100-": {Start: 100, End: -1},
		"": nil, "bytes=-0": nil, "bytes=9-3": nil, "bytes=0-1,5-6": nil, "items=0-1": nil, "bytes=--5": nil, "bytes=1--2": nil,
	} {
		if got := rangeSpec(h); !cmp.Equal(got, want) {
			t.Errorf("rangeSpec(%q) = %+v, want %+v", h, got, want)
		}
	}
}
