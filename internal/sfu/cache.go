package sfu

import "sync"

// cacheSize is how many packets of a video layer are kept to answer NACKs (RFC 4585): about two
// seconds of the top layer, several round trips. A power of two.
const cacheSize = 512

// packetCache keeps the last packets of one layer, as received, for every subscriber to
// retransmit from: one copy per packet whatever the number of subscribers.
type packetCache struct {
	mu    sync.Mutex // guards the following fields
	slots [cacheSize][]byte
	seqs  [cacheSize]uint16
	valid [cacheSize]bool
}

// put stores packet b (the whole RTP packet) under its sequence number, unless a packet with
// that sequence number is already there: it reports false for such a duplicate. After the first
// cacheSize packets it does not allocate.
func (c *packetCache) put(seq uint16, b []byte) bool {
	i := seq % cacheSize
	c.mu.Lock()
	if c.valid[i] && c.seqs[i] == seq {
		c.mu.Unlock()
		return false
	}
	if cap(c.slots[i]) < len(b) {
		c.slots[i] = make([]byte, 0, maxRTPPacket)
	}
	c.slots[i] = append(c.slots[i][:0], b...)
	c.seqs[i] = seq
	c.valid[i] = true
	c.mu.Unlock()
	return true
}

// get copies the packet with sequence number seq into dst and returns its length, or false if
// it is no longer (or never was) in the cache.
func (c *packetCache) get(seq uint16, dst []byte) (int, bool) {
	i := seq % cacheSize
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid[i] || c.seqs[i] != seq || len(dst) < len(c.slots[i]) {
		return 0, false
	}
	return copy(dst, c.slots[i]), true
}

// sentPacket is what a down track remembers of a packet it sent, to send it again.
type sentPacket struct {
	valid     bool
	outSeq    uint16
	pubSeq    uint16
	layer     int8
	ts        uint32
	pidOffset int
	tl0Offset int
}
