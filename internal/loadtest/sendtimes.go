package loadtest

import (
	"hash/maphash"
	"sync"
)

// sendTimes remembers when a publisher sent each payload, so that a subscriber in the same
// process can compute the forwarding delay of what it receives: the server forwards payloads
// unchanged but rewrites SSRC, sequence numbers, timestamps and header extensions. Payloads are
// keyed by a hash; a table keeps the last generations of entries so that it stays small.
type sendTimes struct {
	seed maphash.Seed

	mu       sync.Mutex // guards the following fields
	cur, old map[uint64]int64
}

// sendTimesGeneration is how many payloads a generation holds: several seconds of a simulcast
// publisher, far more than any forwarding delay.
const sendTimesGeneration = 1 << 13

func newSendTimes(seed maphash.Seed) *sendTimes {
	return &sendTimes{seed: seed, cur: make(map[uint64]int64, sendTimesGeneration)}
}

func (t *sendTimes) key(payload []byte) uint64 { return maphash.Bytes(t.seed, payload) }

func (t *sendTimes) put(payload []byte, ns int64) {
	k := t.key(payload)
	t.mu.Lock()
	if len(t.cur) >= sendTimesGeneration {
		t.old, t.cur = t.cur, make(map[uint64]int64, sendTimesGeneration)
	}
	t.cur[k] = ns
	t.mu.Unlock()
}

func (t *sendTimes) get(payload []byte) (int64, bool) {
	k := t.key(payload)
	t.mu.Lock()
	defer t.mu.Unlock()
	if ns, ok := t.cur[k]; ok {
		return ns, true
	}
	ns, ok := t.old[k]
	return ns, ok
}

// vp8Media returns a VP8 RTP payload without its payload descriptor (RFC 7741 section 4.2),
// which an SFU may rewrite (picture ID, TL0PICIDX) to keep a stream continuous across simulcast
// layer switches; the rest is forwarded unchanged.
func vp8Media(p []byte) []byte {
	if len(p) == 0 {
		return p
	}
	n := 1
	if p[0]&0x80 != 0 { // X: extended control bits
		if len(p) < 2 {
			return p
		}
		x := p[1]
		n++
		if x&0x80 != 0 { // I: picture ID, 7 or 15 bits
			if len(p) > n && p[n]&0x80 != 0 {
				n += 2
			} else {
				n++
			}
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			n++
		}
		if x&0x30 != 0 { // T or K: TID/Y/KEYIDX
			n++
		}
	}
	if n > len(p) {
		return p
	}
	return p[n:]
}
