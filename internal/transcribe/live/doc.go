// Package live transcribes a meeting while it happens: a Session receives every participant's
// Opus RTP audio from the SFU's audio tap, runs one transcribe.Stream per audio track (decode,
// voice detection, recognizer) and emits segments attributed to the participant who spoke, on
// the meeting's clock. The tap path copies each packet into a preallocated buffer and returns:
// decoding and recognition happen on the track's own goroutines.
package live
