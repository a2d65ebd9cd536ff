package recording

import (
	"testing"
)

// FuzzParseManifest: a manifest on disk after a crash may hold anything; it is checked before
// its file names reach ffmpeg.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"id":"RE_abcdefgh","room":"abc-defg-hij","tracks":[{"id":"T","kind":"audio","file":"microphone-0.ogg","offset_ms":10}]}`))
	f.Add([]byte(`{"id":"RE_abcdefgh","tracks":[{"kind":"video","file":"../../etc/passwd"}]}`))
	f.Add([]byte(`{"id":"RE_abcdefgh","tracks":[{"kind":"video","file":"camera-0.webm","offset_ms":5,"arrival_offset_ms":505,"sync":"sender_report","end_ms":900}],"speakers":[{"at_ms":0,"participant":"A"},{"at_ms":10,"participant":""}]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			return
		}
		if !ValidID(m.ID) {
			t.Fatalf("accepted id %q", m.ID)
		}
		for _, tr := range m.Tracks {
			if !fileName.MatchString(tr.File) || tr.OffsetMS < 0 {
				t.Fatalf("accepted track %+v", tr)
			}
		}
	})
}

// FuzzMediaHeaders: Opus TOC and VP8 headers come from publishers.
func FuzzMediaHeaders(f *testing.F) {
	f.Add([]byte{0xf8, 0xff, 0xfe})
	f.Add([]byte{0x03, 0x3f})
	f.Add([]byte{0x90, 0x80, 0x00, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xb4, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if n := opusSamples(b); n < 0 || n > 5760 {
			t.Fatalf("opusSamples = %d", n)
		}
		_ = vp8KeyframeStart(b)
		if w, h := vp8Size(b); w < 0 || h < 0 || w > 16383 || h > 16383 {
			t.Fatalf("vp8Size = %d x %d", w, h)
		}
	})
}
