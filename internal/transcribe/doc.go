// Package transcribe turns meeting audio into a transcript: segments of text, each attributed
// to a speaker, with start and end times on the meeting's clock.
//
// Two paths share its types:
//
//   - Live meetings: one Stream per participant's audio track. The SFU hands it Opus RTP payloads
//     (WriteRTP) or decoded PCM (WritePCM); it decodes (pion/opus), cuts speech with voice
//     detection (package vad) and sends each utterance to the Recognizer on its own goroutine
//     (Run). Each participant has their own track, so the speaker of every segment is known
//     exactly.
//   - Recordings and shared microphones: File diarizes a recording (package diarize) to find who
//     spoke when, then recognizes each speaker turn. With no recognizer it still returns the
//     turns and says that transcription is unavailable.
//
// Recognizers live in sub-packages: openai (any OpenAI-compatible /v1/audio/transcriptions
// server, such as an administration's own whisper server) and pocketsphinx (Debian's local,
// English-only engine, built with -tags pocketsphinx). Package format writes JSON, WebVTT, SRT
// and minutes; package score measures DER and WER.
package transcribe
