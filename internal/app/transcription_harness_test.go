package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/opus/pkg/oggreader"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"visio/internal/client"
	"visio/internal/signal"
	"visio/internal/transcribe/archive"
	"visio/internal/transcribe/speechtest"
)

// speechFile returns a shared recording (see speechtest.Dir).
func speechFile(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(speechtest.Dir(t), name)
}

// opusPacket is one Opus packet of a recording with its duration.
type opusPacket struct {
	data []byte
	dur  time.Duration
}

// readOpusPackets reads the Opus packets of an Ogg/Opus file (RFC 7845).
func readOpusPackets(t testing.TB, path string) []opusPacket {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ogg, _, err := oggreader.NewWith(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []opusPacket
	for i := 0; ; i++ {
		pkt, _, err := ogg.ParseNextPacket()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(pkt) == 0 || strings.HasPrefix(string(pkt), "OpusTags") {
			continue
		}
		out = append(out, opusPacket{data: append([]byte(nil), pkt...), dur: opusDuration(pkt)})
	}
	return out
}

// opusDuration is the duration of an Opus packet from its TOC byte (RFC 6716 section 3.1).
func opusDuration(pkt []byte) time.Duration {
	cfg := pkt[0] >> 3
	var frame time.Duration
	switch {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		frame = []time.Duration{10, 20, 40, 60}[cfg%4] * time.Millisecond
	case cfg < 16: // hybrid: 10, 20 ms
		frame = []time.Duration{10, 20}[cfg%2] * time.Millisecond
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = []time.Duration{2500, 5000, 10000, 20000}[cfg%4] * time.Microsecond
	}
	frames := 1
	switch pkt[0] & 3 {
	case 1, 2:
		frames = 2
	case 3:
		if len(pkt) > 1 {
			frames = int(pkt[1] & 63)
		}
	}
	return frame * time.Duration(frames)
}

// speaker is a headless participant that publishes a microphone track fed from a recording.
type speaker struct {
	*participant
	track *webrtc.TrackLocalStaticSample
}

func joinSpeaker(t testing.TB, api *webrtc.API, base, code, name string) *speaker {
	t.Helper()
	return joinSpeakerAs(t, api, base, code, name, nil)
}

// joinSpeakerAs joins as the user signed in on hc (a guest if nil).
func joinSpeakerAs(t testing.TB, api *webrtc.API, base, code, name string, hc *http.Client) *speaker {
	t.Helper()
	p := joinAs(t, api, base, code, name, hc)
	tr, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic-"+name, "s-"+name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.c.AddTrack(tr, "microphone"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.c.Negotiate(ctx, false); err != nil {
		t.Fatalf("negotiate: %v", err)
	}
	return &speaker{participant: p, track: tr}
}

// say sends the packets in real time and returns when the last one is sent.
func (s *speaker) say(t testing.TB, pkts []opusPacket) {
	t.Helper()
	next := time.Now()
	for _, p := range pkts {
		if err := s.track.WriteSample(media.Sample{Data: p.data, Duration: p.dur}); err != nil {
			t.Fatalf("write sample: %v", err)
		}
		next = next.Add(p.dur)
		time.Sleep(time.Until(next))
	}
}

// control sends a raw client message.
func (s *speaker) control(t testing.TB, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.c.SendRaw(ctx, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// captions returns the caption messages received.
func (s *speaker) captions() []signal.Caption {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []signal.Caption
	for _, e := range s.events {
		if c, ok := e.(*signal.Caption); ok {
			out = append(out, *c)
		}
	}
	return out
}

// transcriptionActive reports the last transcription state seen.
func (s *speaker) transcriptionActive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.events) - 1; i >= 0; i-- {
		switch m := s.events[i].(type) {
		case *signal.TranscriptionState:
			return m.Active
		case *signal.Welcome:
			return m.Transcription.Active
		}
	}
	return false
}

// getJSON decodes a GET answer.
func getJSON(t testing.TB, hc *http.Client, url string, v any) {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// meetingRun is what happened in a transcribed meeting.
type meetingRun struct {
	record   archive.Record
	owner    *http.Client // Alice's signed-in session: she owns the room
	a, b     *speaker
	windows  [2][2]time.Duration // when each speaker's audio was sent, on the meeting clock (approximately)
	captions []signal.Caption    // received by b
	elapsed  time.Duration       // from the first word to the last caption
	latency  time.Duration       // from the end of the last speech to its caption
}

// runTranscribedMeeting has two participants, Alice and Bob, say one recording each in turn
// with transcription on, then leave, and returns the finished transcript.
func runTranscribedMeeting(t *testing.T, base, fileA, fileB string) meetingRun {
	t.Helper()
	pktsA, pktsB := readOpusPackets(t, fileA), readOpusPackets(t, fileB)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	owner, code := aliceRoom(ctx, t, base, "Point hebdo")
	t0 := time.Now() // the meeting's clock starts when the first participant arrives
	a := joinSpeakerAs(t, api, base, code, "Alice", owner)
	b := joinSpeaker(t, api, base, code, "Bob")
	if w := a.c.Welcome(); !w.Transcription.Available || w.Transcription.Active || !w.Transcription.CanControl {
		t.Fatalf("welcome transcription state = %+v, want available, inactive, controllable", w.Transcription)
	}
	b.control(t, `{"type":"captions","enabled":true}`)
	a.control(t, `{"type":"transcription","action":"start"}`)
	eventually(t, 5*time.Second, "everyone told transcription is on", func() bool {
		return a.transcriptionActive() && b.transcriptionActive()
	})
	// Someone arriving now learns it from the welcome.
	late := join(t, api, base, code, "Late")
	if w := late.c.Welcome(); !w.Transcription.Active || w.Transcription.By == nil || w.Transcription.By.Name != "Alice" {
		t.Fatalf("late joiner's welcome: %+v", w.Transcription)
	}
	late.close()

	start := time.Now()
	var run meetingRun
	run.a, run.b = a, b
	run.windows[0][0] = time.Since(t0)
	a.say(t, pktsA)
	run.windows[0][1] = time.Since(t0)
	time.Sleep(1500 * time.Millisecond)
	run.windows[1][0] = time.Since(t0)
	b.say(t, pktsB)
	run.windows[1][1] = time.Since(t0)

	ended := time.Now()
	eventually(t, 60*time.Second, "captions of both speakers", func() bool {
		var fromA, fromB bool
		for _, c := range b.captions() {
			fromA = fromA || c.ParticipantID == a.c.ID()
			fromB = fromB || c.ParticipantID == b.c.ID()
		}
		return fromA && fromB
	})
	run.elapsed = time.Since(start)
	run.latency = time.Since(ended)
	a.control(t, `{"type":"transcription","action":"stop"}`)
	eventually(t, 5*time.Second, "everyone told transcription is off", func() bool {
		return !a.transcriptionActive() && !b.transcriptionActive()
	})

	var list struct {
		Transcripts []archive.Meta `json:"transcripts"`
		Formats     []string       `json:"formats"`
	}
	eventually(t, 60*time.Second, "the finished transcript listed", func() bool {
		getJSON(t, owner, base+"/api/v1/transcripts?room="+code, &list)
		return len(list.Transcripts) == 1 && !list.Transcripts[0].Live
	})
	getJSON(t, owner, base+"/api/v1/transcripts/"+list.Transcripts[0].ID+"?format=json", &run.record)
	// Utterances still being recognized when transcription stopped are captioned as they
	// finish, before the transcript is final: Bob, still here, gets a caption for each segment.
	eventually(t, 5*time.Second, "a caption for every segment", func() bool {
		return len(b.captions()) >= len(run.record.Segments)
	})
	run.captions = b.captions()
	a.close()
	b.close()
	run.owner = owner
	// Nobody else reads it: not a guest, not another signed-in user.
	other, err := client.SignIn(context.Background(), base, "Eve", "eve@example.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	for _, hc := range []*http.Client{http.DefaultClient, other} {
		resp, err := hc.Get(base + "/api/v1/transcripts/" + run.record.ID)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("someone other than the owner read the transcript: %s", resp.Status)
		}
		var l struct{ Transcripts []archive.Meta }
		getJSON(t, hc, base+"/api/v1/transcripts", &l)
		if len(l.Transcripts) != 0 {
			t.Errorf("someone other than the owner sees %d transcripts", len(l.Transcripts))
		}
	}
	return run
}

// checkAttribution verifies that every segment is attributed to the participant who was
// speaking at that time, with times on the meeting clock.
func checkAttribution(t *testing.T, run meetingRun) {
	t.Helper()
	const slack = 1500 * time.Millisecond
	ids := [2]string{run.a.c.ID(), run.b.c.ID()}
	names := [2]string{"Alice", "Bob"}
	var count [2]int
	for _, s := range run.record.Segments {
		start, end := time.Duration(s.StartMS)*time.Millisecond, time.Duration(s.EndMS)*time.Millisecond
		who := -1
		for i := range 2 {
			if start >= run.windows[i][0]-slack && end <= run.windows[i][1]+slack {
				who = i
			}
		}
		if who < 0 {
			t.Errorf("segment %+v outside both speaking windows %v", s, run.windows)
			continue
		}
		if s.ParticipantID != ids[who] || s.Name != names[who] {
			t.Errorf("segment at %v attributed to %s (%s), want %s (%s)", start, s.ParticipantID, s.Name, ids[who], names[who])
		}
		count[who]++
	}
	if count[0] == 0 || count[1] == 0 {
		t.Errorf("segments per speaker = %v, want some for both", count)
	}
	if len(run.record.Speakers) != 2 {
		t.Errorf("speakers = %+v", run.record.Speakers)
	}
	if run.record.StartedBy.Name != "Alice" || run.record.Live || run.record.EndedAt.IsZero() || run.record.ExpiresAt.IsZero() {
		t.Errorf("transcript meta = %+v", run.record.Meta)
	}
}

// transcriptText returns one participant's words in the transcript.
func transcriptText(rec archive.Record, participantID string) string {
	var words []string
	for _, s := range rec.Segments {
		if s.ParticipantID == participantID {
			words = append(words, s.Text)
		}
	}
	return strings.Join(words, " ")
}
