package upload

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"testing"

	"github.com/wxalbum/mediad/internal/blob"
)

// TestRunningSumMatchesListedParts: the ETags recorded from part uploads
// come without quotes, a listing of the parts quotes them; they are the
// same parts, so completion uses the running hash instead of reading the
// object back. A part stored with other bytes (another ETag) is not.
func TestRunningSumMatchesListedParts(t *testing.T) {
	p1, p2 := part(1, 100), part(2, 50)
	h := sha256.New()
	h.Write(p1)
	h.Write(p2)
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c := &Chunked{HashedParts: 2, HashState: state, HashETags: []string{"aaa", "bbb"}, Format: "mp4"}
	listed := []blob.Part{{Number: 1, Size: 100, ETag: `"aaa"`}, {Number: 2, Size: 50, ETag: `"bbb"`}}
	sum, format, ok := runningSum(c, listed)
	if !ok || format != "mp4" || !bytes.Equal(sum, want(p1, p2)) {
		t.Fatalf("runningSum = %x, %q, %v; want the hash of both parts", sum, format, ok)
	}
	listed[1].ETag = `"ccc"`
	if _, _, ok := runningSum(c, listed); ok {
		t.Fatal("a re-sent part with other bytes was trusted")
	}
}
