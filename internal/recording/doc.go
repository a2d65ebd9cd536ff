// Package recording records meetings from the tracks the SFU already has and composes them into
// one playable file afterwards.
//
// While a meeting is recorded, the SFU hands every published RTP packet to a Recorder through
// a MediaTap (sfu/mediatap.go). The tap copies the packet into a pooled buffer and puts it on a
// bounded queue without ever blocking the forwarding goroutine: a full queue drops the packet and
// counts it. One goroutine per recording drains the queue and writes each track, as it arrives,
// into its own file: Opus audio into Ogg (RFC 7845, pion's oggwriter), VP8 video into WebM
// (ebml-go's Matroska block writer). Next to them a manifest (manifest.json) names the
// participants and gives each track's start offset; it is rewritten atomically whenever it
// changes, so that a crash leaves a recording that can still be composed.
//
// After the meeting, Compose runs Debian's ffmpeg to lay the cameras out in a grid (the screen
// share, if any, on the main stage), mix every participant's audio at its offset and encode one
// WebM file (VP8 + Opus), or an Ogg/Opus file for an audio-only recording. Without ffmpeg the
// per-track files are all there is, and the recording's status says so.
package recording
