// Package signal implements the WebSocket signalling protocol described in docs/protocol.md:
// joining a meeting, exchanging SDP and ICE candidates, mute state, reconnection within a grace
// period, and telling everyone who is in the room.
package signal
