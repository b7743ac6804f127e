package upload

import (
	"context"
	"crypto/sha256"
	"encoding"
	"hash"
	"sync"
	"time"
)

// hashChains lets the parts of one chunked upload stream concurrently and
// still be hashed exactly once, in order, while they stream. Part n
// extends the running SHA-256 once part n-1's bytes are all in it; until
// then it streams to the object store anyway and keeps what it read in a
// bounded buffer (partHasher). A part stored before its turn is parked
// with its buffer and answered at once: whichever handler makes the hash
// reach it hashes it later (settle). The state after each stored part is
// written to PostgreSQL in part order, so a restart resumes from the
// database; no handler waits for another part to arrive.
//
// Nothing here is needed for correctness: a gap, a failed part, a re-sent
// part or another instance just leaves parts unhashed, and completion then
// reads the object once (runningSum compares the stored parts' ETags).
type hashChains struct {
	mu       sync.Mutex
	chains   map[string]*hashChain
	buffered int64       // bytes of read-ahead buffers, handed out or spare
	spare    chan []byte // read-ahead buffers kept for the next parts (nil: none)
}

// chainIdle is how long an unused chain (and the parts parked in it) stays
// in memory; after that the next part starts again from the database's state.
const chainIdle = 2 * time.Minute

// chainWait bounds how long a part without a read-ahead buffer waits for
// its turn; past it the part is simply not hashed.
const chainWait = 2 * time.Minute

type hashChain struct {
	h        hash.Hash
	read     int         // parts 1..read are in h
	busy     bool        // part read+1 is being read into h now
	saved    int         // parts 1..saved are recorded in the database
	saving   bool        // a handler is recording parts now
	broken   bool        // h may hold bytes of a part that was not stored
	inflight map[int]int // part number -> handlers working on it (none: idle)
	ahead    int         // read-ahead buffers its parts hold (see readAhead)
	hashed   map[int]*hashedPart
	parked   map[int]*parkedPart
	idle     time.Time
	changed  chan struct{} // closed and replaced on every change
}

// hashedPart is a part in h not yet recorded: the state after it, and its
// ETag once it is stored ("" before).
type hashedPart struct {
	state        []byte
	etag, format string
}

// parkedPart is a stored part read whole ahead of its turn.
type parkedPart struct {
	buf          []byte
	etag, format string
}

// join registers a handler for part n of c, creating the chain from c's
// recorded state when this process has none. It returns nil when the
// recorded state cannot be loaded (the part is then not hashed).
func (hc *hashChains) join(c *Chunked, n int) *hashChain {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	hc.evictIdle(time.Now())
	ch := hc.chains[c.ID]
	if ch == nil {
		h := sha256.New()
		if c.HashedParts > 0 {
			if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(c.HashState); err != nil {
				return nil
			}
		}
		ch = &hashChain{h: h, read: c.HashedParts, saved: c.HashedParts, inflight: map[int]int{},
			hashed: map[int]*hashedPart{}, parked: map[int]*parkedPart{}, idle: time.Now(), changed: make(chan struct{})}
		hc.chains[c.ID] = ch
	}
	ch.inflight[n]++
	return ch
}

// evictIdle drops chains no handler has used for chainIdle, with the
// buffers of parts parked there (their predecessors never came).
func (hc *hashChains) evictIdle(now time.Time) {
	if hc.chains == nil {
		hc.chains = map[string]*hashChain{}
	}
	for id, ch := range hc.chains {
		if len(ch.inflight) == 0 && now.Sub(ch.idle) > chainIdle {
			hc.drop(id, ch)
		}
	}
}

// leave unregisters the handler of part n.
func (hc *hashChains) leave(ch *hashChain, n int) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if ch.inflight[n]--; ch.inflight[n] == 0 {
		delete(ch.inflight, n)
	}
	ch.idle = time.Now()
	ch.notify()
}

// forget drops an upload's chain once it is completed or aborted.
func (hc *hashChains) forget(id string) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if ch := hc.chains[id]; ch != nil {
		hc.drop(id, ch)
	}
}

// fail marks the chain unusable: a part was read into the hash but not
// stored, or not recorded. Later parts go unhashed and the next handler
// starts again from the database.
func (hc *hashChains) fail(id string, ch *hashChain) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	hc.drop(id, ch)
}

// drop breaks ch, gives its parked buffers back and removes it from the
// map if it is still id's chain. The caller holds the lock.
func (hc *hashChains) drop(id string, ch *hashChain) {
	ch.broken = true
	for n, p := range ch.parked {
		hc.putBack(ch, p.buf)
		delete(ch.parked, n)
	}
	ch.notify()
	if hc.chains[id] == ch {
		delete(hc.chains, id)
	}
}

func (ch *hashChain) notify() {
	close(ch.changed)
	ch.changed = make(chan struct{})
}

// turnState says whether a part may extend the hash.
type turnState int

const (
	turnLater turnState = iota // a part before it is not in the hash yet
	turnNow                    // claimed: h is the part's until readDone or rollback
	turnNever                  // already hashed, being hashed by a duplicate, or the chain broke
)

// claim decides, under the lock, whether part n may extend the hash now;
// with turnNow, before is the state to roll back to.
func (ch *hashChain) claim(n int) (turnState, []byte) {
	switch {
	case ch.broken || ch.read >= n:
		return turnNever, nil
	case ch.read == n-1 && ch.busy:
		return turnNever, nil // another handler is reading this very part
	case ch.read == n-1:
		state, err := ch.h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return turnNever, nil
		}
		ch.busy = true
		return turnNow, state
	}
	return turnLater, nil
}

// gap reports, under the lock, that the next part to hash is neither
// being read nor in flight here: waiting for it could take forever.
func (ch *hashChain) gap() bool {
	return !ch.busy && ch.inflight[ch.read+1] == 0 && ch.parked[ch.read+1] == nil
}

// tryTurn is claim without waiting.
func (hc *hashChains) tryTurn(ch *hashChain, n int) (turnState, []byte) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	return ch.claim(n)
}

// turn waits until part n may extend the hash (ok), or never will, or its
// predecessor is not on its way. For a part without a read-ahead buffer.
func (hc *hashChains) turn(ctx context.Context, ch *hashChain, n int) (before []byte, ok bool) {
	ok = hc.await(ctx, ch, func() (done, ok bool) {
		var t turnState
		t, before = ch.claim(n)
		return t != turnLater || ch.gap(), t == turnNow
	})
	return before, ok
}

// await re-evaluates cond under the lock after every change until it is
// done, the context ends or chainWait passes.
func (hc *hashChains) await(ctx context.Context, ch *hashChain, cond func() (done, ok bool)) bool {
	timer := time.NewTimer(chainWait)
	defer timer.Stop()
	for {
		hc.mu.Lock()
		done, ok := cond()
		changed := ch.changed
		hc.mu.Unlock()
		if done {
			return ok
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		case <-timer.C:
			return false
		}
	}
}
