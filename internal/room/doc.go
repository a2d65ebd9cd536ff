// Package room holds the meeting's rules: who is in a meeting, the lobby, removals, the lock,
// moderation, roles and permissions, reconnect grace and transcription control. It holds no
// media and no protocol: the media side (an SFU room), the clock and each person's connection
// are reached through the small interfaces of ports.go, and the signalling layer turns
// protocol messages into calls of Meetings, Participant and LobbyRequest, and Events into
// protocol messages. It also holds meeting codes (code.go).
//
// # Adding a meeting feature
//
// A feature (chat, raised hands, reactions...) is one new file here: its state in Meeting (or
// Participant), guarded by Meeting.mu; a method on *Participant for what a participant asks,
// checking who may do it (permissions.go); and its Event types, sent with broadcastLocked or
// Conn.Send. The signalling layer adds the message's decoding, a case calling the method, and
// the events' encoding. docs/ARCHITECTURE.md walks through an example.
//
// State that must outlive the node holding the meeting (a moderator's decision, something
// running) goes in savedState (state.go), and the feature calls persistLocked when it changes:
// the node that takes the meeting over reads it (persist.go, ADR 0004).
//
// # Lock order
//
//	roomBreakout.moveMu → Meeting.mu, and → Media, Peer (breakout.go: moves between rooms)
//	Meeting.wmu → Meeting.mu (the state's writer, persist.go: it writes to the store holding
//	             wmu only)
//	Meeting.mu → knockLimiter.mu
//	Meeting.mu → (calls that take no lock of the room) Conn, Clock, Timer, Media.SetAudioTap,
//	             live.Session.EndParticipant
//	Meetings.mu: a leaf, never held with Meeting.mu
//
// No method of Media, Peer or Roles is
// called with Meeting.mu held (except SetAudioTap, an atomic store), so the media side's locks
// and the meeting's never nest in the other order: the media side may call PeerEvents and
// MediaEvents with its own locks held, and of those only OnTracksChanged and OnSpeakers take
// Meeting.mu, which the media side calls without its locks. OnOffer and OnLayers read the
// participant's connection through an atomic pointer. Participant.tracksChanged reads the
// peer's tracks between two holdings of Meeting.mu.
package room
