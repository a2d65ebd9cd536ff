// Package sfu forwards media between the participants of a room: a selective forwarding unit
// built on pion/webrtc.
//
// Each participant ([Peer]) has two peer connections with the server: a publisher connection on
// which the client offers and sends its microphone, camera and screen tracks, and a subscriber
// connection on which the server offers every other participant's tracks. A [Room] routes every
// published track ([publishedTrack]) to one [DownTrack] per subscriber.
//
// The per-packet path (publishedTrack.forward and DownTrack.writeRTP) does not allocate and takes
// no context. RTP handling follows RFC 3550 (sequence numbers, SSRC), RFC 4585 (NACK, PLI),
// RFC 5104 (FIR) and RFC 8285 (header extensions, remapped per subscriber).
package sfu
