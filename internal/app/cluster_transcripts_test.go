package app

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/transcribe/archive"
)

// TestClusterTranscriptOnEveryNode: three nodes sharing PostgreSQL; a meeting transcribed on
// one node (real speech, an OpenAI-compatible recognizer numbering the utterances) leaves a
// transcript every node lists and serves whole to the room's owner, and to nobody else.
func TestClusterTranscriptOnEveryNode(t *testing.T) {
	if testing.Short() {
		t.Skip("speaks for about 10 s")
	}
	whisper := httptest.NewServer(&countingWhisper{})
	defer whisper.Close()
	nodes := startCluster(t, 3, func(c *config.Config) {
		c.Transcription.Recognizer, c.Transcription.Language, c.Transcription.OpenAI.BaseURL = "openai", "fr", whisper.URL
	})
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	base0 := nodes[0].app.URL()
	owner := signIn(t, base0, "Alice")
	code := createRoom(t, owner, base0, "public")
	a := joinSpeakerAs(t, api, base0, code, "Alice", owner)
	a.control(t, `{"type":"captions","enabled":true}`)
	a.control(t, `{"type":"transcription","action":"start"}`)
	eventually(t, 10*time.Second, "transcription on", a.transcriptionActive)
	a.say(t, speechPackets(t, "asr-fr/fleurs-fr-000.ogg", "asr-fr/fleurs-fr-001.ogg"))
	eventually(t, 60*time.Second, "a caption", func() bool { return len(a.captions()) > 0 })
	h := holder(nodes, code)
	a.close() // the meeting ends: the transcript is finished
	caps := a.captions()

	var id string
	for i, nd := range nodes {
		base := nd.app.URL()
		var list struct{ Transcripts []archive.Meta }
		eventually(t, 90*time.Second, fmt.Sprintf("the finished transcript listed on node-%d", i), func() bool {
			getJSON(t, owner, base+"/api/v1/transcripts?room="+code, &list)
			return len(list.Transcripts) == 1 && !list.Transcripts[0].Live
		})
		m := list.Transcripts[0]
		if id == "" {
			id = m.ID
		}
		if m.ID != id || m.Segments < len(caps) || len(m.Speakers) != 1 || m.Speakers[0].Name != "Alice" {
			t.Errorf("node-%d lists %+v; want transcript %s of at least %d segments, spoken by Alice", i, m, id, len(caps))
		}
		var rec archive.Record
		getJSON(t, owner, base+"/api/v1/transcripts/"+id, &rec)
		if len(rec.Segments) != m.Segments {
			t.Errorf("node-%d serves %d segments, lists %d", i, len(rec.Segments), m.Segments)
		}
		seen := map[string]bool{} // the recognizer numbers its answers: a segment written twice shows
		for _, sg := range rec.Segments {
			if seen[sg.Text] {
				t.Errorf("node-%d: segment %q twice", i, sg.Text)
			}
			seen[sg.Text] = true
		}
		resp, err := owner.Get(base + "/api/v1/transcripts/" + id + "?format=srt&download")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("node-%d: srt download: HTTP %d %s", i, resp.StatusCode, body)
		}
		for _, c := range caps {
			if !strings.Contains(string(body), "Alice: "+c.Text) {
				t.Errorf("node-%d: caption %q missing from the srt download:\n%s", i, c.Text, body)
			}
		}
	}
	// Someone else, signed in, neither lists nor reads it, on any node.
	bob := signIn(t, nodes[(h+1)%3].app.URL(), "Bob")
	for i, nd := range nodes {
		var list struct{ Transcripts []archive.Meta }
		getJSON(t, bob, nd.app.URL()+"/api/v1/transcripts", &list)
		if len(list.Transcripts) != 0 {
			t.Errorf("node-%d lists %d transcripts to someone with no role on the room", i, len(list.Transcripts))
		}
		resp, err := bob.Get(nd.app.URL() + "/api/v1/transcripts/" + id)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("node-%d: someone with no role reads the transcript: HTTP %d", i, resp.StatusCode)
		}
	}
	t.Logf("transcript %s made on node-%d: %d captions, served by every node", id, h, len(caps))
}
