// Package cli implements the `visio transcribe` and `visio eval` commands: flag parsing and
// output around the transcribe packages, so cmd/visio only dispatches to Transcribe and Eval.
package cli
