package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"testing"
	"time"
)

// sumOf returns the SHA-256 a saved hash state stands for.
func sumOf(t *testing.T, state []byte) []byte {
	t.Helper()
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	return h.Sum(nil)
}

func want(parts ...[]byte) []byte {
	s := sha256.Sum256(bytes.Join(parts, nil))
	return s[:]
}

func part(n int, size int) []byte { return bytes.Repeat([]byte{byte(n)}, size) }

// newPart joins part n and returns its hasher, as storePart does.
func newPart(hc *hashChains, c *Chunked, n int, size int64) *partHasher {
	ch := hc.join(c, n)
	return &partHasher{ctx: context.Background(), hc: hc, ch: ch, n: n, want: size, left: size}
}

// TestPartHasherReadsAheadThenHashesInOrder: part 2 streams entirely
// before part 1 is done; its bytes wait in the read-ahead buffer and are
// hashed after part 1's, and the buffer goes back to the budget.
func TestPartHasherReadsAheadThenHashesInOrder(t *testing.T) {
	hc := &hashChains{}
	c := &Chunked{ID: "u1"}
	p1, p2 := part(1, 1000), part(2, 600)
	h1 := newPart(hc, c, 1, 1000)
	h2 := newPart(hc, c, 2, 600)
	h1.feed(p1[:300])
	h2.feed(p2[:200])
	h2.feed(p2[200:])
	if h2.owned || len(h2.buf) != 600 {
		t.Fatalf("part 2 owned=%v buffered=%d, want it read ahead", h2.owned, len(h2.buf))
	}
	h1.feed(p1[300:])
	if !h1.whole || !bytes.Equal(sumOf(t, h1.after), want(p1)) {
		t.Fatal("part 1 not hashed whole")
	}
	done := make(chan struct{})
	go func() { h2.finish(true); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("part 2 never got its turn")
	}
	if !h2.whole || !bytes.Equal(sumOf(t, h2.after), want(p1, p2)) {
		t.Fatal("parts 1 and 2 hashed out of order")
	}
	if hc.buffered != 0 {
		t.Errorf("%d buffer bytes still taken", hc.buffered)
	}
}

// TestPartHasherClaimsMidStream: the turn arrives while part 2 is still
// streaming; the buffer is hashed first, then the rest directly.
func TestPartHasherClaimsMidStream(t *testing.T) {
	hc := &hashChains{}
	c := &Chunked{ID: "u2"}
	p1, p2 := part(1, 100), part(2, 100)
	h1, h2 := newPart(hc, c, 1, 100), newPart(hc, c, 2, 100)
	h2.feed(p2[:40])
	h1.feed(p1)
	h2.feed(p2[40:])
	if !h2.owned || !h2.whole || h2.buf != nil {
		t.Fatalf("part 2: owned=%v whole=%v buf=%d", h2.owned, h2.whole, len(h2.buf))
	}
	if !bytes.Equal(sumOf(t, h2.after), want(p1, p2)) {
		t.Fatal("wrong running hash")
	}
}

// TestPartHasherWithoutBudgetWaitsForItsTurn: with the read-ahead budget
// spent, part 2 blocks until part 1's bytes are in, and still hashes in order.
func TestPartHasherWithoutBudgetWaitsForItsTurn(t *testing.T) {
	hc := &hashChains{buffered: bufferBudget}
	c := &Chunked{ID: "u3"}
	p1, p2 := part(1, 100), part(2, 100)
	h1, h2 := newPart(hc, c, 1, 100), newPart(hc, c, 2, 100)
	fed := make(chan struct{})
	go func() { h2.feed(p2); close(fed) }()
	select {
	case <-fed:
		t.Fatal("part 2 went on without its turn and without a buffer")
	case <-time.After(100 * time.Millisecond):
	}
	h1.feed(p1)
	<-fed
	if !h2.whole || !bytes.Equal(sumOf(t, h2.after), want(p1, p2)) {
		t.Fatal("part 2 not hashed after part 1")
	}
}

// TestPartHasherGivesUpOnGapsAndBrokenParts: a part whose predecessor is
// not in flight is not hashed; a part that broke off rolls the hash back.
func TestPartHasherGivesUpOnGapsAndBrokenParts(t *testing.T) {
	hc := &hashChains{}
	c := &Chunked{ID: "u4"}
	h3 := newPart(hc, c, 3, 10) // parts 1 and 2 never came here
	h3.feed(part(3, 10))
	if !h3.off || h3.whole || hc.buffered != 0 {
		t.Fatalf("gap: off=%v whole=%v buffered=%d", h3.off, h3.whole, hc.buffered)
	}

	p1 := part(1, 10)
	h1 := newPart(hc, c, 1, 10)
	h1.feed(p1[:5]) // the client goes away
	hc.readFailed(h1.ch, h1.before)
	hc.leave(h1.ch, 1)
	again := newPart(hc, c, 1, 10)
	again.feed(p1)
	if !again.whole || !bytes.Equal(sumOf(t, again.after), want(p1)) {
		t.Fatal("re-sent part 1 not hashed from a clean state")
	}
}
