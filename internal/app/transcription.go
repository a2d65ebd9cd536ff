package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"visio/internal/api"
	"visio/internal/config"
	"visio/internal/room"
	"visio/internal/routine"
	"visio/internal/signal"
	"visio/internal/store"
	"visio/internal/transcribe"
	"visio/internal/transcribe/archive"
	"visio/internal/transcribe/openai"
	"visio/internal/transcribe/pocketsphinx"
)

// transcription is live transcription's part of the service: the recognizer, the transcript
// store and its retention sweeper.
type transcription struct {
	log     *slog.Logger
	rec     transcribe.Recognizer
	closeFn func()
	store   transcriptStore
	tmpDir  string // set when transcripts live in a temporary directory (no data_dir configured)

	group *routine.Group // the retention sweeper, from start
}

// transcriptStore keeps the transcripts: archive.DB in PostgreSQL, archive.Store in files.
type transcriptStore interface {
	room.TranscriptStore
	api.Transcripts
	Run(ctx context.Context) error
}

// newTranscription builds the recognizer the configuration asks for and opens the transcript
// store, then enables transcription in hub. A recognizer that cannot be built leaves
// transcription unavailable (the meeting UI says so) rather than stopping the service. With
// the PostgreSQL store (which a cluster shares) the transcripts are in db, so that every node
// serves them all and a lost node loses none; with SQLite (one node) they are files in the
// transcripts directory.
func newTranscription(cfg config.Config, db store.Store, hub *signal.Hub, log *slog.Logger) (*transcription, error) {
	t := &transcription{log: log, closeFn: func() {}}
	tc := cfg.Transcription
	switch tc.Recognizer {
	case "local":
		rec, err := pocketsphinx.New(pocketsphinx.Config{})
		if err != nil {
			log.Error("transcription unavailable: the local recognizer cannot start", "err", err)
			break
		}
		t.rec, t.closeFn = rec, rec.Close
	case "openai":
		rec, err := openai.New(openai.Config{
			BaseURL: tc.OpenAI.BaseURL, Model: tc.OpenAI.Model, Language: tc.Language, APIKey: tc.OpenAI.APIKey,
			Timeout: tc.OpenAI.Timeout.D(), Retries: tc.OpenAI.Retries, MaxConcurrent: tc.OpenAI.MaxConcurrent,
		}, nil)
		if err != nil {
			log.Error("transcription unavailable: the OpenAI-compatible recognizer is misconfigured", "err", err)
			break
		}
		if tc.OpenAI.Retries == 0 {
			log.Debug("transcription: retries = 0 means the client's default (2)")
		}
		t.rec = rec
	}
	if t.rec == nil {
		log.Info("transcription unavailable: no speech recognizer is configured (transcription.recognizer)")
	} else {
		log.Info("transcription available", "recognizer", t.rec.Name(), "language", tc.Language)
	}

	if tdb, ok := db.(store.Transcripts); ok && cfg.Store.Driver == "postgres" {
		store, err := archive.OpenDB(tdb, archive.Params{Retention: tc.Retention.D(), Logger: log})
		if err != nil {
			t.closeFn()
			return nil, err
		}
		t.store = store
		hub.SetTranscription(&room.Transcription{Recognizer: t.rec, Language: tc.Language, Store: store, SharedSegments: true, Logger: log})
		return t, nil
	}
	dir := ""
	if tc.Dir != "" || cfg.Store.DataDir != "" {
		dir = tc.StorageDir(cfg.Store.DataDir)
	} else {
		tmp, err := os.MkdirTemp("", "visio-transcripts-")
		if err != nil {
			t.closeFn()
			return nil, fmt.Errorf("transcripts directory: %w", err)
		}
		dir, t.tmpDir = tmp, tmp
		log.Warn("no data directory configured: transcripts are kept in a temporary directory and lost on exit", "dir", dir)
	}
	store, err := archive.Open(archive.Params{Dir: dir, Retention: tc.Retention.D(), Logger: log})
	if err != nil {
		t.closeFn()
		return nil, err
	}
	t.store = store
	hub.SetTranscription(&room.Transcription{Recognizer: t.rec, Language: tc.Language, Store: store, Logger: log})
	return t, nil
}

// start runs the retention sweeper until finish.
func (t *transcription) start() {
	t.group = routine.NewGroup(context.Background())
	t.group.Go(func(ctx context.Context) { _ = t.store.Run(ctx) })
}

// finish waits for the transcripts of the closed rooms to be written (at most a minute past
// the last utterance), stops the sweeper and frees the recognizer. Call it after the hub's
// Shutdown.
func (t *transcription) finish(hub *signal.Hub) {
	ctx, cancel := context.WithTimeout(context.Background(), 70*time.Second)
	defer cancel()
	if err := hub.WaitTranscripts(ctx); err != nil {
		t.log.Warn("some transcripts were not finished before shutdown", "err", err)
	}
	if t.group != nil {
		t.group.Close()
	}
	t.closeFn()
	if t.tmpDir != "" {
		_ = os.RemoveAll(t.tmpDir)
	}
}
