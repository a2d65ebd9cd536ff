package room_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"visio/internal/room"
	"visio/internal/room/roomtest"
)

// chatTexts lists the texts of the chat messages c received, private ones marked "→name:".
func chatTexts(c *roomtest.Conn) []string {
	var out []string
	for _, m := range roomtest.Of[room.ChatMessage](c) {
		out = append(out, chatLine(m))
	}
	return out
}

func chatLine(m room.ChatMessage) string {
	if m.To != nil {
		return m.From.Name + "→" + m.To.Name + ":" + m.Text
	}
	return m.From.Name + ":" + m.Text
}

func historyTexts(list []room.ChatMessage) []string {
	var out []string
	for _, m := range list {
		out = append(out, chatLine(m))
	}
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%s: %q, want %q", what, got, want)
	}
}

func TestChat(t *testing.T) {
	w := newWorld(t, 10, nil)
	ann, annC := w.enter(owner("Ann"))
	bob, bobC := w.enter(member("Bob"))
	req, lobbyC := w.knock(guest("Gus")) // waits in the lobby: reads nothing

	if _, err := ann.Chat("  hello <b>all</b>\r\n", ""); err != nil {
		t.Fatal(err)
	}
	msg, err := bob.Chat("just for you", ann.ID())
	if err != nil {
		t.Fatal(err)
	}
	if msg.To == nil || msg.To.ID != ann.ID() || msg.From.Name != "Bob" || msg.ID == "" || msg.At.IsZero() {
		t.Fatalf("private message %#v", msg)
	}
	sameLines(t, "Ann", chatTexts(annC), []string{"Ann:hello <b>all</b>", "Bob→Ann:just for you"})
	sameLines(t, "Bob", chatTexts(bobC), []string{"Ann:hello <b>all</b>", "Bob→Ann:just for you"})
	if got := roomtest.Of[room.ChatMessage](lobbyC); len(got) != 0 {
		t.Fatalf("someone in the lobby read %#v", got)
	}

	// Private messages go to participants only: not to someone in the lobby, nobody, or oneself.
	for _, to := range []string{req.ID(), "PA_nobody", bob.ID()} {
		if _, err := bob.Chat("psst", to); !errors.Is(err, room.ErrChatRecipient) {
			t.Fatalf("private message to %s: %v, want ErrChatRecipient", to, err)
		}
	}

	// A late joiner reads the public history, not others' private messages.
	_, eveC := w.enter(member("Eve"))
	sameLines(t, "Eve's welcome", historyTexts(welcome(t, eveC).Chat), []string{"Ann:hello <b>all</b>"})

	// Admitted from the lobby: the history arrives with the welcome.
	if err := ann.Decide(true, []string{req.ID()}, false); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "Gus's welcome", historyTexts(welcome(t, lobbyC).Chat), []string{"Ann:hello <b>all</b>"})

	// Ann loses her connection and comes back: her welcome holds the history once, her private
	// message included, and what was said meanwhile.
	ann.Detach(annC)
	if _, err := bob.Chat("while you were away", ""); err != nil {
		t.Fatal(err)
	}
	annC2 := &roomtest.Conn{}
	if _, err := w.ms.Resume(code, welcome(t, annC).ResumeToken, annC2); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "Ann's resumed welcome", historyTexts(welcome(t, annC2).Chat),
		[]string{"Ann:hello <b>all</b>", "Bob→Ann:just for you", "Bob:while you were away"})
	if n := len(roomtest.Of[room.ChatMessage](annC2)); n != 0 {
		t.Fatalf("%d messages sent again beside the welcome", n)
	}

	// Someone who left can no longer send.
	bob.Leave()
	if _, err := bob.Chat("still here?", ""); !errors.Is(err, room.ErrForbidden) {
		t.Fatalf("chat after leaving: %v", err)
	}
}

func TestChatText(t *testing.T) {
	w := newWorld(t, 10, nil)
	ann, _ := w.enter(owner("Ann"))
	long := strings.Repeat("é", room.ChatMaxRunes)
	for _, tc := range []struct {
		text string
		err  error
	}{
		{"", room.ErrChatEmpty},
		{" \n\t ", room.ErrChatEmpty},
		{long, nil},
		{long + "x", room.ErrChatTooLong},
		{"bell\a", room.ErrChatInvalid},
		{"bad \xff utf-8", room.ErrChatInvalid},
		{"line one\nline two", nil},
	} {
		w.clock.Advance(time.Minute) // out of the rate limit
		_, err := ann.Chat(tc.text, "")
		if !errors.Is(err, tc.err) {
			t.Errorf("Chat(%.20q): %v, want %v", tc.text, err, tc.err)
		}
	}
	// The sender is told the limit.
	if !strings.Contains(room.ErrChatTooLong.Error(), fmt.Sprint(room.ChatMaxRunes)) {
		t.Errorf("error %q does not say the limit", room.ErrChatTooLong)
	}
}

func TestChatLimits(t *testing.T) {
	w := newWorld(t, 10, nil)
	ann, _ := w.enter(owner("Ann"))
	bob, _ := w.enter(member("Bob"))

	// A burst of five, then one a second; Bob's limit is his own.
	for i := range 5 {
		if _, err := ann.Chat(fmt.Sprint("burst ", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ann.Chat("one too many", ""); !errors.Is(err, room.ErrChatLimited) {
		t.Fatalf("sixth message at once: %v, want ErrChatLimited", err)
	}
	if _, err := bob.Chat("me too", ""); err != nil {
		t.Fatalf("Bob: %v", err)
	}
	w.clock.Advance(time.Second)
	if _, err := ann.Chat("later", ""); err != nil {
		t.Fatalf("a second later: %v", err)
	}

	// The history keeps the latest ChatHistoryMax messages.
	for i := range room.ChatHistoryMax + 3 {
		w.clock.Advance(time.Second)
		if _, err := bob.Chat(fmt.Sprint("n", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	_, eveC := w.enter(member("Eve"))
	h := welcome(t, eveC).Chat
	if len(h) != room.ChatHistoryMax || h[0].Text != "n3" || h[len(h)-1].Text != fmt.Sprint("n", room.ChatHistoryMax+2) {
		t.Fatalf("history of %d messages from %q to %q", len(h), h[0].Text, h[len(h)-1].Text)
	}
}

// newChatWorld is newWorld with a chat archive.
func newChatWorld(t *testing.T, archive room.ChatArchive) *world {
	t.Helper()
	return newWorldWith(t, 10, nil, func(p *room.Params) { p.ChatArchive = archive })
}

func TestChatKept(t *testing.T) {
	// Without an archive, nobody can keep the chat.
	w := newWorld(t, 10, nil)
	ann, annC := w.enter(owner("Ann"))
	if st := welcome(t, annC).ChatState; st.Available || st.Kept {
		t.Fatalf("chat state without an archive: %+v", st)
	}
	if err := ann.KeepChat(true); !errors.Is(err, room.ErrChatKeepUnavailable) {
		t.Fatalf("keep without an archive: %v", err)
	}

	archive := &roomtest.ChatArchive{}
	w = newChatWorld(t, archive)
	ann, annC = w.enter(owner("Ann"))
	bob, bobC := w.enter(member("Bob"))
	if st := welcome(t, annC).ChatState; !st.Available || st.Kept {
		t.Fatalf("chat state at the start: %+v; want available, not kept", st)
	}
	if _, err := ann.Chat("before", ""); err != nil {
		t.Fatal(err)
	}
	// Only moderators choose.
	if err := bob.KeepChat(true); !errors.Is(err, room.ErrForbidden) {
		t.Fatalf("a member keeps the chat: %v", err)
	}
	if err := ann.KeepChat(true); err != nil {
		t.Fatal(err)
	}
	states := roomtest.Of[room.ChatState](bobC)
	if len(states) != 1 || !states[0].Kept || states[0].By == nil || states[0].By.Name != "Ann" {
		t.Fatalf("Bob told %+v", states)
	}
	// Messages to everyone are kept from then on; private ones never.
	if _, err := bob.Chat("public", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Chat("private", ann.ID()); err != nil {
		t.Fatal(err)
	}
	_, eveC := w.enter(member("Eve"))
	if st := welcome(t, eveC).ChatState; !st.Kept {
		t.Fatalf("a late joiner is not told the chat is kept: %+v", st)
	}
	if err := ann.KeepChat(false); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Chat("after", ""); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "kept", historyTexts(archive.Kept()), []string{"Bob:public"})
}
