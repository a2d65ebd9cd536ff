package storetest

import (
	"fmt"
	"testing"
	"time"

	"visio/internal/store"
)

func testChats(t *testing.T, s store.Store) {
	c := ctx(t)
	var mine []store.ChatMessage
	for i := range 5 {
		m := store.ChatMessage{ID: fmt.Sprint("CM_", i), RoomCode: "abc-defg-hij", FromName: "Alice",
			Text: fmt.Sprintf("<b>message %d</b> é 🎉", i), SentAt: at(time.Duration(i) * time.Minute)}
		mine = append(mine, m)
		if err := s.AddChatMessage(c, m); err != nil {
			t.Fatal(err)
		}
	}
	other := store.ChatMessage{ID: "CM_other", RoomCode: "xyz-defg-hij", FromName: "Eve", Text: "elsewhere", SentAt: at(0)}
	if err := s.AddChatMessage(c, other); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "keep twice", s.AddChatMessage(c, mine[0]), store.ErrExists)

	// The latest limit messages of the room, oldest first; nothing of other rooms.
	got, err := s.RoomChat(c, "abc-defg-hij", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != mine[2] || got[2] != mine[4] {
		t.Fatalf("RoomChat = %+v; want messages 2 to 4", got)
	}
	if got, err := s.RoomChat(c, "nope-nope-nop", 10); err != nil || len(got) != 0 || got == nil {
		t.Fatalf("RoomChat of a room with none = %#v, %v; want an empty list", got, err)
	}

	// Retention: everything sent before a time goes, in every room.
	n, err := s.DeleteChatSentBefore(c, at(2*time.Minute))
	if err != nil || n != 3 {
		t.Fatalf("DeleteChatSentBefore = %d, %v; want 3 (two of one room, one of the other)", n, err)
	}
	if got, _ := s.RoomChat(c, "abc-defg-hij", 10); len(got) != 3 || got[0] != mine[2] {
		t.Fatalf("after retention: %+v", got)
	}
	if got, _ := s.RoomChat(c, "xyz-defg-hij", 10); len(got) != 0 {
		t.Fatalf("the other room kept %+v", got)
	}
}
