package upload

// bufferBudget bounds the memory all uploads of a process hold in parts
// read ahead of their turn, parked ones and spare buffers included; past
// it a part waits for its turn before it is read, as with a single stream.
const bufferBudget = 64 << 20

// readAhead is how many parts of one upload may hold a read-ahead buffer
// (streaming or parked) at once: enough for a client with 4 parts in
// flight. Past it, a part waits for its turn before it is read, which
// slows the client down instead of holding more of its parts in memory.
const readAhead = 3

// takeBuffer returns an empty buffer of at least size bytes for a part of
// ch, or nil when ch holds readAhead buffers or the budget is spent.
// Spare buffers are reused, so a long upload keeps using the same ones.
func (hc *hashChains) takeBuffer(ch *hashChain, size int64) []byte {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if ch.ahead >= readAhead {
		return nil
	}
	select {
	case b := <-hc.spare:
		if int64(cap(b)) >= size {
			ch.ahead++
			return b[:0]
		}
		hc.buffered -= int64(cap(b))
	default:
	}
	if hc.buffered+size > bufferBudget {
		return nil
	}
	hc.buffered += size
	ch.ahead++
	return make([]byte, 0, size)
}

// giveBuffer returns a buffer a part of ch held.
func (hc *hashChains) giveBuffer(ch *hashChain, b []byte) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	hc.putBack(ch, b)
}

// putBack keeps b as a spare if there is room (it stays counted in the
// budget) and frees it otherwise. The caller holds the lock.
func (hc *hashChains) putBack(ch *hashChain, b []byte) {
	ch.ahead--
	select {
	case hc.spare <- b[:0]:
	default:
		hc.buffered -= int64(cap(b))
	}
}
