package loadtest

import (
	"hash/maphash"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}} {
		got := h.quantile(tc.q)
		if d := float64(got-tc.want) / float64(tc.want); d > 0.02 || d < -0.02 {
			t.Errorf("quantile(%v) = %v, want %v within 2%%", tc.q, got, tc.want)
		}
	}
	if h.max != time.Millisecond {
		t.Errorf("max = %v", h.max)
	}
	for v := uint64(0); v < 1<<20; v += 7 {
		if b := bucketValue(bucketOf(v)); b > v || float64(v-b) > float64(v)/60 {
			t.Fatalf("bucket of %d starts at %d", v, b)
		}
	}
}

func TestSendTimes(t *testing.T) {
	st := newSendTimes(maphash.MakeSeed())
	for i := range 3 * sendTimesGeneration {
		st.put([]byte{byte(i), byte(i >> 8), byte(i >> 16)}, int64(i))
	}
	last := 3*sendTimesGeneration - 1
	if ns, ok := st.get([]byte{byte(last), byte(last >> 8), byte(last >> 16)}); !ok || ns != int64(last) {
		t.Errorf("last payload: %d %v", ns, ok)
	}
	if _, ok := st.get([]byte{0, 0, 0}); ok {
		t.Error("the oldest generation was kept")
	}
}

func TestVP8Media(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		skip int
	}{
		{"no extension", []byte{0x10, 0xAA}, 1},
		{"7-bit picture id", []byte{0x90, 0x80, 0x05, 0xAA}, 3},
		{"15-bit picture id, TL0PICIDX, TID", []byte{0x90, 0xE0, 0x81, 0x02, 0x07, 0x40, 0xAA}, 6},
		{"truncated", []byte{0x90, 0x80}, 0},
	} {
		if got := vp8Media(tc.in); len(got) != len(tc.in)-tc.skip {
			t.Errorf("%s: kept %d bytes, want %d", tc.name, len(got), len(tc.in)-tc.skip)
		}
	}
}
