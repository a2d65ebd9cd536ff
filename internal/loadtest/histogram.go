package loadtest

import (
	"math/bits"
	"time"
)

// histogram counts durations in log-linear buckets: exact below 128 ns, then 64 buckets per
// power of two (1.6 % resolution), up to about 18 minutes. Not safe for concurrent use.
type histogram struct {
	counts [64 * 34]uint64
	n      uint64
	max    time.Duration
}

func bucketOf(v uint64) int {
	if v < 128 {
		return int(v)
	}
	e := bits.Len64(v) - 7
	i := 64*e + int(v>>e)
	return min(i, len(histogram{}.counts)-1)
}

func bucketValue(i int) uint64 {
	if i < 128 {
		return uint64(i)
	}
	e := (i - 64) / 64
	m := uint64(i - 64*e)
	return m << e
}

func (h *histogram) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the q-quantile (0 to 1), the lower bound of its bucket.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n-1))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			return time.Duration(bucketValue(i))
		}
	}
	return h.max
}

// percentiles are the summary of a histogram shown in reports.
type percentiles struct {
	N                  uint64
	P50, P90, P99, Max time.Duration
}

func (h *histogram) summary() percentiles {
	return percentiles{N: h.n, P50: h.quantile(0.5), P90: h.quantile(0.9), P99: h.quantile(0.99), Max: h.max}
}
