package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"visio/internal/room"
	"visio/internal/store/sqlite"
)

// TestChatKeeper: kept messages reach the database off the caller's path, what is queued at
// finish is still written, and the sweeper deletes what is past the retention period.
func TestChatKeeper(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "visio.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC().Truncate(time.Millisecond)
	// A day's retention while it runs: its own sweep deletes nothing yet.
	k := newChatKeeper(db, 24*time.Hour, nil, slog.New(slog.DiscardHandler))
	k.now = func() time.Time { return now }
	msg := func(id string, at time.Time) room.ChatMessage {
		return room.ChatMessage{ID: id, From: room.ParticipantRef{ID: "PA_1", Name: "Ann"}, Text: "texte " + id, At: at}
	}
	// Queued before start, and just before finish: all written.
	k.KeepChat("abc-defg-hij", msg("CM_old", now.Add(-2*time.Hour)))
	k.start()
	k.KeepChat("abc-defg-hij", msg("CM_new", now.Add(-time.Minute)))
	k.finish()

	got, err := db.RoomChat(ctx, "abc-defg-hij", 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("written: %+v, %v; want both messages", got, err)
	}
	k.retention = time.Hour
	k.sweepOnce(ctx)
	got, err = db.RoomChat(ctx, "abc-defg-hij", 10)
	if err != nil || len(got) != 1 || got[0].ID != "CM_new" || got[0].FromName != "Ann" || got[0].Text != "texte CM_new" || !got[0].SentAt.Equal(now.Add(-time.Minute)) {
		t.Fatalf("after the sweep: %+v, %v; want only CM_new", got, err)
	}
}
