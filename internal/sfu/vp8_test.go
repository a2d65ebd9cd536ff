package sfu

import "testing"

func TestParseVP8(t *testing.T) {
	// A keyframe start with a 15-bit picture ID and TL0PICIDX, 640x360.
	key := []byte{0x90, 0xc0, 0x80 | 0x12, 0x34, 0x07, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}
	d, ok := parseVP8(key)
	if !ok || !d.keyframe || d.width != 640 || d.height != 360 || d.pictureID != 0x1234 || d.pidBits != 15 || d.tl0 != 7 || d.headerSize != 5 {
		t.Fatalf("keyframe: %+v ok=%v", d, ok)
	}
	// A delta frame (P=1), 7-bit picture ID.
	delta := []byte{0x90, 0x80, 0x05, 0x01, 0x00}
	if d, ok := parseVP8(delta); !ok || d.keyframe || d.pictureID != 5 || d.pidBits != 7 {
		t.Fatalf("delta: %+v ok=%v", d, ok)
	}
	// Not the start of a partition: never a keyframe.
	if d, _ := parseVP8([]byte{0x80, 0x80, 0x05, 0x00}); d.keyframe {
		t.Fatal("continuation packet taken for a keyframe")
	}
	for _, bad := range [][]byte{nil, {0x80}, {0x80, 0x80}, {0x80, 0x80, 0x85}, {0x80, 0x40}} {
		if _, ok := parseVP8(bad); ok {
			t.Errorf("parseVP8(%x) accepted a truncated descriptor", bad)
		}
	}
}

func TestVP8MungerContinuity(t *testing.T) {
	var m vp8Munger
	pkt := func(pid, tl0 int, key bool) ([]byte, vp8Descriptor) {
		p := []byte{0x90, 0xc0, 0x80 | byte(pid>>8), byte(pid), byte(tl0), 0x01}
		if key {
			p[5] = 0x00
		}
		d, _ := parseVP8(p)
		return p, d
	}
	// Layer A: pictures 100..102, then a switch to layer B whose pictures start at 7000.
	for pid := 100; pid <= 102; pid++ {
		p, d := pkt(pid, 10+pid-100, false)
		out := m.rewrite(p, d)
		if got, _ := parseVP8(out); got.pictureID != pid {
			t.Fatalf("before switch: picture %d became %d", pid, got.pictureID)
		}
	}
	p, d := pkt(7000, 200, true)
	m.reset(d)
	out := m.rewrite(p, d)
	got, _ := parseVP8(out)
	if got.pictureID != 103 || got.tl0 != 13 {
		t.Fatalf("after switch: picture %d tl0 %d, want 103 and 13", got.pictureID, got.tl0)
	}
	if d2, _ := parseVP8(p); d2.pictureID != 7000 {
		t.Fatal("rewrite changed the publisher's packet in place")
	}
	p, d = pkt(7001, 200, false)
	if got, _ := parseVP8(m.rewrite(p, d)); got.pictureID != 104 {
		t.Fatalf("next picture %d, want 104", got.pictureID)
	}
}

// FuzzParseVP8: RTP payloads come from publishers and are untrusted; parsing and rewriting never
// panic and never read or write out of bounds.
func FuzzParseVP8(f *testing.F) {
	f.Add([]byte{0x90, 0xc0, 0x92, 0x34, 0x07, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01})
	f.Add([]byte{0x90, 0x80, 0x05, 0x01})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, p []byte) {
		d, ok := parseVP8(p)
		if !ok {
			return
		}
		if d.headerSize > len(p) {
			t.Fatalf("header size %d beyond payload %d", d.headerSize, len(p))
		}
		var m vp8Munger
		m.started, m.lastPID, m.lastTL0 = true, 5, 5
		m.reset(d)
		out := m.rewrite(p, d)
		if len(out) != len(p) {
			t.Fatalf("rewrite changed the length: %d -> %d", len(p), len(out))
		}
	})
}
