package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"visio/internal/store"
	"visio/internal/store/postgres"
	"visio/internal/store/storetest"
)

// BenchmarkTranscript measures the writes of a running transcript of 1000 segments in
// PostgreSQL: one segment kept as it is recognized (the only write per segment), and the
// whole save of the description made at most every 15 s, which writes no segment stored already.
func BenchmarkTranscript(b *testing.B) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, storetest.PostgresSchema(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	tr := store.Transcript{ID: "TS_bench", RoomCode: "abc-defg-hij", Meta: []byte(`{}`), StartedAt: at, Live: true, ExpiresAt: at, UpdatedAt: at}
	segs := make([][]byte, 1000)
	for i := range segs {
		segs[i] = fmt.Appendf(nil, `{"participant_id":"PA_%d","name":"Camille","start_ms":%d,"end_ms":%d,"text":"une phrase de quelques mots"}`, i%5, i*3000, i*3000+2500)
	}
	if err := db.SaveTranscript(ctx, tr, segs); err != nil {
		b.Fatal(err)
	}
	b.Run("segment", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if err := db.AppendTranscriptSegment(ctx, tr.RoomCode, tr.ID, 1000+i, segs[i%1000]); err != nil {
				b.Fatal(err)
			}
		}
	})
	if err := db.SaveTranscript(ctx, tr, segs); err != nil { // back to 1000 segments
		b.Fatal(err)
	}
	b.Run("whole-save", func(b *testing.B) {
		for b.Loop() {
			if err := db.SaveTranscript(ctx, tr, segs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
