package loadtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"visio/internal/client"
	"visio/internal/signal"
)

// participant is one headless participant of the load: a publisher (pub != nil) or a
// subscriber. Both receive unless the configuration makes publishers publish-only.
type participant struct {
	r    *runner
	room int
	name string
	pub  *publisher

	c           atomic.Pointer[client.Client]
	joinStart   time.Time
	joinTime    time.Duration
	firstRecv   atomic.Int64 // ns after joinStart of the first media packet received; 0: none yet
	mediaTracks atomic.Int32 // remote tracks on which media arrived

	mu     sync.Mutex // guards the following fields
	tracks []*trackStats
	views  map[string]bool // remote video tracks told to the server with subscribe
}

// publisher is the sending side of a participant.
type publisher struct {
	times  *sendTimes
	snd    *sender
	audio  *webrtc.TrackLocalStaticRTP
	video  [3]*webrtc.TrackLocalStaticRTP // by layer; nil if not sent
	simTr  *webrtc.RTPTransceiver         // the simulcast transceiver
	midID  uint8
	ridID  uint8
	mid    []byte
	extBuf [2]rtp.Extension
}

// trackStats is what a participant received on one remote track during the measurement.
type trackStats struct {
	mu                  sync.Mutex // guards the following fields
	video               bool
	packets, bytes      uint64
	matched, unmatched  uint64
	started             bool
	lastSeq             uint16
	ext, minExt, maxExt int64
	delay               histogram
}

func (r *runner) newParticipant(room int, name string) *participant {
	return &participant{r: r, room: room, name: name, views: map[string]bool{}}
}

func (p *participant) join(ctx context.Context, base, code string) error {
	cfg := &p.r.cfg
	opts := client.Options{
		Loopback:    p.r.loopback,
		OnTrack:     p.onTrack,
		OnEvent:     p.onEvent,
		PublishOnly: p.pub != nil && cfg.PublishOnly,
	}
	api := p.r.api
	if p.pub != nil {
		opts.OnRTCP = p.onRTCP
	} else {
		p.r.subscriberOptions(p.r.transport, &opts)
		if p.r.transport == TransportTCP {
			api = p.r.tcpAPI
		}
	}
	p.joinStart = time.Now()
	c, err := client.Join(ctx, api, base, code, p.name, opts)
	if err != nil {
		return fmt.Errorf("%s: join: %w", p.name, err)
	}
	p.joinTime = time.Since(p.joinStart)
	p.c.Store(c)
	p.r.reg.addParticipant(c.ID(), p)
	p.sendViews(ctx)
	return nil
}

// publish adds the publisher's tracks, negotiates, and starts sending.
func (p *participant) publish(ctx context.Context, index int) error {
	cfg := &p.r.cfg
	c := p.c.Load()
	pub := p.pub
	stream := fmt.Sprintf("lt-%d", index)
	var err error
	pub.audio, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", stream)
	if err != nil {
		return err
	}
	if _, err := c.AddTrack(pub.audio, "microphone"); err != nil {
		return err
	}
	var layers []int
	vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	switch {
	case cfg.AudioOnly:
	case cfg.Simulcast:
		var tracks []*webrtc.TrackLocalStaticRTP
		for l, rid := range layerRIDs {
			t, err := webrtc.NewTrackLocalStaticRTP(vp8, "video", stream, webrtc.WithRTPStreamID(rid))
			if err != nil {
				return err
			}
			pub.video[l] = t
			tracks = append(tracks, t)
			layers = append(layers, l)
		}
		if pub.simTr, err = c.AddSimulcastTrack(tracks, "camera"); err != nil {
			return err
		}
	default:
		t, err := webrtc.NewTrackLocalStaticRTP(vp8, "video", stream)
		if err != nil {
			return err
		}
		pub.video[2] = t
		layers = []int{2}
		if _, err := c.AddTrack(t, "camera"); err != nil {
			return err
		}
	}
	if err := c.Negotiate(ctx, false); err != nil {
		return fmt.Errorf("%s: negotiate: %w", p.name, err)
	}
	if pub.simTr != nil {
		var mid string
		pub.midID, pub.ridID, mid = client.StreamExtensions(pub.simTr)
		pub.mid = []byte(mid)
		if pub.ridID == 0 {
			return fmt.Errorf("%s: the server did not accept the rid header extension needed for simulcast", p.name)
		}
	}
	pub.snd = newSender(p.r.media, true, layers, index*7, p.r.cfg.Burst, p.emit)
	pub.snd.start(p.r.sendCtx)
	return nil
}

// emit sends one packet and remembers when, for the delay measurement.
func (p *participant) emit(s int, pkt *rtp.Packet) {
	pub := p.pub
	if s == streamAudio {
		pub.times.put(pkt.Payload, p.r.now())
		_ = pub.audio.WriteRTP(pkt)
		return
	}
	pub.times.put(vp8Media(pkt.Payload), p.r.now())
	l := s - streamVideo
	pkt.Header.Extension = false
	pkt.Header.Extensions = pub.extBuf[:0]
	if pub.simTr != nil {
		// RFC 8852: the layer is named in every packet; pion does not add it itself.
		if pub.midID != 0 {
			_ = pkt.Header.SetExtension(pub.midID, pub.mid)
		}
		_ = pkt.Header.SetExtension(pub.ridID, []byte(layerRIDs[l]))
	}
	_ = pub.video[l].WriteRTP(pkt)
}

func (p *participant) onRTCP(_, _ string, pkts []rtcp.Packet) {
	for _, pkt := range pkts {
		switch pkt.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			if s := p.pub.snd; s != nil {
				s.requestKeyframe()
			}
		}
	}
}

func (p *participant) onEvent(msg any) {
	switch m := msg.(type) {
	case *signal.Welcome:
		for _, o := range m.Participants {
			p.r.reg.addTracks(o)
		}
	case *signal.ParticipantEvent:
		p.r.reg.addTracks(m.Participant)
	case *client.Layers:
		if p.pub != nil && p.pub.snd != nil && p.pub.simTr != nil {
			p.pub.snd.setActive(m.Active)
		}
	default:
		return
	}
	if c := p.c.Load(); c != nil {
		p.sendViews(context.Background())
	}
}

// sendViews tells the server the size at which the participant shows the remote video tracks
// it has not described yet (the subscribe message), if the configuration asks for it.
func (p *participant) sendViews(ctx context.Context) {
	cfg := &p.r.cfg
	c := p.c.Load()
	if cfg.ViewWidth == 0 || c == nil || (p.pub != nil && cfg.PublishOnly) {
		return
	}
	var views []client.TrackView
	p.mu.Lock()
	for _, id := range p.r.reg.videoTracks(p.room) {
		if !p.views[id] {
			p.views[id] = true
			views = append(views, client.TrackView{TrackID: id, Visible: true, Width: cfg.ViewWidth, Height: cfg.ViewHeight})
		}
	}
	p.mu.Unlock()
	if len(views) > 0 {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = c.Subscribe(ctx, views)
	}
}

// onTrack reads one remote track until it ends, recording what arrives during the measurement.
func (p *participant) onTrack(trackID string, remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	st := &trackStats{video: remote.Kind() == webrtc.RTPCodecTypeVideo}
	p.mu.Lock()
	p.tracks = append(p.tracks, st)
	p.mu.Unlock()
	var from *publisher
	var hdr rtp.Header
	buf := make([]byte, 1500)
	first := true
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		now := p.r.now()
		if first {
			first = false
			p.mediaTracks.Add(1)
			p.firstRecv.CompareAndSwap(0, max(int64(time.Since(p.joinStart)), 1))
		}
		if p.r.phase.Load() != phaseMeasure {
			continue
		}
		hl, err := hdr.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		end := n
		if hdr.Padding && n > hl {
			end -= int(buf[n-1])
		}
		if end <= hl {
			continue // padding only (bandwidth probe)
		}
		payload := buf[hl:end]
		if st.video {
			payload = vp8Media(payload)
		}
		if from == nil {
			from = p.r.reg.publisherOf(trackID)
		}
		var sent int64
		var ok bool
		if from != nil {
			sent, ok = from.times.get(payload)
		}
		st.record(hdr.SequenceNumber, n, ok, time.Duration(now-sent))
	}
}

func (s *trackStats) record(seq uint16, size int, matched bool, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.packets++
	s.bytes += uint64(size)
	if !s.started {
		s.started = true
		s.ext = int64(seq)
		s.minExt, s.maxExt = s.ext, s.ext
	} else {
		s.ext += int64(int16(seq - s.lastSeq))
		s.minExt = min(s.minExt, s.ext)
		s.maxExt = max(s.maxExt, s.ext)
	}
	s.lastSeq = seq
	if matched {
		s.matched++
		s.delay.add(delay)
	} else {
		s.unmatched++
	}
}

// registry maps the server's track ids to the publishers that send them, from the participant
// events every participant receives.
type registry struct {
	mu       sync.RWMutex // guards the following fields
	byID     map[string]*participant
	trackPID map[string]string // track id -> participant id
	video    map[string]bool   // video track ids
}

func newRegistry() *registry {
	return &registry{byID: map[string]*participant{}, trackPID: map[string]string{}, video: map[string]bool{}}
}

func (g *registry) addParticipant(id string, p *participant) {
	g.mu.Lock()
	g.byID[id] = p
	g.mu.Unlock()
}

func (g *registry) addTracks(pj signal.ParticipantJSON) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, t := range pj.Tracks {
		g.trackPID[t.ID] = pj.ID
		if t.Kind == "video" {
			g.video[t.ID] = true
		}
	}
}

func (g *registry) publisherOf(trackID string) *publisher {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if p := g.byID[g.trackPID[trackID]]; p != nil {
		return p.pub
	}
	return nil
}

// videoTracks lists the video tracks of a room's publishers.
func (g *registry) videoTracks(room int) []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var out []string
	for id := range g.video {
		if p := g.byID[g.trackPID[id]]; p != nil && p.room == room {
			out = append(out, id)
		}
	}
	return out
}
