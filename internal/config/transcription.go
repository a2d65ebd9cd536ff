package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"time"
)

// Transcription configures live meeting transcription: which speech recognizer turns the
// participants' audio into text, and how long transcripts are kept. Nothing is sent anywhere
// but the recognizer configured here.
type Transcription struct {
	// Recognizer is "none" (transcription unavailable; the meeting UI says so), "local"
	// (PocketSphinx built into this binary: English only, modest accuracy) or "openai" (an
	// OpenAI-compatible /v1/audio/transcriptions server run by the administration, such as a
	// whisper server). Default "none".
	Recognizer string `toml:"recognizer"`
	// Language is the language spoken in meetings, ISO 639-1. Default "fr". The local
	// recognizer only understands "en".
	Language string `toml:"language"`
	// Retention is how long transcripts (and any audio captured for them) are kept after the
	// meeting; older ones are deleted. Default 720h (30 days).
	Retention Duration `toml:"retention"`
	// Dir is where transcripts are stored with the SQLite store (one node). Default
	// "transcripts" in store.data_dir. With the PostgreSQL store they are in the database,
	// shared by every node, and Dir is not used.
	Dir string `toml:"dir"`
	// OpenAI configures the OpenAI-compatible recognizer (recognizer = "openai").
	OpenAI TranscriptionOpenAI `toml:"openai"`
}

// TranscriptionOpenAI configures the client of an OpenAI-compatible transcription server.
type TranscriptionOpenAI struct {
	// BaseURL is the server's address, for example "http://whisper.internal:8000";
	// "/v1/audio/transcriptions" is appended. Required with recognizer = "openai".
	BaseURL string `toml:"base_url"`
	// Model is the model name the server expects. Default "whisper-1".
	Model string `toml:"model"`
	// APIKey, if the server needs one, is sent as a bearer token. Prefer the environment
	// variable VISIO_TRANSCRIPTION_OPENAI_API_KEY to writing it in a file.
	APIKey string `toml:"api_key"`
	// Timeout bounds one request. Default 60s.
	Timeout Duration `toml:"timeout"`
	// Retries is how many times a failed request (network error, 429, 5xx) is retried with
	// exponential backoff. Default 2.
	Retries int `toml:"retries"`
	// MaxConcurrent bounds requests in flight from this server. Default 4.
	MaxConcurrent int `toml:"max_concurrent"`
}

func defaultTranscription() Transcription {
	return Transcription{
		Recognizer: "none",
		Language:   "fr",
		Retention:  Duration(30 * 24 * time.Hour),
		OpenAI:     TranscriptionOpenAI{Model: "whisper-1", Timeout: Duration(60 * time.Second), Retries: 2, MaxConcurrent: 4},
	}
}

// StorageDir returns the transcripts directory: dir, or "transcripts" in dataDir.
func (t Transcription) StorageDir(dataDir string) string {
	if t.Dir != "" {
		return t.Dir
	}
	return filepath.Join(dataDir, "transcripts")
}

func (t *Transcription) validate(add func(string, ...any)) {
	switch t.Recognizer {
	case "none", "local", "openai":
	default:
		add("transcription.recognizer %q: want none, local (pocketsphinx, English only) or openai", t.Recognizer)
	}
	if len(t.Language) < 2 || len(t.Language) > 3 {
		add("transcription.language %q: want an ISO 639-1 code such as fr or en", t.Language)
	}
	if t.Recognizer == "local" && t.Language != "en" {
		add("transcription.language %q: the local recognizer understands English only; set language = \"en\" or use recognizer = \"openai\"", t.Language)
	}
	if t.Retention.D() < time.Minute {
		add("transcription.retention %s: want at least 1m", t.Retention)
	}
	if t.Recognizer == "openai" {
		o := t.OpenAI
		if u, err := url.Parse(o.BaseURL); o.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("transcription.openai.base_url %q: want the server's http(s) URL, such as http://whisper.internal:8000", o.BaseURL)
		}
	}
	if t.OpenAI.Timeout.D() < time.Second {
		add("transcription.openai.timeout %s: want at least 1s", t.OpenAI.Timeout)
	}
	if t.OpenAI.Retries < 0 || t.OpenAI.Retries > 10 {
		add("transcription.openai.retries %d: want 0 to 10", t.OpenAI.Retries)
	}
	if t.OpenAI.MaxConcurrent < 1 {
		add("transcription.openai.max_concurrent %d: want at least 1", t.OpenAI.MaxConcurrent)
	}
}

// applyTranscriptionEnv reads the VISIO_TRANSCRIPTION_* variables.
func applyTranscriptionEnv(t *Transcription, getenv func(string) string) error {
	for k, p := range map[string]*string{
		"VISIO_TRANSCRIPTION_RECOGNIZER": &t.Recognizer, "VISIO_TRANSCRIPTION_LANGUAGE": &t.Language,
		"VISIO_TRANSCRIPTION_DIR": &t.Dir, "VISIO_TRANSCRIPTION_OPENAI_BASE_URL": &t.OpenAI.BaseURL,
		"VISIO_TRANSCRIPTION_OPENAI_MODEL": &t.OpenAI.Model, "VISIO_TRANSCRIPTION_OPENAI_API_KEY": &t.OpenAI.APIKey,
	} {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	for k, p := range map[string]*Duration{
		"VISIO_TRANSCRIPTION_RETENTION": &t.Retention, "VISIO_TRANSCRIPTION_OPENAI_TIMEOUT": &t.OpenAI.Timeout,
	} {
		if v := getenv(k); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want a duration such as 30s or 720h", k, v)
			}
			*p = Duration(d)
		}
	}
	for k, p := range map[string]*int{
		"VISIO_TRANSCRIPTION_OPENAI_RETRIES": &t.OpenAI.Retries, "VISIO_TRANSCRIPTION_OPENAI_MAX_CONCURRENT": &t.OpenAI.MaxConcurrent,
	} {
		if v := getenv(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want a whole number", k, v)
			}
			*p = n
		}
	}
	return nil
}
