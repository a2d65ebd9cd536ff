package sfu

// VP8 payload handling (RFC 7741): finding keyframes and their size, and rewriting picture IDs
// and TL0PICIDX so that a subscriber switched between simulcast layers sees one continuous
// stream.

// vp8Descriptor is what the forwarding path needs from a VP8 payload descriptor.
type vp8Descriptor struct {
	keyframe   bool // start of a keyframe (S=1, PID=0, P=0)
	width      int  // from the keyframe header, 0 if not a keyframe start
	height     int
	pictureID  int // -1 if absent
	pidBits    int // 7 or 15
	pidOffset  int // byte offset of the picture ID in the payload
	tl0        int // -1 if absent
	tl0Offset  int
	headerSize int // length of the payload descriptor
}

// parseVP8 reads the payload descriptor of a VP8 RTP payload. It reports false for payloads too
// short or malformed to be VP8.
func parseVP8(p []byte) (d vp8Descriptor, ok bool) {
	d.pictureID, d.tl0 = -1, -1
	if len(p) < 1 {
		return d, false
	}
	x := p[0]&0x80 != 0
	start := p[0]&0x10 != 0
	pid := p[0] & 0x07
	i := 1
	if x {
		if len(p) < 2 {
			return d, false
		}
		ext := p[1]
		i = 2
		if ext&0x80 != 0 { // I: picture ID
			if len(p) < i+1 {
				return d, false
			}
			d.pidOffset = i
			if p[i]&0x80 != 0 {
				if len(p) < i+2 {
					return d, false
				}
				d.pictureID = int(p[i]&0x7f)<<8 | int(p[i+1])
				d.pidBits = 15
				i += 2
			} else {
				d.pictureID = int(p[i] & 0x7f)
				d.pidBits = 7
				i++
			}
		}
		if ext&0x40 != 0 { // L: TL0PICIDX
			if len(p) < i+1 {
				return d, false
			}
			d.tl0 = int(p[i])
			d.tl0Offset = i
			i++
		}
		if ext&0x30 != 0 { // T or K: TID/Y/KEYIDX
			if len(p) < i+1 {
				return d, false
			}
			i++
		}
	}
	d.headerSize = i
	if start && pid == 0 && len(p) > i {
		// VP8 frame tag (RFC 6386 section 9.1): P bit 0 means keyframe.
		if p[i]&0x01 == 0 {
			d.keyframe = true
			// Keyframe: 3-byte tag, start code 9d 01 2a, then 14-bit width and height.
			if len(p) >= i+10 && p[i+3] == 0x9d && p[i+4] == 0x01 && p[i+5] == 0x2a {
				d.width = int(p[i+6]) | int(p[i+7]&0x3f)<<8
				d.height = int(p[i+8]) | int(p[i+9]&0x3f)<<8
			}
		}
	}
	return d, true
}

// vp8Munger keeps one subscriber's VP8 picture IDs and TL0PICIDX continuous across layer
// switches.
type vp8Munger struct {
	started   bool
	pidOffset int
	tl0Offset int
	lastPID   int
	lastTL0   int
	buf       [maxRTPPacket]byte
}

// reset makes the next packet (a keyframe of the new layer) continue after the last one sent.
func (m *vp8Munger) reset(d vp8Descriptor) {
	if !m.started {
		return
	}
	if d.pictureID >= 0 {
		mod := 1 << d.pidBits
		m.pidOffset = ((d.pictureID-(m.lastPID+1))%mod + mod) % mod
	}
	if d.tl0 >= 0 {
		m.tl0Offset = ((d.tl0-(m.lastTL0+1))%256 + 256) % 256
	}
}

// rewrite returns the payload with picture ID and TL0PICIDX shifted; it copies the payload into
// the munger's buffer only when something changes.
func (m *vp8Munger) rewrite(p []byte, d vp8Descriptor) []byte {
	out, pid, tl0 := applyVP8Offsets(m.buf[:], p, d, m.pidOffset, m.tl0Offset)
	if pid >= 0 {
		if !m.started || pidNewer(pid, m.lastPID, d.pidBits) {
			m.lastPID = pid
		}
	}
	if tl0 >= 0 && (!m.started || int8(byte(tl0)-byte(m.lastTL0)) > 0) {
		m.lastTL0 = tl0
	}
	m.started = true
	return out
}

// applyVP8Offsets shifts the picture ID and TL0PICIDX of payload p back by the offsets, copying
// it into buf when anything changes. It returns the payload and the new picture ID and
// TL0PICIDX (-1 when absent).
func applyVP8Offsets(buf []byte, p []byte, d vp8Descriptor, pidOffset, tl0Offset int) (out []byte, pid, tl0 int) {
	pid, tl0 = d.pictureID, d.tl0
	if pid >= 0 {
		mod := 1 << d.pidBits
		pid = ((pid-pidOffset)%mod + mod) % mod
	}
	if tl0 >= 0 {
		tl0 = ((tl0-tl0Offset)%256 + 256) % 256
	}
	out = p
	if (pid != d.pictureID || tl0 != d.tl0) && len(p) <= len(buf) {
		out = buf[:len(p)]
		copy(out, p)
		if pid != d.pictureID {
			if d.pidBits == 15 {
				out[d.pidOffset] = 0x80 | byte(pid>>8)
				out[d.pidOffset+1] = byte(pid)
			} else {
				out[d.pidOffset] = byte(pid) & 0x7f
			}
		}
		if tl0 != d.tl0 {
			out[d.tl0Offset] = byte(tl0)
		}
	}
	return out, pid, tl0
}

func pidNewer(a, b, bits int) bool {
	mod := 1 << bits
	diff := ((a-b)%mod + mod) % mod
	return diff != 0 && diff < mod/2
}
