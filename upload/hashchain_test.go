package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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

// savedHash is the database row's running hash as a fake saveFunc keeps it.
type savedHash struct {
	parts  int
	state  []byte
	etags  []string
	format string
	writes int
	fail   error
}

func (db *savedHash) save(_ context.Context, from, to int, state []byte, etags []string, format string) error {
	if db.fail != nil {
		return db.fail
	}
	if from != db.parts {
		return errHashMoved
	}
	db.parts, db.state, db.etags = to, state, append(db.etags, etags...)
	if format != "" {
		db.format = format
	}
	db.writes++
	return nil
}

// upload is one chunked upload's chain as the handlers see it.
type upload struct {
	t  *testing.T
	hc *hashChains
	c  *Chunked
	db *savedHash
}

func newUpload(t *testing.T, hc *hashChains) *upload {
	return &upload{t: t, hc: hc, c: &Chunked{ID: t.Name()}, db: &savedHash{}}
}

// begin joins part n of size bytes, as storePart does.
func (u *upload) begin(n int, size int64) *partHasher {
	ch := u.hc.join(u.c, n)
	return &partHasher{ctx: context.Background(), hc: u.hc, ch: ch, n: n, want: size, left: size}
}

// store ends part ph as stored, settles and leaves, as storePart does.
func (u *upload) store(ph *partHasher) {
	ph.stored(fmt.Sprintf("etag-%d", ph.n))
	u.hc.settle(context.Background(), u.c.ID, ph.ch, u.db.save)
	u.hc.leave(ph.ch, ph.n)
}

// lose ends part ph as not stored.
func (u *upload) lose(ph *partHasher) {
	ph.failed(u.c.ID)
	u.hc.leave(ph.ch, ph.n)
}

// check asserts the recorded hash covers parts (their bytes in order) and
// no read-ahead memory is still taken.
func (u *upload) check(parts ...[]byte) {
	u.t.Helper()
	if u.db.parts != len(parts) {
		u.t.Fatalf("recorded %d parts, want %d", u.db.parts, len(parts))
	}
	if !bytes.Equal(sumOf(u.t, u.db.state), want(parts...)) {
		u.t.Fatal("recorded hash is not the hash of the parts in order")
	}
	var etags []string
	for i := range parts {
		etags = append(etags, fmt.Sprintf("etag-%d", i+1))
	}
	if diff := cmp.Diff(etags, u.db.etags); diff != "" {
		u.t.Errorf("recorded ETags (-want, +got):\n%s", diff)
	}
	if u.hc.buffered != 0 {
		u.t.Errorf("%d buffer bytes still taken", u.hc.buffered)
	}
}

// TestPartHasherReadsAheadThenHashesInOrder: part 2 streams entirely
// before part 1 is done; its bytes wait in the read-ahead buffer and are
// hashed after part 1's once it is stored.
func TestPartHasherReadsAheadThenHashesInOrder(t *testing.T) {
	u := newUpload(t, &hashChains{})
	p1, p2 := part(1, 1000), part(2, 600)
	h1, h2 := u.begin(1, 1000), u.begin(2, 600)
	h1.feed(p1[:300])
	h2.feed(p2[:200])
	h2.feed(p2[200:])
	if h2.owned || len(h2.buf) != 600 {
		t.Fatalf("part 2 owned=%v buffered=%d, want it read ahead", h2.owned, len(h2.buf))
	}
	h1.feed(p1[300:])
	u.store(h1)
	if u.db.parts != 1 {
		t.Fatalf("recorded %d parts after part 1, want 1", u.db.parts)
	}
	u.store(h2)
	u.check(p1, p2)
}

// TestStoredAheadIsParkedNotWaitedFor: part 2 is stored while part 1 is
// still streaming; its handler returns at once, and part 1's handler
// hashes and records both.
func TestStoredAheadIsParkedNotWaitedFor(t *testing.T) {
	u := newUpload(t, &hashChains{})
	p1, p2 := part(1, 100), part(2, 100)
	h1, h2 := u.begin(1, 100), u.begin(2, 100)
	h1.feed(p1[:50])
	h2.feed(p2)
	done := make(chan struct{})
	go func() { u.store(h2); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("part 2's handler waited for part 1")
	}
	if u.db.parts != 0 {
		t.Fatalf("recorded %d parts before part 1 was stored", u.db.parts)
	}
	h1.feed(p1[50:])
	u.store(h1)
	u.check(p1, p2)
	if u.db.writes != 1 {
		t.Errorf("%d writes, want both parts in one", u.db.writes)
	}
}

// TestLatePredecessorStillChains: part 4's request comes before part 3's
// (four requests at once race), and parts go on arriving in any order;
// every part is still hashed in order.
func TestLatePredecessorStillChains(t *testing.T) {
	u := newUpload(t, &hashChains{})
	ps := [][]byte{part(1, 64), part(2, 64), part(3, 64), part(4, 64), part(5, 64)}
	h1, h2 := u.begin(1, 64), u.begin(2, 64)
	h1.feed(ps[0])
	h2.feed(ps[1])
	u.store(h1)
	u.store(h2)
	h4 := u.begin(4, 64) // part 3 is not here yet
	h4.feed(ps[3])
	if h4.off {
		t.Fatal("part 4 gave up because part 3 had not arrived yet")
	}
	u.store(h4)
	h5 := u.begin(5, 64)
	h5.feed(ps[4])
	u.store(h5)
	h3 := u.begin(3, 64)
	h3.feed(ps[2])
	u.store(h3)
	u.check(ps...)
}

// TestPartHasherClaimsMidStream: the turn arrives while part 2 is still
// streaming; the buffer is hashed first, then the rest directly.
func TestPartHasherClaimsMidStream(t *testing.T) {
	u := newUpload(t, &hashChains{})
	p1, p2 := part(1, 100), part(2, 100)
	h1, h2 := u.begin(1, 100), u.begin(2, 100)
	h2.feed(p2[:40])
	h1.feed(p1)
	h2.feed(p2[40:])
	if !h2.owned || !h2.whole || h2.buf != nil {
		t.Fatalf("part 2: owned=%v whole=%v buf=%d", h2.owned, h2.whole, len(h2.buf))
	}
	u.store(h2) // answered before part 1: recorded with it
	u.store(h1)
	u.check(p1, p2)
}

// TestPartHasherWithoutBudgetWaitsForItsTurn: with the read-ahead budget
// spent, part 2 blocks until part 1's bytes are in, and still hashes in
// order; a part whose predecessor is not in flight is then not hashed.
func TestPartHasherWithoutBudgetWaitsForItsTurn(t *testing.T) {
	hc := &hashChains{buffered: bufferBudget}
	u := newUpload(t, hc)
	p1, p2 := part(1, 100), part(2, 100)
	h1, h2 := u.begin(1, 100), u.begin(2, 100)
	fed := make(chan struct{})
	go func() { h2.feed(p2); close(fed) }()
	select {
	case <-fed:
		t.Fatal("part 2 went on without its turn and without a buffer")
	case <-time.After(100 * time.Millisecond):
	}
	h1.feed(p1)
	<-fed
	u.store(h1)
	u.store(h2)
	h4 := u.begin(4, 10)
	h4.feed(part(4, 10))
	if !h4.off {
		t.Fatal("part 4 waited for a part 3 no handler is sending")
	}
	u.store(h4)
	hc.buffered = 0
	u.check(p1, p2)
}

// TestFailedPartRollsBackAndKeepsWhatFollows: part 1 breaks off mid-body,
// then (re-sent) is hashed whole but its store fails; parts read ahead
// meanwhile stay parked and are hashed after the re-sent part 1.
func TestFailedPartRollsBackAndKeepsWhatFollows(t *testing.T) {
	u := newUpload(t, &hashChains{})
	p1, p2, p3 := part(1, 10), part(2, 10), part(3, 10)
	h1 := u.begin(1, 10)
	h1.feed(p1[:5]) // the client goes away
	u.lose(h1)
	h2, h3 := u.begin(2, 10), u.begin(3, 10)
	h2.feed(p2)
	h3.feed(p3)
	u.store(h3)
	u.store(h2)
	again := u.begin(1, 10)
	again.feed(p1)
	u.lose(again) // the object store failed after the whole body
	last := u.begin(1, 10)
	last.feed(p1)
	u.store(last)
	u.check(p1, p2, p3)
}

// TestDuplicatePartsAndFailedWrites: a part parked twice keeps one copy; a
// failed write of the running hash breaks the chain and gives every
// buffer back; the next part starts again from what was recorded.
func TestDuplicatePartsAndFailedWrites(t *testing.T) {
	hc := &hashChains{}
	u := newUpload(t, hc)
	p1, p2 := part(1, 10), part(2, 10)
	a, b := u.begin(2, 10), u.begin(2, 10)
	a.feed(p2)
	b.feed(p2)
	u.store(a)
	u.store(b)
	if hc.buffered != 10 {
		t.Fatalf("%d bytes parked, want one copy of part 2", hc.buffered)
	}
	u.db.fail = errors.New("database down")
	h1 := u.begin(1, 10)
	h1.feed(p1)
	u.store(h1)
	if hc.buffered != 0 || hc.chains[u.c.ID] != nil {
		t.Fatalf("broken chain kept: buffered=%d", hc.buffered)
	}
	u.db.fail = nil
	u.c.HashedParts, u.c.HashState = u.db.parts, u.db.state // the row as a new request reads it
	h1 = u.begin(1, 10)
	h1.feed(p1)
	u.store(h1)
	h2 := u.begin(2, 10)
	h2.feed(p2)
	u.store(h2)
	u.check(p1, p2)
}

// TestIdleChainGivesParkedBuffersBack: a part parked for a predecessor
// that never comes holds its buffer only until the chain is idle.
func TestIdleChainGivesParkedBuffersBack(t *testing.T) {
	hc := &hashChains{}
	u := newUpload(t, hc)
	h3 := u.begin(3, 10)
	h3.feed(part(3, 10))
	u.store(h3)
	if hc.buffered != 10 {
		t.Fatalf("buffered=%d, want part 3 parked", hc.buffered)
	}
	hc.chains[u.c.ID].idle = time.Now().Add(-chainIdle - time.Second)
	hc.join(&Chunked{ID: "other"}, 1)
	if hc.buffered != 0 || hc.chains[u.c.ID] != nil {
		t.Fatalf("idle chain kept: buffered=%d", hc.buffered)
	}
}

// TestReadAheadIsCappedPerUpload: with part 1 streaming and parts 2-4
// read ahead, part 5 gets no buffer and waits for its turn (the client is
// slowed down, not held in memory); all five still hash in order.
func TestReadAheadIsCappedPerUpload(t *testing.T) {
	u := newUpload(t, &hashChains{})
	ps := [][]byte{part(1, 64), part(2, 64), part(3, 64), part(4, 64), part(5, 64)}
	h1 := u.begin(1, 64)
	h1.feed(ps[0][:10])
	for n := 2; n <= 4; n++ {
		h := u.begin(n, 64)
		h.feed(ps[n-1])
		u.store(h) // parked
	}
	h5 := u.begin(5, 64)
	fed := make(chan struct{})
	go func() { h5.feed(ps[4]); close(fed) }()
	select {
	case <-fed:
		t.Fatal("part 5 was read ahead past the cap")
	case <-time.After(100 * time.Millisecond):
	}
	h1.feed(ps[0][10:])
	u.store(h1)
	<-fed
	if !h5.owned || h5.buf != nil {
		t.Fatalf("part 5 owned=%v buffered=%d, want it read in its turn", h5.owned, len(h5.buf))
	}
	u.store(h5)
	u.check(ps...)
}
