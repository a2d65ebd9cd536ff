package recording

import (
	"fmt"
	"strings"
	"time"

	"visio/internal/sfu"
)

// speakerHold is how long someone must be the loudest speaker to take the stage: shorter turns
// (a cough, "yes") leave the stage to whoever had it.
const speakerHold = 1500 * time.Millisecond

// Speakers implements sfu.SpeakerTap: a change of the loudest speaker goes into the manifest
// (written at the next flush). It takes the recorder's lock briefly, on the room's tick.
func (r *Recorder) Speakers(participantIDs []string, now int64) {
	if r.stopped.Load() || r.p.AudioOnly {
		return
	}
	top := ""
	if len(participantIDs) > 0 {
		top = participantIDs[0]
	}
	at := max(0, (now-r.start.UnixNano())/int64(time.Millisecond))
	r.mu.Lock()
	defer r.mu.Unlock()
	sp := r.manifest.Speakers
	if (len(sp) == 0 && top == "") || (len(sp) > 0 && sp[len(sp)-1].Participant == top) || len(sp) >= maxSpeakerChanges {
		return
	}
	r.manifest.Speakers = append(sp, SpeakerChange{AtMS: at, Participant: top})
	r.speakersChanged = true
}

var _ sfu.SpeakerTap = (*Recorder)(nil)

// speakerSpans returns, for each participant with a camera, the spans (in seconds) when they
// are on the stage. The turns of the loudest speaker (silence and speakers without a camera
// end no turn) shorter than speakerHold are dropped, the turns left next to each other of
// the same person merged; each turn keeps the stage until the next one.
func speakerSpans(m *Manifest, cameras map[string]bool, end float64) map[string][][2]float64 {
	type turn struct {
		who  string
		from float64
	}
	var raw []turn
	for _, c := range m.Speakers {
		if c.Participant == "" || !cameras[c.Participant] || (len(raw) > 0 && raw[len(raw)-1].who == c.Participant) {
			continue
		}
		raw = append(raw, turn{c.Participant, float64(c.AtMS) / 1000})
	}
	var kept []turn
	for i, t := range raw {
		until := end
		if i+1 < len(raw) {
			until = raw[i+1].from
		}
		if until-t.from < speakerHold.Seconds() || t.from >= end {
			continue
		}
		if len(kept) == 0 || kept[len(kept)-1].who != t.who {
			kept = append(kept, t)
		}
	}
	out := map[string][][2]float64{}
	for i, t := range kept {
		until := end
		if i+1 < len(kept) {
			until = kept[i+1].from
		}
		out[t.who] = append(out[t.who], [2]float64{t.from, until})
	}
	return out
}

// spansExpr is an ffmpeg expression true during spans: "between(t,a,b)+...", or "0".
func spansExpr(spans [][2]float64) string {
	if len(spans) == 0 {
		return "0"
	}
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = fmt.Sprintf("between(t\\,%.3f\\,%.3f)", s[0], s[1])
	}
	return strings.Join(parts, "+")
}
