package upload

import "context"

// partHasher feeds part n of a chunked upload into the upload's running
// hash. While a part before it is not in the hash yet, the bytes are kept
// in a read-ahead buffer (at most the part; see readAhead and bufferBudget),
// so the parts stream to the object store at once; the buffer is hashed
// as soon as it is this part's turn, or parked with the chain once the
// part is stored (hashChains.settle hashes it then). Without a buffer it
// waits for its turn before reading on, as a single stream would.
type partHasher struct {
	ctx    context.Context
	hc     *hashChains
	ch     *hashChain
	n      int
	want   int64
	format string // part 1's detected format

	left   int64  // bytes of the part not yet hashed or buffered
	buf    []byte // bytes read before the part's turn
	owned  bool   // the part holds the turn: h is its own until readDone
	off    bool   // the part is not hashed
	before []byte // the hash state to roll back to (owned)
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
			ph.buf = ph.hc.takeBuffer(ph.ch, ph.want)
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
	t, before := ph.hc.tryTurn(ph.ch, ph.n)
	switch t {
	case turnNow:
		ph.owned, ph.before = true, before
	case turnNever:
		ph.off = true
		ph.release()
	}
	return t == turnNow
}

// hash adds the buffered bytes, then b, and marks the part whole at its end.
func (ph *partHasher) hash(b []byte) {
	if len(ph.buf) > 0 {
		ph.ch.h.Write(ph.buf)
		ph.release()
	}
	ph.ch.h.Write(b)
	if ph.left -= int64(len(b)); ph.left == 0 {
		ph.hc.readDone(ph.ch, ph.n, "", ph.format)
		ph.whole = true
	}
}

// stored runs once the part is in the object store with etag. A part
// read whole ahead of its turn is hashed now if its turn has come, and
// otherwise parked with its buffer: the handler answers without waiting.
func (ph *partHasher) stored(etag string) {
	if ph.whole {
		ph.hc.mark(ph.ch, ph.n, etag)
		return
	}
	if ph.off || ph.owned || ph.left != 0 || ph.buf == nil {
		ph.release()
		return
	}
	t, before := ph.hc.claimOrPark(ph.ch, ph.n, &parkedPart{buf: ph.buf, etag: etag, format: ph.format})
	switch t {
	case turnNow:
		ph.owned, ph.before = true, before
		ph.hash(nil)
		ph.hc.mark(ph.ch, ph.n, etag)
	case turnLater:
		ph.buf = nil // the chain holds it now
	default:
		ph.release()
	}
}

// failed runs when the part was not stored: what it put in the hash is
// taken out again, and its buffer goes back.
func (ph *partHasher) failed(id string) {
	if ph.owned {
		ph.hc.rollback(id, ph.ch, ph.n, ph.before)
	}
	ph.release()
}

func (ph *partHasher) release() {
	if ph.buf != nil {
		ph.hc.giveBuffer(ph.ch, ph.buf)
		ph.buf = nil
	}
}
