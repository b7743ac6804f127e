package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand"
	"testing"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/testenv"
)

func payload(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(b)
	return b
}

func TestPutStreamSmallAndMultipart(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	for _, n := range []int{0, 1000, 8<<20 - 1, 8 << 20, 8<<20 + 1, 21 << 20} {
		want := payload(n)
		key := "k/" + itoa(n%10000)
		got, err := s.PutStream(ctx, key, bytes.NewReader(want), "application/octet-stream")
		if err != nil || got != int64(n) {
			t.Fatalf("PutStream %d bytes: %d, %v", n, got, err)
		}
		rc, info, err := s.Open(ctx, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, want) || info.Size != int64(n) {
			t.Fatalf("%d bytes: read back %d bytes (info %d), equal=%v", n, len(b), info.Size, bytes.Equal(b, want))
		}
	}
	if err := s.PutBytes(ctx, "k/range", payload(100), ""); err != nil {
		t.Fatal(err)
	}
	rc, _, err := s.Open(ctx, "k/range", &blob.Range{Start: 10, End: 19})
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(part, payload(100)[10:20]) {
		t.Errorf("range read %d bytes", len(part))
	}
}

type failingReader struct {
	r     io.Reader
	after int
	n     int
}

var errBoom = errors.New("client went away")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n >= f.after {
		return 0, errBoom
	}
	n, err := f.r.Read(p[:min(len(p), f.after-f.n)])
	f.n += n
	return n, err
}

// TestPutStreamAbortLeavesNothing: a reader failing in the middle of a
// multipart stream leaves no object and no unfinished upload.
func TestPutStreamAbortLeavesNothing(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	for _, after := range []int{100, 8<<20 + 5, 17 << 20} {
		r := &failingReader{r: bytes.NewReader(payload(30 << 20)), after: after}
		if _, err := s.PutStream(ctx, "incoming/x", r, ""); !errors.Is(err, errBoom) {
			t.Fatalf("after %d: err = %v, want the reader's error", after, err)
		}
		if keys := testenv.Keys(t, s, ""); len(keys) != 0 {
			t.Errorf("after %d: objects left: %v", after, keys)
		}
		if ups := testenv.Incomplete(t, s, ""); len(ups) != 0 {
			t.Errorf("after %d: unfinished uploads left: %v", after, ups)
		}
	}
}

func TestNotFoundDeleteManyAndPrivateBucket(t *testing.T) {
	s := testenv.Blob(t)
	ctx := context.Background()
	if _, _, err := s.Open(ctx, "missing", nil); !blob.IsNotFound(err) {
		t.Errorf("Open missing: %v", err)
	}
	if _, err := s.Stat(ctx, "missing"); !blob.IsNotFound(err) {
		t.Errorf("Stat missing: %v", err)
	}
	if err := s.Delete(ctx, "missing"); err != nil {
		t.Errorf("Delete missing: %v", err)
	}
	var keys []string
	for i := 0; i < 1500; i++ {
		k := "many/" + string(rune('a'+i%26)) + "/" + itoa(i)
		keys = append(keys, k)
		if err := s.PutBytes(ctx, k, []byte("x"), "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.DeleteMany(ctx, keys); err != nil || n != 1500 {
		t.Fatalf("DeleteMany = %d, %v", n, err)
	}
	if left := testenv.Keys(t, s, "many/"); len(left) != 0 {
		t.Errorf("%d objects left", len(left))
	}
	pol, err := s.Client().GetBucketPolicy(ctx, s.Bucket())
	if err != nil || pol != "" {
		t.Errorf("bucket policy = %q, %v; want none (private)", pol, err)
	}
}

func itoa(i int) string {
	return string([]byte{byte('0' + i/1000%10), byte('0' + i/100%10), byte('0' + i/10%10), byte('0' + i%10)})
}
