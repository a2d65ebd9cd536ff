// Package archive keeps meeting transcripts as files: one directory per transcript under the
// configured directory, holding transcript.json (the canonical record: who spoke, when, what) and
// anything else captured for it, plus index.json listing every transcript's metadata. Other
// formats (WebVTT, SRT, Markdown and HTML minutes) are rendered from the record on request.
// A sweeper deletes transcripts once their retention period is over.
package archive
