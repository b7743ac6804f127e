package upload

import "context"

// partHasher feeds part n of a chunked upload into the upload's running
// hash. While the part before it is still streaming, the bytes are kept in
// a read-ahead buffer (at most the part, from a process-wide budget), so
// both parts stream to the object store at once; the buffer is hashed as
// soon as it is this part's turn. Without a buffer it waits for its turn
// before reading on, as a single stream would.
type partHasher struct {
	ctx  context.Context
	hc   *hashChains
	ch   *hashChain
	n    int
	want int64

	left   int64  // bytes of the part not yet hashed or buffered
	buf    []byte // bytes read before the part's turn
	owned  bool   // the part holds the turn: h is its own until readDone
	off    bool   // the part is not hashed
	before []byte // the hash state to roll back to (owned)
	after  []byte // the hash state after the part (whole)
	whole  bool   // every byte of the part is in the hash
}

// feed takes the next bytes of the part.
func (ph *partHasher) feed(b []byte) {
	if ph.off || ph.whole {
		return
	}
	if !ph.owned && !ph.tryClaim() {
		if ph.off {
			return
		}
		if ph.buf == nil {
			ph.buf = ph.hc.takeBuffer(ph.want)
		}
		if ph.buf != nil {
			ph.buf = append(ph.buf, b...)
			ph.left -= int64(len(b))
			return
		}
		// No read-ahead memory left: wait for the turn, then go on.
		if ph.before, ph.owned = ph.hc.turn(ph.ctx, ph.ch, ph.n); !ph.owned {
			ph.off = true
			return
		}
	}
	ph.hash(b)
}

// tryClaim takes the part's turn if it has come; it sets off when the
// part will never be hashed.
func (ph *partHasher) tryClaim() bool {
	done, ok, before := ph.hc.tryTurn(ph.ch, ph.n)
	switch {
	case ok:
		ph.owned, ph.before = true, before
	case done:
		ph.off = true
		ph.release()
	}
	return ok
}

// hash adds the buffered bytes, then b, and marks the part whole at its end.
func (ph *partHasher) hash(b []byte) {
	if len(ph.buf) > 0 {
		ph.ch.h.Write(ph.buf)
		ph.release()
	}
	ph.ch.h.Write(b)
	if ph.left -= int64(len(b)); ph.left == 0 {
		ph.after, ph.whole = ph.hc.readDone(ph.ch, ph.n), true
	}
}

// finish runs after the part was sent to the object store. A part read
// entirely ahead of its turn and stored waits for its turn here, then
// hashes its buffer; the buffer goes back either way.
func (ph *partHasher) finish(stored bool) {
	defer ph.release()
	if ph.owned || ph.off || ph.whole || !stored || ph.left != 0 || ph.buf == nil {
		return
	}
	if ph.before, ph.owned = ph.hc.turn(ph.ctx, ph.ch, ph.n); ph.owned {
		ph.hash(nil)
	}
}

func (ph *partHasher) release() {
	if ph.buf != nil {
		ph.hc.giveBuffer(ph.buf)
		ph.buf = nil
	}
}
