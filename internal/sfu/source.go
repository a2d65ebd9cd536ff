package sfu

// Source says what a published track carries.
type Source string

// Track sources a participant may publish.
const (
	SourceMicrophone  Source = "microphone"
	SourceCamera      Source = "camera"
	SourceScreen      Source = "screen"
	SourceScreenAudio Source = "screen_audio"
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	switch s {
	case SourceMicrophone, SourceCamera, SourceScreen, SourceScreenAudio:
		return true
	}
	return false
}

// TrackInfo describes a published track to the signalling layer.
type TrackInfo struct {
	ID     string // server-assigned, also the stream id seen by subscribers
	Source Source
	Kind   string // "audio" or "video"
	Muted  bool
	Layers []string // simulcast RIDs received, lowest first; nil without simulcast
}
