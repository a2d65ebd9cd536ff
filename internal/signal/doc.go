// Package signal implements the WebSocket signalling protocol described in docs/protocol.md: one
// session per socket (read and write pumps, pings, size and rate limits, the join deadline, caps
// on open sockets), the message codec (messages.go, encode.go), and the translation of each
// client message into a call of the meeting (internal/room, dispatch.go) or of the participant's
// media negotiation. It adapts the SFU to the meeting's media interfaces (media.go).
package signal
