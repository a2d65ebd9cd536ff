// Package loadtest runs headless participants (internal/client) against a visio server: they
// publish real VP8 (optionally in three simulcast layers) and Opus, subscribe, and measure what
// an operator needs: forwarded packets and bitrate, loss, NACKs and PLIs, join times, the
// forwarding delay from publisher to subscriber, and the server's CPU and memory.
//
// It also runs the floor (relay.go): a bare relay that does only what any SFU must do per packet
// (one SRTP decrypt, then per subscriber one SRTP encrypt and one UDP send over loopback), with
// the same packets and fan-out, so that the SFU's CPU per forwarded packet is quoted as a ratio
// to what this machine physically needs (see docs/BENCHMARKS.md).
package loadtest
