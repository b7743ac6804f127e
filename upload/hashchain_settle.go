package upload

import (
	"cmp"
	"context"
	"encoding"
)

// saveFunc records the running hash after parts from+1..to (state) with
// those parts' ETags; format is part 1's when it is among them.
type saveFunc func(ctx context.Context, from, to int, state []byte, etags []string, format string) error

// readDone records that all of part n's bytes are in the hash; the next
// part may start at once. etag is "" until the part is stored (mark).
func (hc *hashChains) readDone(ch *hashChain, n int, etag, format string) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	state, err := ch.h.(encoding.BinaryMarshaler).MarshalBinary()
	ch.busy, ch.read = false, n
	if err != nil {
		ch.broken = true
	} else {
		ch.hashed[n] = &hashedPart{state: state, etag: etag, format: format}
	}
	ch.notify()
}

// mark records that hashed part n is stored with etag.
func (hc *hashChains) mark(ch *hashChain, n int, etag string) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if p := ch.hashed[n]; p != nil {
		p.etag = etag
	}
}

// rollback takes part n back out of the hash after its body broke off or
// its store failed (before is the state without it), so a re-sent part
// starts clean. Once a later part is being hashed on top of it, the chain
// breaks instead.
func (hc *hashChains) rollback(id string, ch *hashChain, n int, before []byte) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	reading := ch.busy && ch.read == n-1
	read := !ch.busy && ch.read == n
	if !reading && !read || ch.broken || ch.h.(encoding.BinaryUnmarshaler).UnmarshalBinary(before) != nil {
		hc.drop(id, ch)
		return
	}
	ch.busy, ch.read = false, n-1
	delete(ch.hashed, n)
	ch.notify()
}

// claimOrPark claims part n's turn for a stored part read whole ahead,
// or, when a part before it is not in the hash yet, parks it (replacing
// an earlier copy of the same part) for settle to hash later.
func (hc *hashChains) claimOrPark(ch *hashChain, n int, p *parkedPart) (turnState, []byte) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	t, before := ch.claim(n)
	if t == turnLater {
		if old := ch.parked[n]; old != nil {
			hc.putBack(ch, old.buf)
		}
		ch.parked[n] = p
	}
	return t, before
}

// settle runs after a part is stored: it hashes the parked parts whose
// turn has come, then records every stored part hashed so far, in order.
// One handler records at a time; one that finds another recording leaves
// its parts to it, as that one looks again after each write. So once all
// parts are answered, the database holds the hash over all of them.
func (hc *hashChains) settle(ctx context.Context, id string, ch *hashChain, save saveFunc) {
	for {
		for hc.hashParked(ch) {
		}
		from, to, state, etags, format, ok := hc.nextSave(ch)
		if !ok {
			return
		}
		if !hc.saveDone(id, ch, to, save(ctx, from, to, state, etags, format)) {
			return
		}
	}
}

// hashParked hashes the next part if it is parked and reports whether it did.
func (hc *hashChains) hashParked(ch *hashChain) bool {
	hc.mu.Lock()
	for n, p := range ch.parked {
		if n <= ch.read { // hashed meanwhile from another copy
			hc.putBack(ch, p.buf)
			delete(ch.parked, n)
		}
	}
	n := ch.read + 1
	p := ch.parked[n]
	if ch.broken || ch.busy || p == nil {
		hc.mu.Unlock()
		return false
	}
	delete(ch.parked, n)
	ch.busy = true
	hc.mu.Unlock()
	ch.h.Write(p.buf)
	hc.giveBuffer(ch, p.buf)
	hc.readDone(ch, n, p.etag, p.format)
	return true
}

// nextSave takes the recording turn when stored, hashed parts follow the
// recorded ones: it returns the range to record and its state.
func (hc *hashChains) nextSave(ch *hashChain) (from, to int, state []byte, etags []string, format string, ok bool) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if ch.broken || ch.saving {
		return 0, 0, nil, nil, "", false
	}
	from, to = ch.saved, ch.saved
	for p := ch.hashed[to+1]; p != nil && p.etag != ""; p = ch.hashed[to+1] {
		to++
		etags = append(etags, p.etag)
		format = cmp.Or(format, p.format)
	}
	if to == from {
		return 0, 0, nil, nil, "", false
	}
	ch.saving = true
	return from, to, ch.hashed[to].state, etags, format, true
}

// saveDone ends a recording turn; a failed write breaks the chain.
func (hc *hashChains) saveDone(id string, ch *hashChain, to int, err error) bool {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	ch.saving = false
	if err != nil {
		hc.drop(id, ch)
		return false
	}
	for n := ch.saved + 1; n <= to; n++ {
		delete(ch.hashed, n)
	}
	ch.saved = to
	ch.notify()
	return true
}
