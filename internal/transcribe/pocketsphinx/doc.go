// Package pocketsphinx is a local speech recognizer that needs no network: Debian's
// PocketSphinx 5prealpha (libpocketsphinx, API 0.8 style) with its US-English acoustic model,
// dictionary and language model (package pocketsphinx-en-us), through cgo.
//
// It is English only and of modest accuracy (a 2015 HMM/GMM system with a general trigram
// model: see docs/TRANSCRIPTION.md for measured word error rates); it is there so a server with
// nothing else installed can still produce an English transcript. French meetings need the
// OpenAI-compatible recognizer and a whisper server.
//
// The cgo implementation is built with -tags pocketsphinx (the Makefile passes it when
// `pkg-config --exists pocketsphinx` succeeds). Without the tag, New returns ErrNotBuilt.
package pocketsphinx

import "errors"

var (
	// ErrNotBuilt is returned by New in binaries built without the pocketsphinx tag.
	ErrNotBuilt = errors.New("local recognizer not built in: rebuild with -tags pocketsphinx after installing libpocketsphinx-dev and pocketsphinx-en-us")
	// ErrModel is returned when the model files cannot be loaded.
	ErrModel = errors.New("pocketsphinx: cannot load the model")
	// ErrLanguage is returned for a request in a language other than English.
	ErrLanguage = errors.New("pocketsphinx: the local recognizer understands English only")
)

// Config points at the model files. The zero value uses Debian's pocketsphinx-en-us paths.
type Config struct {
	// ModelDir holds the acoustic model (default /usr/share/pocketsphinx/model/en-us/en-us).
	ModelDir string `toml:"model_dir"`
	// LanguageModel is the n-gram model (default .../en-us/en-us.lm.bin).
	LanguageModel string `toml:"language_model"`
	// Dictionary is the pronunciation dictionary (default .../en-us/cmudict-en-us.dict).
	Dictionary string `toml:"dictionary"`
	// Decoders is how many utterances may be decoded at once, one decoder (about 30 MB) each
	// (default 1).
	Decoders int `toml:"decoders"`
}

const debianModel = "/usr/share/pocketsphinx/model/en-us"

func (c Config) withDefaults() Config {
	if c.ModelDir == "" {
		c.ModelDir = debianModel + "/en-us"
	}
	if c.LanguageModel == "" {
		c.LanguageModel = debianModel + "/en-us.lm.bin"
	}
	if c.Dictionary == "" {
		c.Dictionary = debianModel + "/cmudict-en-us.dict"
	}
	if c.Decoders <= 0 {
		c.Decoders = 1
	}
	return c
}

// english reports whether a request language is acceptable.
func english(lang string) bool {
	return lang == "" || lang == "en" || len(lang) > 2 && lang[:3] == "en-"
}
