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
// extends the running SHA-256 once part n-1's bytes have all been read;
// until then it streams to the object store anyway and keeps what it read
// in a bounded buffer (partHasher). The state after each part is written to
// PostgreSQL in part order once the part is stored, so a restart resumes
// from the database.
//
// Nothing here is needed for correctness: a gap, a failed part, a re-sent
// part or another instance just leaves parts unhashed, and completion then
// reads the object once (runningSum compares the stored parts' ETags).
type hashChains struct {
	mu       sync.Mutex
	chains   map[string]*hashChain
	buffered int64       // bytes of read-ahead buffers handed out
	spare    chan []byte // read-ahead buffers kept for the next parts (nil: none); room for a client with 4 parts in flight
}

// chainIdle is how long an unused chain stays in memory; after that the
// next part starts again from the database's state.
const chainIdle = 2 * time.Minute

// chainWait bounds how long a part waits for its turn or for its
// predecessor to be recorded; past it the part is simply not hashed.
const chainWait = 2 * time.Minute

type hashChain struct {
	h        hash.Hash
	read     int         // parts 1..read are in h
	busy     bool        // part read+1 is being read into h now
	saved    int         // parts 1..saved are recorded in the database
	broken   bool        // h may hold bytes of a part that was not stored
	inflight map[int]int // part number -> handlers working on it (none: idle)
	idle     time.Time
	changed  chan struct{} // closed and replaced on every change
}

// join registers a handler for part n of c, creating the chain from c's
// recorded state when this process has none. It returns nil when the
// recorded state cannot be loaded (the part is then not hashed).
func (hc *hashChains) join(c *Chunked, n int) *hashChain {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	now := time.Now()
	if hc.chains == nil {
		hc.chains = map[string]*hashChain{}
	}
	for id, ch := range hc.chains {
		if len(ch.inflight) == 0 && now.Sub(ch.idle) > chainIdle {
			delete(hc.chains, id)
		}
	}
	ch := hc.chains[c.ID]
	if ch == nil {
		h := sha256.New()
		if c.HashedParts > 0 {
			if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(c.HashState); err != nil {
				return nil
			}
		}
		ch = &hashChain{h: h, read: c.HashedParts, saved: c.HashedParts, inflight: map[int]int{}, changed: make(chan struct{})}
		hc.chains[c.ID] = ch
	}
	ch.inflight[n]++
	return ch
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
		ch.broken = true
		ch.notify()
		delete(hc.chains, id)
	}
}

func (ch *hashChain) notify() {
	close(ch.changed)
	ch.changed = make(chan struct{})
}

// claim decides, under the lock, whether part n may extend the hash now:
// done with ok (claimed: h is the part's until readDone or readFailed,
// before is the state to roll back to), done without ok (not to be hashed:
// already hashed, a duplicate in flight, or a gap no handler here is about
// to fill), or not done (its predecessor is still streaming: wait).
func (ch *hashChain) claim(n int) (done, ok bool, before []byte) {
	switch {
	case ch.broken || ch.read >= n:
		return true, false, nil
	case ch.read == n-1 && ch.busy:
		return true, false, nil // another handler is reading this very part
	case ch.read == n-1:
		state, err := ch.h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return true, false, nil
		}
		ch.busy = true
		return true, true, state
	}
	return !ch.busy && ch.inflight[ch.read+1] == 0, false, nil
}

// tryTurn is claim without waiting.
func (hc *hashChains) tryTurn(ch *hashChain, n int) (done, ok bool, before []byte) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	return ch.claim(n)
}

// turn waits until claim is done for part n.
func (hc *hashChains) turn(ctx context.Context, ch *hashChain, n int) (before []byte, ok bool) {
	ok = hc.await(ctx, ch, func() (done, ok bool) {
		done, ok, before = ch.claim(n)
		return done, ok
	})
	return before, ok
}

// bufferBudget bounds the memory all uploads of a process may hold in
// parts read ahead of their turn; past it a part waits for its turn before
// it is read, as with a single stream.
const bufferBudget = 64 << 20

// takeBuffer returns an empty buffer of at least size bytes from the
// budget, or nil when the budget is spent. Spare buffers are reused, so a
// long upload keeps using the same one.
func (hc *hashChains) takeBuffer(size int64) []byte {
	var b []byte
	select {
	case b = <-hc.spare:
		if int64(cap(b)) < size {
			b = nil
		}
	default:
	}
	c := size
	if b != nil {
		c = int64(cap(b))
	}
	hc.mu.Lock()
	if hc.buffered+c > bufferBudget {
		hc.mu.Unlock()
		hc.keep(b)
		return nil
	}
	hc.buffered += c
	hc.mu.Unlock()
	if b == nil {
		b = make([]byte, 0, size)
	}
	return b[:0]
}

// giveBuffer returns b to the budget and keeps it as a spare if there is room.
func (hc *hashChains) giveBuffer(b []byte) {
	hc.mu.Lock()
	hc.buffered -= int64(cap(b))
	hc.mu.Unlock()
	hc.keep(b)
}

func (hc *hashChains) keep(b []byte) {
	if b == nil {
		return
	}
	select {
	case hc.spare <- b[:0]:
	default:
	}
}

// readDone records that all of part n's bytes are in the hash and returns
// the state after it; the next part may start at once.
func (hc *hashChains) readDone(ch *hashChain, n int) []byte {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	state, err := ch.h.(encoding.BinaryMarshaler).MarshalBinary()
	ch.busy, ch.read = false, n
	if err != nil {
		ch.broken = true
	}
	ch.notify()
	return state
}

// readFailed rolls the hash back to before part n, whose body did not
// arrive whole.
func (hc *hashChains) readFailed(ch *hashChain, before []byte) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if err := ch.h.(encoding.BinaryUnmarshaler).UnmarshalBinary(before); err != nil {
		ch.broken = true
	}
	ch.busy = false
	ch.notify()
}

// saveTurn waits until parts before n are recorded, so the database's
// running hash always covers a prefix of stored parts.
func (hc *hashChains) saveTurn(ctx context.Context, ch *hashChain, n int) bool {
	return hc.await(ctx, ch, func() (done, ok bool) {
		switch {
		case ch.broken || ch.saved >= n:
			return true, false
		case ch.saved == n-1:
			return true, true
		}
		return ch.inflight[ch.saved+1] == 0, false
	})
}

// saved records that part n's state is in the database.
func (hc *hashChains) saved(ch *hashChain, n int) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	ch.saved = max(ch.saved, n)
	ch.notify()
}

// fail marks the chain unusable: part n was read into the hash but not
// stored or not recorded. Later parts go unhashed and the next handler
// starts again from the database.
func (hc *hashChains) fail(id string, ch *hashChain) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	ch.broken = true
	ch.notify()
	if hc.chains[id] == ch {
		delete(hc.chains, id)
	}
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
