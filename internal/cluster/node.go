package cluster

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// ProtocolVersion is the version of what nodes say to each other: nodes only place rooms on, and
// relay to, nodes of the same protocol version. Raise it when a change makes nodes unable to
// serve each other's participants.
const ProtocolVersion = 1

// NodeInfo is what a node announces of itself.
type NodeInfo struct {
	ID string `json:"id"`
	// Version is the binary's version, for operators; Protocol decides compatibility.
	Version  string `json:"version"`
	Protocol int    `json:"protocol"`
	// URL is where other nodes reach this node's HTTP server (relayed signalling).
	URL string `json:"url"`
	// Media lists the addresses of the node's media port, as announced to browsers.
	Media []string `json:"media,omitempty"`
	// Draining is set while the node moves its meetings elsewhere: it takes no new room.
	Draining bool      `json:"draining,omitempty"`
	Load     Load      `json:"load"`
	Started  time.Time `json:"started"`
	// At is when this announcement was made, by the node's clock.
	At time.Time `json:"at"`
}

// Load is what a node measures of its own work.
type Load struct {
	// CPU is the share of the node's processors in use, 0 to 1.
	CPU float64 `json:"cpu"`
	// PacketsPerSecond is the media packets forwarded per second.
	PacketsPerSecond float64 `json:"packets_per_second"`
	Participants     int     `json:"participants"`
	Rooms            int     `json:"rooms"`
}

// Score orders nodes for a new room: lower is less loaded. CPU counts most; rooms and
// participants break ties and stand in for load not measured yet (a room placed a second ago).
func (l Load) Score() float64 {
	return l.CPU + float64(l.Rooms)*0.005 + float64(l.Participants)*0.001 + l.PacketsPerSecond/1e6
}

// signed is a registry entry as stored: the announcement and its MAC.
type signed struct {
	Info json.RawMessage `json:"info"`
	MAC  string          `json:"mac"`
}

// sealer signs and checks registry entries with a key all nodes share.
type sealer struct{ key []byte }

func (s sealer) mac(b []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("visio cluster entry v1\x00"))
	m.Write(b)
	return m.Sum(nil)
}

// seal encodes v with its MAC.
func (s sealer) seal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(signed{Info: b, MAC: base64.RawStdEncoding.EncodeToString(s.mac(b))})
}

// open checks an entry's MAC and decodes it into v.
func (s sealer) open(entry []byte, v any) error {
	var e signed
	if err := json.Unmarshal(entry, &e); err != nil {
		return fmt.Errorf("%w: %v", ErrBadEntry, err)
	}
	got, err := base64.RawStdEncoding.DecodeString(e.MAC)
	if err != nil || !hmac.Equal(got, s.mac(e.Info)) {
		return fmt.Errorf("%w: signature does not match (not written by a node sharing this cluster's key)", ErrBadEntry)
	}
	if err := json.Unmarshal(e.Info, v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadEntry, err)
	}
	return nil
}
