package sfu

import (
	"errors"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"visio/internal/procs"
)

// keyframeInterval is the shortest time between two keyframe requests sent to a publisher for
// one layer: subscribers joining together share one keyframe.
const keyframeInterval = 300 * time.Millisecond

// maxRTPPacket is the size of the buffer a forwarding goroutine reads into.
const maxRTPPacket = 1500

// publishedTrack is one track a participant sends to the server (with one layer, or up to three
// simulcast layers), and the list of subscribers it is forwarded to.
type publishedTrack struct {
	id         string
	ownerID    string
	source     Source
	kind       webrtc.RTPCodecType
	codec      webrtc.RTPCodecParameters
	vp8        bool
	simulcast  bool
	extensions []webrtc.RTPHeaderExtensionParameter
	levelExtID uint8 // RFC 6464 audio level extension ID on the publisher connection, 0 if none
	twccExtID  uint8 // transport-wide sequence number extension ID, 0 if none
	feedback   *pubFeedback
	sendNACK   func(mediaSSRC uint32, seqs []uint16)
	tap        *audioTap // the room's taps (tap.go, mediatap.go); set when the track is made
	sendPLI    func(mediaSSRC uint32)
	metrics    *Metrics
	log        *slog.Logger

	muted   atomic.Bool
	blocked atomic.Bool                  // the publisher may not publish this source (moderation)
	audible atomic.Bool                  // audio: forwarded (one of the loudest speakers)
	level   atomic.Uint32                // audio: loudest level since the last tick, 0-127 (127 - dBov)
	downs   atomic.Pointer[[]*DownTrack] // copy-on-write: read per packet, written under mu

	mu       sync.Mutex // guards the following fields
	layers   [maxLayers]*layer
	declared [maxLayers]bool // layers the publisher said it encodes (received or paused)
	closed   bool
	lastPLI  [maxLayers]time.Time
}

func newPublishedTrack(id, owner string, source Source, remote *webrtc.TrackRemote, exts []webrtc.RTPHeaderExtensionParameter) *publishedTrack {
	t := &publishedTrack{
		id:         id,
		ownerID:    owner,
		source:     source,
		kind:       remote.Kind(),
		codec:      remote.Codec(),
		simulcast:  remote.RID() != "",
		extensions: exts,
	}
	t.vp8 = strings.EqualFold(t.codec.MimeType, webrtc.MimeTypeVP8)
	for _, e := range exts {
		if e.ID <= 0 || e.ID > maxExtensionID {
			continue
		}
		if e.URI == forwardedExtensions[0] {
			t.levelExtID = uint8(e.ID)
		}
	}
	t.audible.Store(true)
	return t
}

// addLayer records a new encoding of the track. It reports false if that layer exists.
func (t *publishedTrack) addLayer(remote *webrtc.TrackRemote) (*layer, bool) {
	idx, ok := layerIndex(remote.RID())
	if !ok {
		return nil, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.layers[idx] != nil || t.closed {
		return nil, false
	}
	l := &layer{idx: idx, rid: remote.RID(), remote: remote, track: t}
	l.recv = newRecvStream(uint32(remote.SSRC()), t.codec.ClockRate, t.kind == videoKind)
	if t.kind == videoKind {
		l.cache = &packetCache{}
	}
	l.lastRecv.Store(time.Now().UnixNano())
	t.layers[idx] = l
	return l, true
}

// declareLayers records the simulcast layers the publisher encodes, so that a layer paused
// before its first packet can still be asked for.
func (t *publishedTrack) declareLayers(rids []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, rid := range rids {
		if idx, ok := layerIndex(rid); ok && rid != "" {
			t.declared[idx] = true
		}
	}
}

// removeLayer forgets a layer whose stream ended; it reports whether no layer is left.
func (t *publishedTrack) removeLayer(l *layer) (empty bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.layers[l.idx] == l {
		t.layers[l.idx] = nil
	}
	for _, x := range t.layers {
		if x != nil {
			return false
		}
	}
	return true
}

func (t *publishedTrack) info() TrackInfo {
	ti := TrackInfo{ID: t.id, Source: t.source, Kind: t.kind.String(), Muted: t.muted.Load() || t.blocked.Load()}
	if t.simulcast {
		t.mu.Lock()
		for _, l := range t.layers {
			if l != nil {
				ti.Layers = append(ti.Layers, l.rid)
			}
		}
		t.mu.Unlock()
	}
	return ti
}

// addDown adds a subscriber's down track. It reports false if the track has ended.
func (t *publishedTrack) addDown(d *DownTrack) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	old := t.downs.Load()
	var list []*DownTrack
	if old != nil {
		list = make([]*DownTrack, 0, len(*old)+1)
		list = append(list, *old...)
	}
	list = append(list, d)
	t.downs.Store(&list)
	return true
}

func (t *publishedTrack) removeDown(d *DownTrack) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.downs.Load()
	if old == nil {
		return
	}
	list := make([]*DownTrack, 0, len(*old))
	for _, x := range *old {
		if x != d {
			list = append(list, x)
		}
	}
	t.downs.Store(&list)
}

// setMuted changes whether the track is forwarded. It reports whether anything changed.
func (t *publishedTrack) setMuted(m bool) bool {
	if t.muted.Swap(m) == m {
		return false
	}
	if !m {
		for _, d := range t.downList() {
			t.requestKeyframe(d.targetLayer())
		}
	}
	return true
}

func (t *publishedTrack) downList() []*DownTrack {
	if p := t.downs.Load(); p != nil {
		return *p
	}
	return nil
}

// requestKeyframe asks the publisher for a keyframe on one layer (RFC 4585 PLI), at most once per
// keyframeInterval.
func (t *publishedTrack) requestKeyframe(idx int) {
	if t.kind != webrtc.RTPCodecTypeVideo || idx < 0 || idx >= maxLayers {
		return
	}
	t.mu.Lock()
	l := t.layers[idx]
	now := time.Now()
	if t.closed || l == nil || now.Sub(t.lastPLI[idx]) < keyframeInterval {
		t.mu.Unlock()
		return
	}
	t.lastPLI[idx] = now
	t.mu.Unlock()
	t.sendPLI(l.recv.ssrc)
	t.metrics.KeyframeRequests.Inc()
}

// layerInfo is a snapshot of one layer for layer selection.
type layerInfo struct {
	present, active bool
	width, height   int
	bitrate         int
}

// snapshot returns the state of the layers.
func (t *publishedTrack) snapshot(now time.Time) (out [maxLayers]layerInfo) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, l := range t.layers {
		if l == nil {
			out[i] = layerInfo{present: t.declared[i], bitrate: defaultLayerBitrate[i]}
			continue
		}
		out[i] = layerInfo{present: true, active: l.active(now), width: int(l.width.Load()), height: int(l.height.Load()), bitrate: l.bitrate()}
	}
	return out
}

// measure updates the layers' bit rates.
func (t *publishedTrack) measure(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range t.layers {
		if l != nil {
			l.measure(now)
		}
	}
}

// takeLevel returns the loudest audio level since the last call (0-127, 127 = 0 dBov), or 0.
func (t *publishedTrack) takeLevel() int { return int(t.level.Swap(0)) }

// forward reads one layer's packets and writes each to every subscriber until the stream ends.
// It is the per-packet hot path: one buffer and one packet are reused for the whole life of the
// layer.
func (t *publishedTrack) forward(l *layer) {
	buf := make([]byte, maxRTPPacket)
	var pkt rtp.Packet
	audio := t.kind == webrtc.RTPCodecTypeAudio
	var lastErrLog int64
	var lost []uint16
	var fan *fanOut // the second forwarding goroutine, for many subscribers
	for {
		n, _, err := l.remote.Read(buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.log.Debug("track read ended", "track", t.id, "rid", l.rid, "err", err)
			}
			return
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			t.metrics.ForwardErrors.Inc()
			continue
		}
		at := time.Now()
		now := at.UnixNano()
		if lost = l.recv.onPacket(&pkt.Header, at, lost); len(lost) > 0 && t.sendNACK != nil {
			t.metrics.NACKsSent.Add(float64(len(lost)))
			t.sendNACK(pkt.SSRC, lost)
		}
		if l.cache != nil && !l.cache.put(pkt.SequenceNumber, buf[:n]) {
			// A packet already received: a browser probing its uplink resends recent packets
			// (RTX payload padding). Forwarded again, it would reach subscribers with a sequence
			// number they have, and be dropped as an SRTP replay after counting against their
			// bandwidth estimate.
			continue
		}
		l.bytes.Add(uint64(n))
		l.lastRecv.Store(now)

		var vp8 vp8Descriptor
		if t.vp8 {
			var ok bool
			if vp8, ok = parseVP8(pkt.Payload); ok && vp8.keyframe && vp8.width > 0 {
				l.width.Store(int32(vp8.width))
				l.height.Store(int32(vp8.height))
			}
		}
		if audio && t.levelExtID != 0 {
			if ext := pkt.Header.GetExtension(t.levelExtID); len(ext) == 1 {
				lvl := uint32(127 - ext[0]&0x7f)
				for {
					old := t.level.Load()
					if lvl <= old || t.level.CompareAndSwap(old, lvl) {
						break
					}
				}
			}
		}

		if audio {
			t.tapAudio(pkt.Timestamp, pkt.Payload)
		}
		t.tapMedia(l.idx, now, &pkt)

		downs := t.downs.Load()
		if downs == nil {
			continue
		}
		skip := t.muted.Load() || t.blocked.Load() || len(pkt.Payload) == 0 || (audio && !t.audible.Load())
		list := *downs
		var res fanResult
		if !skip && len(list) >= fanOutSplit && procs.Parallel() {
			// Many subscribers: a second goroutine writes to the second half meanwhile, so
			// that the last subscriber does not wait for all the others' sends.
			if fan == nil {
				fan = startFanOut()
				defer fan.stop()
			}
			res = fan.writeSplit(list, &pkt, l.idx, &vp8, now)
		} else {
			for _, d := range list {
				if skip {
					d.drop(l.idx)
				}
			}
			if !skip {
				res = writeAll(list, &pkt, l.idx, &vp8, now)
			}
		}
		if res.err != nil && now-lastErrLog > int64(10*time.Second) {
			lastErrLog = now
			t.log.Warn("forwarding to a subscriber failed (logged once per 10 s per track)", "track", t.id, "err", res.err)
		}
		if res.sent > 0 {
			t.metrics.ForwardedPackets.Add(float64(res.sent))
			t.metrics.ForwardedBytes.Add(float64(res.sent * n))
		}
		if res.failed > 0 {
			t.metrics.ForwardErrors.Add(float64(res.failed))
		}
	}
}

// fanOutSplit is the number of subscribers from which one packet's sends are shared by two
// goroutines, when two processors run Go code. Below it one goroutine is cheaper: waking a
// second costs more than it saves.
const fanOutSplit = 48

// fanResult counts the outcome of writing one packet to a list of down tracks.
type fanResult struct {
	sent, failed int
	err          error // one of the errors, for the log
}

func (r *fanResult) add(o fanResult) {
	r.sent += o.sent
	r.failed += o.failed
	if r.err == nil {
		r.err = o.err
	}
}

// writeAll writes one packet of layer idx to each down track of downs.
func writeAll(downs []*DownTrack, pkt *rtp.Packet, idx int, vp8 *vp8Descriptor, now int64) (r fanResult) {
	for _, d := range downs {
		ok, err := d.writeRTP(pkt, idx, vp8, now)
		switch {
		case err != nil:
			r.failed++
			r.err = err
		case ok:
			r.sent++
		}
	}
	return r
}

// fanWork is one packet for the fan-out goroutine; the packet is only read, and the sender waits
// for the result before reusing it.
type fanWork struct {
	downs []*DownTrack
	pkt   *rtp.Packet
	idx   int
	vp8   *vp8Descriptor
	now   int64
}

// fanOut is a layer's second forwarding goroutine, started when the layer first has
// fanOutSplit subscribers and stopped with the layer.
type fanOut struct {
	work chan fanWork
	done chan fanResult
	exit chan struct{}
}

func startFanOut() *fanOut {
	f := &fanOut{work: make(chan fanWork), done: make(chan fanResult), exit: make(chan struct{})}
	go func() {
		defer close(f.exit)
		for w := range f.work {
			f.done <- writeAll(w.downs, w.pkt, w.idx, w.vp8, w.now)
		}
	}()
	return f
}

// writeSplit writes one packet to downs: the first half on the calling goroutine, the second
// half on the fan-out goroutine meanwhile. It returns when both are done.
func (f *fanOut) writeSplit(downs []*DownTrack, pkt *rtp.Packet, idx int, vp8 *vp8Descriptor, now int64) fanResult {
	half := len(downs) / 2
	f.work <- fanWork{downs: downs[half:], pkt: pkt, idx: idx, vp8: vp8, now: now}
	r := writeAll(downs[:half], pkt, idx, vp8, now)
	r.add(<-f.done)
	return r
}

func (f *fanOut) stop() {
	close(f.work)
	<-f.exit
}

// layerList returns the track's layers; unused entries are nil.
func (t *publishedTrack) layerList() [maxLayers]*layer {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.layers
}

// layerAt returns layer idx, or nil.
func (t *publishedTrack) layerAt(idx int) *layer {
	if idx < 0 || idx >= maxLayers {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.layers[idx]
}

// close marks the track ended; no new subscriber is added after it.
func (t *publishedTrack) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}

// layerForSize returns the lowest layer at least as large as a tile of w x h device pixels (the
// top layer if none is), among the present ones.
func layerForSize(layers [maxLayers]layerInfo, w, h int) int {
	top := noLayer
	for i := range layers {
		if layers[i].present {
			top = i
		}
	}
	if top == noLayer {
		return noLayer
	}
	if w <= 0 && h <= 0 {
		// Size unknown: the lowest layer present.
		for i := range layers {
			if layers[i].present {
				return i
			}
		}
	}
	topW, topH := layers[top].width, layers[top].height
	for i := 0; i <= top; i++ {
		if !layers[i].present {
			continue
		}
		lw, lh := layers[i].width, layers[i].height
		if lw == 0 || lh == 0 {
			if topW == 0 || topH == 0 {
				topW, topH = 1280, 720 // assume 720p before the first keyframe says otherwise
			}
			scale := math.Pow(2, float64(top-i))
			lw, lh = int(float64(topW)/scale), int(float64(topH)/scale)
		}
		// A layer fits when it is no more than 25% smaller than the tile.
		if float64(lw)*1.25 >= float64(w) && float64(lh)*1.25 >= float64(h) {
			return i
		}
	}
	return top
}
