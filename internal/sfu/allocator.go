package sfu

import (
	"log/slog"
	"math"
	"sort"
	"time"
)

// Layer allocation for one subscriber: which layer of each video track it receives, from the
// size at which it shows each tile, its estimated downlink bandwidth (send-side estimation with
// transport-wide congestion control feedback), and the layers publishers send.
//
// The estimator can only confirm bandwidth that is used (it never estimates above 1.5 times what
// is sent), so a step up beyond the estimate is a probe: it is tried when nothing has been
// congested for a while, kept if the link copes, and undone otherwise, with the wait before the
// next probe doubling after each failure.

const (
	allocInterval  = 500 * time.Millisecond
	probeBackoff   = 2 * time.Second
	maxProbeWait   = 16 * time.Second
	probeJudgement = 4 * time.Second
	// distrustAfterCongestion is how long after congestion only probes may step up.
	distrustAfterCongestion = 8 * time.Second
)

// allocator is the allocation state of one subscriber; it is used only by the peer's allocation
// goroutine.
type allocator struct {
	bwe        estimator // nil: unlimited
	log        *slog.Logger
	loggedAt   time.Time
	backoff    time.Duration
	nextProbe  time.Time
	probing    *DownTrack
	probeFrom  int
	probeUntil time.Time
	congested  time.Time // last time the link was congested
	overuse    int       // consecutive allocations with the delay detector in overuse
}

// estimator is a subscriber's bandwidth estimate (bwe.go).
type estimator interface {
	// targetBitrate is the estimate in bits per second.
	targetBitrate() int
	// congestion reports whether delay grows now (overuse) and the recent loss rate.
	congestion() (overuse bool, loss float64)
}

func newAllocator(bwe estimator, log *slog.Logger) *allocator {
	return &allocator{bwe: bwe, log: log, backoff: probeBackoff}
}

// allocItem is one video down track being allocated.
type allocItem struct {
	d       *DownTrack
	layers  [maxLayers]layerInfo
	want    int // by size and visibility, among active layers
	current int // the layer it is set to now
	from    int // the layer it was set to before this allocation
	prio    int
	area    int
}

// estimate returns the subscriber's bandwidth estimate in bits per second and whether the link
// shows congestion now.
func (a *allocator) estimate() (int, bool) {
	if a.bwe == nil {
		return math.MaxInt, false
	}
	est := a.bwe.targetBitrate()
	overused, loss := a.bwe.congestion()
	lossy := loss > 0.1
	// Loss is congestion at once. Delay (overuse) is too, but only when it lasts two
	// allocations: a busy machine or a jittery Wi-Fi link produces short false alarms.
	if overused {
		a.overuse++
	} else {
		a.overuse = 0
	}
	return est, lossy || a.overuse >= 2
}

// allocate sets the target layer of every video down track in downs.
func (a *allocator) allocate(downs []*DownTrack, now time.Time) {
	items := make([]*allocItem, 0, len(downs))
	for _, d := range downs {
		if d.kind != videoKind {
			continue
		}
		it := &allocItem{d: d, layers: d.track.snapshot(now), current: d.targetLayer()}
		it.from = it.current
		visible, w, h := d.preference()
		switch {
		case !visible:
			it.want = noLayer
		default:
			it.want = availableAtOrBelow(it.layers, layerForSize(it.layers, w, h))
		}
		if d.track.source == SourceScreen {
			it.prio = 1
		}
		it.area = w * h
		items = append(items, it)
	}
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].prio != items[j].prio {
			return items[i].prio > items[j].prio
		}
		return items[i].area > items[j].area
	})

	est, congested := a.estimate()
	estimated := est // est is lowered below for upgrades
	if a.log != nil && now.Sub(a.loggedAt) >= 10*time.Second && len(items) > 0 {
		a.loggedAt = now
		a.log.Debug("layer allocation", "estimate_bps", est, "congested", congested, "video_tracks", len(items), "probing", a.probing != nil, "backoff", a.backoff)
	}
	used := 0
	for _, it := range items {
		if it.current > it.want || (it.current != noLayer && !it.layers[it.current].active) {
			it.current = it.want // smaller tile, hidden, or layer gone: follow at once
		}
		if it.current == noLayer && it.want != noLayer {
			it.current = lowestActive(it.layers, it.want)
		}
		if it.current != noLayer {
			used += it.layers[it.current].bitrate
		}
	}

	// Only the estimator's own signals (loss, lasting delay growth) mean congestion: sending
	// above the estimate is normal while it ramps up behind a probe.
	if congested {
		a.congested = now
		if a.probing != nil {
			a.backoff = min(2*a.backoff, maxProbeWait)
			for _, it := range items {
				if it.d == a.probing && it.current > a.probeFrom {
					used -= it.layers[it.current].bitrate - it.layers[a.probeFrom].bitrate
					it.current = a.probeFrom
				}
			}
			a.probing = nil
		}
		// Step down, lowest priority first, until the allocation fits (never below the lowest
		// layer: a frozen tile is worse than a blurry one).
		for i := len(items) - 1; i >= 0 && used > est; i-- {
			it := items[i]
			for it.current > 0 && used > est {
				lower := availableAtOrBelow(it.layers, it.current-1)
				if lower == noLayer || lower >= it.current {
					break
				}
				used -= it.layers[it.current].bitrate - it.layers[lower].bitrate
				it.current = lower
			}
		}
		a.nextProbe = now.Add(a.backoff)
	} else if now.Sub(a.congested) >= a.backoff {
		// The link has been calm for a while: upgrade.
		if a.probing != nil && now.After(a.probeUntil) {
			a.probing = nil // the link coped
			a.backoff = probeBackoff
		}
		// Upgrades that fit the estimate, with a margin. Shortly after congestion the estimate
		// is not trusted to go up: only probes do, one step at a time.
		est = est * 9 / 10
		if now.Sub(a.congested) < distrustAfterCongestion {
			est = min(est, used)
		}
		for _, it := range items {
			for it.current != noLayer && it.current < it.want {
				next := nextActive(it.layers, it.current, it.want)
				if next == noLayer || used-it.layers[it.current].bitrate+it.layers[next].bitrate > est {
					break
				}
				used += it.layers[next].bitrate - it.layers[it.current].bitrate
				it.current = next
			}
		}
		// One probe beyond the estimate, when the link has been calm for long enough.
		if a.probing == nil && now.After(a.nextProbe) {
			for _, it := range items {
				if it.current == noLayer || it.current >= it.want {
					continue
				}
				if next := nextActive(it.layers, it.current, it.want); next != noLayer {
					a.probing, a.probeFrom, a.probeUntil = it.d, it.current, now.Add(probeJudgement)
					it.current = next
					a.nextProbe = now.Add(a.backoff)
					break
				}
			}
		}
	}
	for _, it := range items {
		if it.current != it.from && a.log != nil {
			a.log.Debug("layer switch", "track", it.d.id, "from", it.from, "to", it.current, "want", it.want,
				"estimate_bps", estimated, "used_bps", used, "congested", congested, "probing", a.probing == it.d)
		}
		it.d.setTarget(it.current)
		// Still waiting for a keyframe of the target layer (the first request may have been
		// absorbed by the rate limit, or lost): ask again.
		if target, waiting := it.d.waitingKeyframe(); waiting {
			it.d.track.requestKeyframe(target)
		}
	}
}

// availableAtOrBelow returns the highest active layer at or below idx, or the lowest active one
// above it, or noLayer.
func availableAtOrBelow(layers [maxLayers]layerInfo, idx int) int {
	if idx == noLayer {
		return noLayer
	}
	for i := idx; i >= 0; i-- {
		if layers[i].active {
			return i
		}
	}
	for i := idx + 1; i < maxLayers; i++ {
		if layers[i].active {
			return i
		}
	}
	return noLayer
}

// lowestActive returns the lowest active layer at or below max, or noLayer.
func lowestActive(layers [maxLayers]layerInfo, max int) int {
	for i := 0; i <= max && i < maxLayers; i++ {
		if layers[i].active {
			return i
		}
	}
	return noLayer
}

// nextActive returns the next active layer above cur, up to max, or noLayer.
func nextActive(layers [maxLayers]layerInfo, cur, max int) int {
	for i := cur + 1; i <= max && i < maxLayers; i++ {
		if layers[i].active {
			return i
		}
	}
	return noLayer
}
