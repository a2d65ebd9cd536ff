// Package audio reads the recordings the transcriber accepts and turns them into 16 kHz mono
// float32 PCM, the one format every later stage works on.
//
// It reads RIFF/WAVE files (PCM 8/16/24/32-bit and IEEE float 32/64-bit, WAVE_FORMAT_EXTENSIBLE
// included; channels are averaged) and Ogg/Opus files (RFC 7845, decoded by pion/opus, pre-skip
// and output gain honoured), decodes Opus RTP payloads (RFC 6716, RFC 7587) for live meetings,
// resamples, and writes 16-bit WAV for upload to a recognizer.
//
// Every reader here takes untrusted input: sizes in headers are checked against limits and
// memory grows only with the data actually read.
package audio
