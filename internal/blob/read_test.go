package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/testenv"
)

// TestGetRangesAndConditions pins what MinIO answers to the reads /f/
// makes, so the server's range and ETag handling rests on facts.
func TestGetRangesAndConditions(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	body := payload(100)
	if err := s.PutBytes(ctx, "r/100", body, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBytes(ctx, "r/empty", nil, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	whole := mustGet(t, s, "r/100", blob.Read{})
	if whole.got.Partial || whole.got.Length != 100 || whole.got.Info.Size != 100 || whole.got.Info.ETag == "" ||
		whole.got.Info.ContentType != "image/jpeg" || !bytes.Equal(whole.bytes, body) {
		t.Fatalf("whole read: %+v, %d bytes", whole.got, len(whole.bytes))
	}
	etag := whole.got.Info.ETag
	type part struct{ Start, Length, Size int64 }
	for name, c := range map[string]struct {
		rng  blob.Range
		want part
	}{
		"a-b":                {blob.Range{Start: 10, End: 19}, part{10, 10, 100}},
		"a-b past the end":   {blob.Range{Start: 90, End: 500}, part{90, 10, 100}},
		"a-":                 {blob.Range{Start: 95, End: -1}, part{95, 5, 100}},
		"0-":                 {blob.Range{Start: 0, End: -1}, part{0, 100, 100}},
		"last n":             {blob.Range{Start: -7}, part{93, 7, 100}},
		"last n beyond size": {blob.Range{Start: -1000}, part{0, 100, 100}},
		"one byte":           {blob.Range{Start: 99, End: 99}, part{99, 1, 100}},
	} {
		r := mustGet(t, s, "r/100", blob.Read{Range: &c.rng})
		got := part{r.got.Start, r.got.Length, r.got.Info.Size}
		if diff := cmp.Diff(c.want, got); diff != "" || !r.got.Partial {
			t.Errorf("%s: (-want +got)\n%s (partial %v)", name, diff, r.got.Partial)
		}
		if !bytes.Equal(r.bytes, body[c.want.Start:c.want.Start+c.want.Length]) {
			t.Errorf("%s: wrong bytes", name)
		}
	}
	for name, c := range map[string]struct {
		key  string
		read blob.Read
		want error
	}{
		"start past the end":   {"r/100", blob.Read{Range: &blob.Range{Start: 100, End: -1}}, blob.ErrRangeNotSatisfiable},
		"any range of nothing": {"r/empty", blob.Read{Range: &blob.Range{Start: 0, End: -1}}, blob.ErrRangeNotSatisfiable},
		"etag matches":         {"r/100", blob.Read{IfNoneMatch: etag}, blob.ErrNotModified},
		"etag matches, ranged": {"r/100", blob.Read{IfNoneMatch: etag, Range: &blob.Range{Start: 1, End: 2}}, blob.ErrNotModified},
		"if-match fails":       {"r/100", blob.Read{IfMatch: "0123", Range: &blob.Range{Start: 1, End: 2}}, blob.ErrPrecondition},
		"missing":              {"r/missing", blob.Read{}, blob.ErrNotFound},
		"missing, ranged":      {"r/missing", blob.Read{Range: &blob.Range{Start: 5, End: -1}}, blob.ErrNotFound},
	} {
		if _, err := s.Get(ctx, c.key, c.read); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
	if r := mustGet(t, s, "r/100", blob.Read{IfNoneMatch: "other", IfMatch: etag, Range: &blob.Range{Start: 1, End: 2}}); r.got.Length != 2 {
		t.Errorf("other ETag, matching If-Match: %+v", r.got)
	}
}

type read struct {
	got   *blob.Object
	bytes []byte
}

func mustGet(t *testing.T, s *blob.Store, key string, r blob.Read) read {
	t.Helper()
	o, err := s.Get(context.Background(), key, r)
	if err != nil {
		t.Fatalf("Get %s %+v: %v", key, r, err)
	}
	defer o.Body.Close()
	b, err := io.ReadAll(o.Body)
	if err != nil || int64(len(b)) != o.Length {
		t.Fatalf("Get %s: read %d bytes of %d: %v", key, len(b), o.Length, err)
	}
	return read{o, b}
}

// TestGetWhenStorageIsDown: a dead endpoint is ErrUnavailable (503), never
// "not found".
func TestGetWhenStorageIsDown(t *testing.T) {
	cfg := testenv.BlobConfig(t)
	cfg.Endpoint = "127.0.0.1:1"
	s, err := blob.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(context.Background(), "k", blob.Read{Range: &blob.Range{Start: 0, End: 9}})
	if !errors.Is(err, blob.ErrUnavailable) || errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get on a dead endpoint: %v, want ErrUnavailable", err)
	}
}
