package sfu

import (
	"strings"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Header extensions forwarded from publishers to subscribers (RFC 8285), remapped to the IDs each
// subscriber negotiated. Others (mid, rid, transport-wide sequence numbers, absolute send time)
// describe the publisher's hop and are dropped.
var forwardedExtensions = []string{
	"urn:ietf:params:rtp-hdrext:ssrc-audio-level", // RFC 6464
	"urn:3gpp:video-orientation",
}

// maxExtensionID is the largest one-byte header extension ID (RFC 8285 section 4.2).
const maxExtensionID = 14

// DownTrack sends one published track to one subscriber. It implements webrtc.TrackLocal so that
// pion binds it to the subscriber's connection, and it rewrites sequence numbers so that the
// subscriber sees a gap-free stream even when the server drops packets (while a track is muted).
type DownTrack struct {
	id       string
	streamID string
	kind     webrtc.RTPCodecType
	codec    webrtc.RTPCodecCapability
	pubExt   [maxExtensionID + 1]string // publisher extension ID -> URI
	onBind   func()

	mu          sync.Mutex // guards the following fields
	bound       bool
	ssrc        uint32
	payloadType uint8
	writer      webrtc.TrackLocalWriter
	extMap      [maxExtensionID + 1]uint8 // publisher extension ID -> subscriber ID (0: drop)

	// Sequence number rewriting, touched only by the forwarding goroutine (and reset under mu).
	started   bool
	dropping  bool
	seqOffset uint16
	lastOut   uint16
	resumeSeq uint16
	hdr       rtp.Header                    // the rewritten header, reused for every packet
	exts      [maxExtensionID]rtp.Extension // its extensions
}

var _ webrtc.TrackLocal = (*DownTrack)(nil)

func newDownTrack(t *publishedTrack, onBind func()) *DownTrack {
	d := &DownTrack{
		id:       t.id,
		streamID: t.id,
		kind:     t.kind,
		codec:    t.codec.RTPCodecCapability,
		onBind:   onBind,
	}
	for _, e := range t.extensions {
		if e.ID >= 1 && e.ID <= maxExtensionID {
			d.pubExt[e.ID] = e.URI
		}
	}
	return d
}

// Bind is called by pion when the subscriber's connection has negotiated this track.
func (d *DownTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, ok := matchCodec(d.codec, ctx.CodecParameters())
	if !ok {
		return webrtc.RTPCodecParameters{}, ErrUnsupportedCodec
	}
	d.mu.Lock()
	d.bound = true
	d.ssrc = uint32(ctx.SSRC())
	d.payloadType = uint8(codec.PayloadType)
	d.writer = ctx.WriteStream()
	d.extMap = [maxExtensionID + 1]uint8{}
	for _, sub := range ctx.HeaderExtensions() {
		for pubID, uri := range d.pubExt {
			if uri != "" && uri == sub.URI && isForwarded(uri) && sub.ID >= 1 && sub.ID <= maxExtensionID {
				d.extMap[pubID] = uint8(sub.ID)
			}
		}
	}
	d.started = false
	d.mu.Unlock()
	if d.onBind != nil {
		d.onBind()
	}
	return codec, nil
}

// Unbind is called by pion when the track is removed from the subscriber's connection.
func (d *DownTrack) Unbind(webrtc.TrackLocalContext) error {
	d.mu.Lock()
	d.bound = false
	d.writer = nil
	d.mu.Unlock()
	return nil
}

// ID returns the track id, the same as the published track's.
func (d *DownTrack) ID() string { return d.id }

// RID returns "": down tracks carry one encoding.
func (d *DownTrack) RID() string { return "" }

// StreamID returns the stream id, equal to the track id so that clients can map a received
// stream to the published track.
func (d *DownTrack) StreamID() string { return d.streamID }

// Kind returns audio or video.
func (d *DownTrack) Kind() webrtc.RTPCodecType { return d.kind }

// drop records that a packet was not forwarded, so that the next forwarded packet continues the
// subscriber's sequence numbers without a gap.
func (d *DownTrack) drop() {
	d.mu.Lock()
	d.dropping = true
	d.mu.Unlock()
}

// writeRTP forwards one packet. It is called only from the published track's forwarding
// goroutine and does not allocate.
func (d *DownTrack) writeRTP(p *rtp.Packet) (forwarded bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.bound || d.writer == nil {
		d.dropping = true
		return false, nil
	}
	seq := p.SequenceNumber
	switch {
	case !d.started:
		d.started = true
		d.dropping = false
		d.seqOffset = 0
		d.resumeSeq = seq
		d.lastOut = seq - 1
	case d.dropping:
		// Continue right after the last packet sent: the packets we dropped never existed
		// for this subscriber.
		d.dropping = false
		d.seqOffset = seq - d.lastOut - 1
		d.resumeSeq = seq
	case int16(seq-d.resumeSeq) < 0:
		// A late packet (retransmission) from before a drop: its slot was reused.
		return false, nil
	}
	out := seq - d.seqOffset
	if int16(out-d.lastOut) > 0 {
		d.lastOut = out
	}

	d.hdr = p.Header
	h := &d.hdr
	h.SSRC = d.ssrc
	h.PayloadType = d.payloadType
	h.SequenceNumber = out
	h.Padding = false // padding is the publisher hop's business
	h.PaddingSize = 0
	h.Extension = false
	h.Extensions = d.exts[:0]
	if p.Header.Extension {
		for pubID := uint8(1); pubID <= maxExtensionID; pubID++ {
			if subID := d.extMap[pubID]; subID != 0 {
				if payload := p.Header.GetExtension(pubID); payload != nil {
					_ = h.SetExtension(subID, payload)
				}
			}
		}
	}
	if _, err := d.writer.WriteRTP(h, p.Payload); err != nil {
		return false, err
	}
	return true, nil
}

func isForwarded(uri string) bool {
	for _, u := range forwardedExtensions {
		if u == uri {
			return true
		}
	}
	return false
}

// matchCodec finds the subscriber's payload type for the publisher's codec: same MIME type, and
// the same format parameters when the subscriber offers several variants.
func matchCodec(want webrtc.RTPCodecCapability, have []webrtc.RTPCodecParameters) (webrtc.RTPCodecParameters, bool) {
	var fallback *webrtc.RTPCodecParameters
	for i := range have {
		c := &have[i]
		if !strings.EqualFold(c.MimeType, want.MimeType) {
			continue
		}
		if c.SDPFmtpLine == want.SDPFmtpLine {
			return *c, true
		}
		if fallback == nil {
			fallback = c
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return webrtc.RTPCodecParameters{}, false
}
