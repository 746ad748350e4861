package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// loadHist is a latency histogram in the manner of HDR histograms: each power-of-two range of
// nanoseconds is split into loadHistSub linear buckets, so any value is kept to within
// 1/loadHistSub (1.6 %) of itself, from 1 ns to the largest duration, in a fixed 30 KiB.
// Recording is one atomic add, so every station goroutine records into one histogram.
type loadHist struct {
	counts [loadHistBuckets]atomic.Uint64
	total  atomic.Uint64
	max    atomic.Int64
}

const (
	loadHistBits    = 6
	loadHistSub     = 1 << loadHistBits                             // linear buckets per power of two
	loadHistBuckets = (64-loadHistBits)*loadHistSub + loadHistSub*2 // enough for any int64
)

// loadHistIndex returns the bucket of a value in nanoseconds. Values below 2*loadHistSub have
// a bucket each; above, the bucket keeps the top loadHistBits+1 bits.
func loadHistIndex(v uint64) int {
	if v < 2*loadHistSub {
		return int(v)
	}
	shift := bits.Len64(v) - loadHistBits - 1
	return shift*loadHistSub + int(v>>shift)
}

// loadHistValue returns the middle of bucket i, the value reported for it.
func loadHistValue(i int) uint64 {
	if i < 2*loadHistSub {
		return uint64(i)
	}
	shift := i/loadHistSub - 1
	mantissa := uint64(i - shift*loadHistSub)
	return mantissa<<shift + (uint64(1)<<shift)/2
}

// record adds one latency.
func (h *loadHist) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[loadHistIndex(uint64(d))].Add(1)
	h.total.Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// quantile returns the value below which a fraction q of the values lie (0 < q <= 1), never
// more than the largest value recorded; 0 when empty.
func (h *loadHist) quantile(q float64) time.Duration {
	total := h.total.Load()
	if total == 0 {
		return 0
	}
	rank := uint64(q*float64(total) + 0.999999)
	rank = max(1, min(rank, total))
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return min(time.Duration(loadHistValue(i)), h.maximum())
		}
	}
	return h.maximum()
}

// maximum returns the largest value recorded.
func (h *loadHist) maximum() time.Duration { return time.Duration(h.max.Load()) }

// sparse returns the non-empty buckets as [index, count] pairs, to send to another process.
func (h *loadHist) sparse() [][2]uint64 {
	var out [][2]uint64
	for i := range h.counts {
		if n := h.counts[i].Load(); n > 0 {
			out = append(out, [2]uint64{uint64(i), n})
		}
	}
	return out
}

// merge adds buckets from sparse and a maximum to h.
func (h *loadHist) merge(buckets [][2]uint64, maximum time.Duration) {
	for _, b := range buckets {
		if b[0] < uint64(len(h.counts)) {
			h.counts[b[0]].Add(b[1])
			h.total.Add(b[1])
		}
	}
	for {
		m := h.max.Load()
		if int64(maximum) <= m || h.max.CompareAndSwap(m, int64(maximum)) {
			return
		}
	}
}
