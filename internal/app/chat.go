package app

import (
	"context"
	"log/slog"
	"time"

	"visio/internal/room"
	"visio/internal/routine"
	"visio/internal/signal"
	"visio/internal/store"
)

const (
	// chatQueueSize bounds the kept messages waiting to be written. Senders are rate limited
	// (room/chat.go), so it only fills when the database stalls.
	chatQueueSize = 4096
	// chatSweepEvery is how often messages past their retention period are deleted.
	chatSweepEvery   = 10 * time.Minute
	chatWriteTimeout = 10 * time.Second
)

// chatKeeper writes the messages of kept chats to the store, off the meetings' locks, and
// deletes them at the end of their retention period (the transcripts' retention).
type chatKeeper struct {
	db        store.Chats
	retention time.Duration
	log       *slog.Logger
	queue     chan store.ChatMessage
	now       func() time.Time
	group     *routine.Group // the writer and the sweeper, from start
}

var _ room.ChatArchive = (*chatKeeper)(nil)

// newChatKeeper returns the keeper of db; hub, if not nil, lets its meetings keep their chat
// in it.
func newChatKeeper(db store.Chats, retention time.Duration, hub *signal.Hub, log *slog.Logger) *chatKeeper {
	k := &chatKeeper{db: db, retention: retention, log: log, queue: make(chan store.ChatMessage, chatQueueSize), now: time.Now}
	if hub != nil {
		hub.SetChatArchive(k)
	}
	return k
}

// KeepChat implements room.ChatArchive: it queues the message and never blocks. A message
// that finds the queue full is not kept, and that is logged.
func (k *chatKeeper) KeepChat(code string, msg room.ChatMessage) {
	select {
	case k.queue <- store.ChatMessage{ID: msg.ID, RoomCode: code, FromName: msg.From.Name, Text: msg.Text, SentAt: msg.At}:
	default:
		k.log.Warn("chat message not kept: the database is not keeping up", "room", code, "message", msg.ID)
	}
}

// start runs the writer and the retention sweeper until finish.
func (k *chatKeeper) start() {
	k.group = routine.NewGroup(context.Background())
	k.group.Go(k.write)
	k.group.Go(k.sweep)
}

func (k *chatKeeper) write(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			// Write what is queued, each with its own deadline, then stop.
			for {
				select {
				case m := <-k.queue:
					k.add(context.Background(), m)
				default:
					return
				}
			}
		case m := <-k.queue:
			k.add(ctx, m)
		}
	}
}

func (k *chatKeeper) add(ctx context.Context, m store.ChatMessage) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), chatWriteTimeout)
	defer cancel()
	if err := k.db.AddChatMessage(ctx, m); err != nil {
		k.log.Error("keep chat message", "room", m.RoomCode, "message", m.ID, "err", err)
	}
}

func (k *chatKeeper) sweep(ctx context.Context) {
	t := time.NewTicker(chatSweepEvery)
	defer t.Stop()
	for {
		k.sweepOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweepOnce deletes the messages past their retention period.
func (k *chatKeeper) sweepOnce(ctx context.Context) {
	n, err := k.db.DeleteChatSentBefore(ctx, k.now().Add(-k.retention))
	switch {
	case err != nil && ctx.Err() == nil:
		k.log.Error("delete chat messages past their retention period", "err", err)
	case n > 0:
		k.log.Info("chat messages deleted: retention period over", "count", n)
	}
}

// finish writes what is queued and stops. Call it after the hub's Shutdown.
func (k *chatKeeper) finish() {
	if k.group != nil {
		k.group.Close()
	}
}
