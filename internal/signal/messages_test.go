package signal

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const testSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    any
		errCode string
	}{
		{"join", `{"type":"join","name":"  Camille  "}`, &Join{Name: "Camille"}, ""},
		{"join resume", `{"type":"join","name":"C","resume_token":"abc"}`, &Join{Name: "C", ResumeToken: "abc"}, ""},
		{"join unknown fields ignored", `{"type":"join","name":"C","future":1}`, &Join{Name: "C"}, ""},
		{"join empty name", `{"type":"join","name":""}`, &Join{}, ""},
		{"join token", `{"type":"join","token":"eyJ"}`, &Join{Token: "eyJ"}, ""},
		{"join blank name", `{"type":"join","name":"  "}`, nil, CodeInvalidName},
		{"admit some", `{"type":"admit","request_ids":["LR_1"]}`, &LobbyDecision{Admit: true, RequestIDs: []string{"LR_1"}}, ""},
		{"deny all", `{"type":"deny","all":true}`, &LobbyDecision{All: true}, ""},
		{"admit nobody", `{"type":"admit"}`, nil, CodeBadMessage},
		{"moderate remove", `{"type":"moderate","action":"remove","participant_id":"PA_1"}`, &Moderate{Action: "remove", ParticipantID: "PA_1"}, ""},
		{"moderate lock", `{"type":"moderate","action":"lock"}`, &Moderate{Action: "lock"}, ""},
		{"moderate no target", `{"type":"moderate","action":"mute"}`, nil, CodeBadMessage},
		{"moderate unknown", `{"type":"moderate","action":"explode"}`, nil, CodeBadMessage},
		{"join long name", `{"type":"join","name":"` + strings.Repeat("é", 65) + `"}`, nil, CodeInvalidName},
		{"join control char", `{"type":"join","name":"a\u0007b"}`, nil, CodeInvalidName},
		{"join wrong type", `{"type":"join","name":5}`, nil, CodeBadMessage},
		{"offer", `{"type":"offer","sdp":"` + strings.ReplaceAll(testSDP, "\r\n", `\r\n`) + `","tracks":[{"cid":"a","source":"microphone"}]}`,
			&Offer{SDP: testSDP, Tracks: []TrackDecl{{CID: "a", Source: "microphone"}}}, ""},
		{"offer bad sdp", `{"type":"offer","sdp":"hello"}`, nil, CodeBadSDP},
		{"offer empty sdp", `{"type":"offer"}`, nil, CodeBadSDP},
		{"offer empty cid", `{"type":"offer","sdp":"` + strings.ReplaceAll(testSDP, "\r\n", `\r\n`) + `","tracks":[{"cid":"","source":"camera"}]}`, nil, CodeBadTrack},
		{"answer", `{"type":"answer","sdp":"` + strings.ReplaceAll(testSDP, "\r\n", `\r\n`) + `"}`, &Answer{SDP: testSDP}, ""},
		{"candidate", `{"type":"candidate","target":"subscriber","candidate":{"candidate":"c"}}`, nil, ""},
		{"candidate bad target", `{"type":"candidate","target":"x","candidate":{}}`, nil, CodeBadMessage},
		{"mute", `{"type":"mute","source":"camera","muted":true}`, &Mute{Source: "camera", Muted: true}, ""},
		{"mute bad source", `{"type":"mute","source":"x"}`, nil, CodeBadMessage},
		{"leave", `{"type":"leave"}`, &Leave{}, ""},
		{"subscribe", `{"type":"subscribe","tracks":[{"track_id":"TR_1","visible":true,"width":640,"height":360}]}`,
			&Subscribe{Tracks: []TrackView{{TrackID: "TR_1", Visible: true, Width: 640, Height: 360}}}, ""},
		{"subscribe bad size", `{"type":"subscribe","tracks":[{"track_id":"TR_1","width":-1}]}`, nil, CodeBadMessage},
		{"ping", `{"type":"ping","id":"7"}`, &Ping{ID: "7"}, ""},
		{"breakout open", `{"type":"breakout","action":"open","rooms":["A",""],"assign":{"PA_1":2},"duration_s":60}`,
			&BreakoutControl{Action: "open", Rooms: []string{"A", ""}, Assign: map[string]int{"PA_1": 2}, DurationS: 60}, ""},
		{"breakout no rooms", `{"type":"breakout","action":"open"}`, nil, CodeBadMessage},
		{"breakout bad assign", `{"type":"breakout","action":"open","rooms":["A"],"assign":{"PA_1":3}}`, nil, CodeBadMessage},
		{"breakout move no target", `{"type":"breakout","action":"move","room":1}`, nil, CodeBadMessage},
		{"breakout empty broadcast", `{"type":"breakout","action":"broadcast"}`, nil, CodeBadMessage},
		{"breakout unknown", `{"type":"breakout","action":"teleport"}`, nil, CodeBadMessage},
		{"unknown", `{"type":"warp"}`, nil, CodeBadMessage},
		{"no type", `{"name":"x"}`, nil, CodeBadMessage},
		{"array", `[1,2]`, nil, CodeBadMessage},
		{"garbage", `{{{`, nil, CodeBadMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.in))
			if tt.errCode != "" {
				var pe *ProtocolError
				if !errors.As(err, &pe) || pe.Code != tt.errCode {
					t.Fatalf("Decode(%s) error = %v, want code %s", tt.in, err, tt.errCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%s): %v", tt.in, err)
			}
			if tt.want == nil {
				return
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tt.want)
			if string(gj) != string(wj) {
				t.Errorf("Decode(%s) = %s, want %s", tt.in, gj, wj)
			}
		})
	}
}

// FuzzDecode: no input makes the decoder panic, every error is a protocol error with a known
// code, and what decodes re-encodes to something that decodes to the same message.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`{"type":"join","name":"Camille"}`,
		`{"type":"join","name":"C","resume_token":"abc"}`,
		`{"type":"offer","sdp":"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n","tracks":[{"cid":"a","source":"microphone"}]}`,
		`{"type":"answer","sdp":"v=0\r\n"}`,
		`{"type":"candidate","target":"publisher","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}`,
		`{"type":"mute","source":"camera","muted":true}`,
		`{"type":"leave"}`,
		`{"type":"ping","id":"1"}`,
		`{"type":"subscribe","tracks":[{"track_id":"TR_1","visible":true,"width":640,"height":360}]}`,
		`{"type":"\u0000"}`,
		`{"type":"hand","raised":true}`,
		`{"type":"hand","raised":false,"participant_id":"PA_1"}`,
		`{"type":"reaction","emoji":"👍"}`,
		`{"type":"breakout","action":"open","rooms":["Salle 1",""],"assign":{"PA_1":1,"PA_2":0},"random":true,"duration_s":600,"allow_return":true}`,
		`{"type":"breakout","action":"move","participant_id":"PA_1","room":2}`,
		`{"type":"breakout","action":"visit","room":1}`,
		`{"type":"breakout","action":"broadcast","text":"Plus que 5 minutes"}`,
		`{"type":"breakout","action":"close"}`,
		`{"type":"chat","text":"bonjour <b>à tous</b>"}`,
		`{"type":"chat","text":"psst","to":"PA_1"}`,
		`{"type":"chat_keep","keep":true}`,
		`{"type":"transcription","action":"start"}`,
		`{"type":"captions","enabled":true}`,
		`{"type":"recording","action":"start"}`,
		`{"type":"admit","request_id":"LR_1"}`,
		`{"type":"deny","request_id":"LR_1"}`,
		`{"type":"moderate","action":"mute","participant_id":"PA_1","source":"microphone"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	codes := map[string]bool{CodeBadMessage: true, CodeInvalidName: true, CodeBadSDP: true, CodeBadTrack: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := Decode(data)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || !codes[pe.Code] || pe.Message == "" {
				t.Fatalf("Decode(%q): unexpected error %#v", data, err)
			}
			return
		}
		// Decode accepted it, so its type is one the protocol knows: re-encode under that type.
		var env struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(data, &env)
		typ := map[string]string{"type": env.Type}
		enc, _ := json.Marshal(msg)
		var obj map[string]any
		_ = json.Unmarshal(enc, &obj)
		if obj == nil {
			obj = map[string]any{}
		}
		obj["type"] = typ["type"]
		enc, _ = json.Marshal(obj)
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", enc, err)
		}
		a, _ := json.Marshal(again)
		b, _ := json.Marshal(msg)
		if string(a) != string(b) {
			t.Fatalf("round trip changed the message: %s != %s", a, b)
		}
	})
}
