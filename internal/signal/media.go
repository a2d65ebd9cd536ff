package signal

import (
	"context"

	"github.com/pion/webrtc/v4"

	"visio/internal/room"
	"visio/internal/sfu"
)

// The SFU as the meeting's media side (room.Media, room.Peer), and as what a session
// negotiates with.

// sfuMedia opens an SFU room for each meeting.
func sfuMedia(engine *sfu.Engine) room.MediaFactory {
	return func(code string, events room.MediaEvents) room.Media {
		return mediaRoom{engine.NewRoom(code, speakerEvents{events})}
	}
}

type mediaRoom struct{ r *sfu.Room }

var _ room.Media = mediaRoom{}

func (m mediaRoom) NewPeer(id string, events room.PeerEvents) (room.Peer, error) {
	p, err := m.r.NewPeer(id, events)
	if err != nil {
		return nil, err
	}
	return mediaPeer{p}, nil
}

func (m mediaRoom) SetAudioTap(tap room.AudioTap) {
	if tap == nil {
		m.r.SetAudioTap(nil)
		return
	}
	m.r.SetAudioTap(sfu.AudioTap(tap))
}

func (m mediaRoom) Close() { m.r.Close() }

var _ room.RecordingMedia = mediaRoom{}

// Record implements room.RecordingMedia: the recorder (recording.Recorder) is the SFU room's
// media tap.
func (m mediaRoom) Record(r room.Recorder) {
	tap, ok := r.(sfu.MediaTap)
	if !ok {
		m.r.SetMediaTap(nil)
		return
	}
	m.r.SetMediaTap(tap)
}

// RequestKeyframe implements room.RecordingMedia.
func (m mediaRoom) RequestKeyframe(trackID string) { m.r.RequestKeyframe(trackID) }

// speakerEvents hands the SFU room's events to the meeting.
type speakerEvents struct{ events room.MediaEvents }

func (e speakerEvents) OnSpeakers(list []sfu.Speaker) {
	out := make([]room.Speaker, len(list))
	for i, s := range list {
		out[i] = room.Speaker{ParticipantID: s.ParticipantID, Level: s.Level}
	}
	e.events.OnSpeakers(out)
}

// mediaPeer is one participant's SFU peer.
type mediaPeer struct{ p *sfu.Peer }

var (
	_ room.Peer  = mediaPeer{}
	_ negotiator = mediaPeer{}
)

func (m mediaPeer) Start() error { return m.p.Start() }

func (m mediaPeer) Permit(publish, subscribe bool) {
	var sources map[sfu.Source]bool // nil: every source
	if !publish {
		sources = map[sfu.Source]bool{}
	}
	m.p.SetPermissions(sources, subscribe)
}

func (m mediaPeer) Mute(source room.Source, muted bool) { m.p.SetMuted(sfu.Source(source), muted) }

func (m mediaPeer) Tracks() []room.Track {
	tracks := m.p.Tracks()
	out := make([]room.Track, len(tracks))
	for i, t := range tracks {
		out[i] = room.Track{ID: t.ID, Source: room.Source(t.Source), Kind: t.Kind, Muted: t.Muted, Layers: t.Layers}
	}
	return out
}

func (m mediaPeer) Resume() { m.p.Resume() }
func (m mediaPeer) Close()  { m.p.Close() }

// negotiator is what a session asks of its participant's media directly: the WebRTC
// negotiation, which the meeting's rules do not look at.
type negotiator interface {
	HandleOffer(ctx context.Context, sdp string, tracks []TrackDecl) (string, error)
	HandleAnswer(sdp string) error
	AddCandidate(target string, c webrtc.ICECandidateInit) error
	SetSubscription(trackID string, visible bool, width, height int)
}

func (m mediaPeer) HandleOffer(ctx context.Context, sdp string, tracks []TrackDecl) (string, error) {
	decl := make([]sfu.DeclaredTrack, len(tracks))
	for i, t := range tracks {
		decl[i] = sfu.DeclaredTrack{CID: t.CID, Source: sfu.Source(t.Source), Layers: t.Layers}
	}
	return m.p.HandleOffer(ctx, sdp, decl)
}

func (m mediaPeer) HandleAnswer(sdp string) error { return m.p.HandleAnswer(sdp) }

func (m mediaPeer) AddCandidate(target string, c webrtc.ICECandidateInit) error {
	return m.p.AddCandidate(sfu.Target(target), c)
}

func (m mediaPeer) SetSubscription(trackID string, visible bool, width, height int) {
	m.p.SetSubscription(trackID, visible, width, height)
}
