package sfu

import (
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"
)

// Everything a client can make the server keep for it is bounded here: what one participant
// sends costs the server a fixed amount of memory at most, whatever it sends and however often.
// The signalling layer bounds the size and rate of messages; these bound what accumulates.
const (
	// maxCIDLen bounds a declared track's id (browsers use 36-character UUIDs).
	maxCIDLen = 64
	// maxTrackIDLen bounds a track id a subscriber names in its preferences (the server's own
	// ids are much shorter).
	maxTrackIDLen = 64
	// maxPublisherSections bounds the media sections the publisher connection ever holds.
	// Browsers add one each time a stopped transceiver's section is reused with a new mid
	// (a screen share stopped and started again); pion keeps every one for the life of the
	// connection, so the bound covers a long meeting's worth of shares and no more.
	maxPublisherSections = 64
	// maxRemoteCandidates bounds the remote ICE candidates of one connection between two ICE
	// restarts (in the descriptions and trickled): every one is kept and paired with the
	// server's own candidates until the next restart.
	maxRemoteCandidates = 64
	// maxCandidateLen bounds one candidate's text (a candidate line is under 200 bytes).
	maxCandidateLen = 512
)

// validateDeclared checks an offer's track declarations before anything of them is kept.
func validateDeclared(tracks []DeclaredTrack) error {
	if len(tracks) > MaxTracksPerPeer {
		return fmt.Errorf("%w: %d tracks, at most %d", ErrBadTrack, len(tracks), MaxTracksPerPeer)
	}
	seen := make(map[string]bool, len(tracks))
	for _, t := range tracks {
		if !t.Source.Valid() || t.CID == "" || len(t.CID) > maxCIDLen {
			return fmt.Errorf("%w: source %q for track %.64q", ErrBadTrack, t.Source, t.CID)
		}
		if seen[t.CID] {
			return fmt.Errorf("%w: track %q declared twice", ErrBadTrack, t.CID)
		}
		seen[t.CID] = true
		if len(t.Layers) > maxLayers {
			return fmt.Errorf("%w: %d simulcast layers, at most %d", ErrBadTrack, len(t.Layers), maxLayers)
		}
		var layers [maxLayers]bool
		for _, rid := range t.Layers {
			idx, ok := layerIndex(rid)
			if !ok || rid == "" || layers[idx] {
				return fmt.Errorf("%w: simulcast layer %.8q (known: q, h, f, once each)", ErrBadTrack, rid)
			}
			layers[idx] = true
		}
	}
	return nil
}

// remoteDesc is what the bounds need of a remote session description.
type remoteDesc struct {
	mids       []string
	ufrag      string
	candidates int
}

// parseRemote reads a remote description's media sections, ICE user fragment and candidates.
func parseRemote(text string) (remoteDesc, error) {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(text); err != nil {
		return remoteDesc{}, fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	var r remoteDesc
	if v, ok := d.Attribute("ice-ufrag"); ok {
		r.ufrag = v
	}
	for _, m := range d.MediaDescriptions {
		if mid, ok := m.Attribute("mid"); ok {
			r.mids = append(r.mids, mid)
		}
		if v, ok := m.Attribute("ice-ufrag"); ok && r.ufrag == "" {
			r.ufrag = v
		}
		for _, a := range m.Attributes {
			if a.Key == "candidate" {
				r.candidates++
			}
		}
	}
	return r, nil
}

// candidateBudget counts the remote candidates a connection holds since its remote ICE
// credentials last changed (an ICE restart, which makes the ICE agent forget the old ones).
type candidateBudget struct {
	ufrag string
	n     int
}

// admit reports whether a description with ufrag and n more candidates fits, and the budget
// after it. The receiver is not changed: commit the result once the description is applied.
func (b candidateBudget) admit(ufrag string, n int) (candidateBudget, bool) {
	if ufrag != b.ufrag {
		b = candidateBudget{ufrag: ufrag}
	}
	b.n += n
	return b, b.n <= maxRemoteCandidates
}

// checkCandidateText bounds the text of a trickled candidate.
func checkCandidateText(candidate string, mid *string, ufrag *string) error {
	if len(candidate) > maxCandidateLen {
		return fmt.Errorf("%w: candidate of %d bytes, at most %d", ErrBadCandidate, len(candidate), maxCandidateLen)
	}
	if (mid != nil && len(*mid) > maxCIDLen) || (ufrag != nil && len(*ufrag) > 256) {
		return fmt.Errorf("%w: sdpMid or usernameFragment too long", ErrBadCandidate)
	}
	if strings.ContainsAny(candidate, "\r\n") {
		return fmt.Errorf("%w: line break in candidate", ErrBadCandidate)
	}
	return nil
}

// countNewMids returns how many media sections the publisher connection would hold after an
// offer with mids, given the mids it holds.
func countNewMids(have []string, offer []string) int {
	set := make(map[string]struct{}, len(have)+len(offer))
	for _, m := range have {
		if m != "" {
			set[m] = struct{}{}
		}
	}
	for _, m := range offer {
		set[m] = struct{}{}
	}
	return len(set)
}
