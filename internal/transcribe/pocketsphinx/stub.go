//go:build !pocketsphinx || !cgo

package pocketsphinx

import (
	"context"

	"visio/internal/transcribe"
)

// Recognizer is unavailable in this build.
type Recognizer struct{}

// Available reports whether the local recognizer is built in.
const Available = false

// New returns ErrNotBuilt.
func New(Config) (*Recognizer, error) { return nil, ErrNotBuilt }

// Name returns "pocketsphinx".
func (*Recognizer) Name() string { return "pocketsphinx" }

// Recognize returns ErrNotBuilt.
func (*Recognizer) Recognize(context.Context, transcribe.Request) (transcribe.Result, error) {
	return transcribe.Result{}, ErrNotBuilt
}

// Close does nothing.
func (*Recognizer) Close() {}
