package upload

import (
	"bytes"
	"errors"
	"mime/multipart"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wxalbum/mediad/process"
)

// TestFitsBeforeTheKindIsKnown: a file whose kind has not arrived is
// refused before it is stored only when no kind could take it.
func TestFitsBeforeTheKindIsKnown(t *testing.T) {
	for _, c := range []struct {
		kind Kind
		f    process.Format
		want bool
	}{
		{"", process.FormatJPEG, true},
		{"", process.FormatMP4, true},
		{"", process.FormatUnknown, false},
		{KindAvatar, process.FormatMP4, false},
		{KindVideo, process.FormatMOV, true},
	} {
		if got := fits(c.kind, c.f); got != c.want {
			t.Errorf("fits(%q, %q) = %v, want %v", c.kind, c.f, got, c.want)
		}
	}
}

func TestMaxSizeAnyIsTheLargestKindLimit(t *testing.T) {
	c := Config{MaxPhoto: 3, MaxAvatar: 9, MaxCover: 2, MaxVideo: 5}
	if got := c.MaxSizeAny(); got != 9 {
		t.Errorf("MaxSizeAny = %d, want 9", got)
	}
	if d := (Config{}).Defaults(); d.MaxSizeAny() != d.MaxVideo {
		t.Errorf("default MaxSizeAny = %d, want the video limit %d", d.MaxSizeAny(), d.MaxVideo)
	}
}

// TestStagingLimit: a file stored before its fields are all known is
// bounded by the kind known so far (the query's), else by the largest.
func TestStagingLimit(t *testing.T) {
	c := Config{MaxPhoto: 3, MaxAvatar: 9, MaxCover: 2, MaxVideo: 5}
	for k, want := range map[Kind]int64{"": 9, KindPhoto: 3, KindCover: 2, KindVideo: 5, KindAvatar: 9} {
		if got := c.stagingLimit(k); got != want {
			t.Errorf("stagingLimit(%q) = %d, want %d", k, got, want)
		}
	}
}

// TestReadFieldsCountsTheKnownFieldsBeforeTheFile: Create takes the
// fields-first path only when a known form field came before the file;
// the fields after it are read into the same map, over the query's.
func TestReadFieldsCountsTheKnownFieldsBeforeTheFile(t *testing.T) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("note", "ignored")
	fw, _ := w.CreateFormFile("file", "a.jpg")
	fw.Write([]byte("bytes"))
	w.WriteField("album_id", "form")
	w.WriteField("visibility", "only_me")
	w.Close()

	fields := map[string]string{"kind": "photo", "album_id": "query", "visibility": ""}
	mr := multipart.NewReader(&buf, w.Boundary())
	file, n, err := readFields(mr, fields)
	if err != nil || file == nil || n != 0 {
		t.Fatalf("before the file: part %v, %d known fields, err %v; want the file after 0", file, n, err)
	}
	more, n, err := readFields(mr, fields)
	if err != nil || more != nil || n != 2 {
		t.Fatalf("after the file: part %v, %d known fields, err %v; want the end after 2", more, n, err)
	}
	want := map[string]string{"kind": "photo", "album_id": "form", "visibility": "only_me"}
	if !cmp.Equal(want, fields) {
		t.Errorf("fields (-want +got):\n%s", cmp.Diff(want, fields))
	}
}

func TestWithFields(t *testing.T) {
	alb := "a1"
	base := Input{OwnerID: "u", Network: "n", SizeHint: 7, IdempotencyKey: "k"}
	got, err := withFields(base, map[string]string{"kind": "photo", "album_id": alb, "visibility": "only_me"})
	want := Input{OwnerID: "u", Network: "n", SizeHint: 7, IdempotencyKey: "k", Kind: KindPhoto, AlbumID: &alb, Visibility: OnlyMe}
	if err != nil || !cmp.Equal(want, got) {
		t.Errorf("withFields (-want +got), err %v:\n%s", err, cmp.Diff(want, got))
	}
	for _, f := range []map[string]string{{"kind": ""}, {"kind": "poster"}} {
		if _, err := withFields(base, f); !errors.Is(err, ErrBadKind) {
			t.Errorf("withFields(%v): %v, want ErrBadKind", f, err)
		}
	}
	if _, err := withFields(base, map[string]string{"kind": "photo", "visibility": "public"}); !errors.Is(err, ErrBadVisibility) {
		t.Errorf("visibility public: %v, want ErrBadVisibility", err)
	}
}
