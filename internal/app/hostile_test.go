package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/crypto/bcrypt"

	"visio/internal/config"
	"visio/internal/signal"
)

// The hostile suite: what a participant or a visitor could do to exhaust the server or guess
// the built-in accounts' passwords, against a whole running service. Each case fails if the
// limit it checks is removed; the limits are listed in docs/OPERATIONS.md.

// hostileCall makes one API request on hc and returns the status, the error code and the
// Retry-After header.
func hostileCall(t *testing.T, hc *http.Client, method, u, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error.Code, resp.Header.Get("Retry-After")
}

// TestHostileRoomCreation: one user cannot make the server keep rooms without limit: room
// creation is rate limited per owner (rate_limited, Retry-After) and the rooms one user owns
// are capped (room_quota_exceeded); other users are not affected.
func TestHostileRoomCreation(t *testing.T) {
	t.Run("rate", func(t *testing.T) {
		base := startServer(t, func(c *config.Config) { c.Room.CreationsPerMinute = 3 })
		hc := signIn(t, base, "flooder")
		var statuses []int
		var retry string
		for range 20 {
			st, code, ra := hostileCall(t, hc, http.MethodPost, base+"/api/v1/rooms", `{}`)
			statuses = append(statuses, st)
			if st == http.StatusTooManyRequests {
				if code != "rate_limited" || ra == "" {
					t.Fatalf("refusal: code %q, Retry-After %q", code, ra)
				}
				retry = ra
			}
		}
		created := 0
		for _, s := range statuses {
			if s == http.StatusCreated {
				created++
			}
		}
		if created != 3 || retry == "" {
			t.Errorf("20 creations at once: %d created (want 3), statuses %v", created, statuses)
		}
		if st, _, _ := hostileCall(t, signIn(t, base, "bystander"), http.MethodPost, base+"/api/v1/rooms", `{}`); st != http.StatusCreated {
			t.Errorf("another user: %d, want 201", st)
		}
	})
	t.Run("quota", func(t *testing.T) {
		base := startServer(t, func(c *config.Config) { c.Room.MaxPerUser = 2; c.Room.CreationsPerMinute = 0 })
		hc := signIn(t, base, "hoarder")
		for i := range 2 {
			if st, code, _ := hostileCall(t, hc, http.MethodPost, base+"/api/v1/rooms", `{}`); st != http.StatusCreated {
				t.Fatalf("room %d: %d %s", i, st, code)
			}
		}
		if st, code, _ := hostileCall(t, hc, http.MethodPost, base+"/api/v1/rooms", `{}`); st != http.StatusForbidden || code != "room_quota_exceeded" {
			t.Errorf("third room: %d %q, want 403 room_quota_exceeded", st, code)
		}
	})
}

// TestHostileHTTP: no directory listing; metrics on their own listener when asked (meeting
// links and the Host header: internal/api's TestMeetingURL).
func TestHostileHTTP(t *testing.T) {
	a, _ := startApp(t, func(c *config.Config) { c.HTTP.MetricsAddr = "127.0.0.1:0" })
	base := a.URL()
	for _, p := range []string{"/assets/", "/assets", "/assets/../assets/"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "<a href") {
			t.Errorf("GET %s: %d, listing: %v; want 404 without a listing", p, resp.StatusCode, strings.Contains(string(body), "<a href"))
		}
	}
	if resp, err := http.Get(base + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public port with http.metrics_addr set: %v %v, want 404", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	resp, err := http.Get(a.MetricsURL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "visio_rooms") {
		t.Errorf("metrics listener: %d, visio_rooms present: %v", resp.StatusCode, strings.Contains(string(body), "visio_rooms"))
	}

}

// TestHostileHSTS: a server serving HTTPS itself sends Strict-Transport-Security; over plain
// HTTP (behind a proxy, or in development) it does not.
func TestHostileHSTS(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	base := startServer(t, func(c *config.Config) { c.HTTP.TLSCert, c.HTTP.TLSKey = cert, key })
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("TLS server at %s", base)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	t.Cleanup(hc.CloseIdleConnections)
	resp, err := hc.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
		t.Errorf("HTTPS: Strict-Transport-Security %q", h)
	}
	plain := startServer(t)
	resp, err = http.Get(plain + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := resp.Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("plain HTTP sends Strict-Transport-Security %q", h)
	}
}

// selfSigned writes a certificate for localhost and 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestHostilePasswordGuessing: guessing at a built-in account through the sign-in form is
// throttled after a few failures (429 with Retry-After), and an unknown login is answered
// exactly as a known one.
func TestHostilePasswordGuessing(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("right password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	base := startServer(t, func(c *config.Config) {
		c.Auth.Local.Users = []config.LocalUser{{Login: "marie", Name: "Marie", Email: "marie@example.gouv.fr", PasswordHash: string(hash)}}
	})
	guess := func(login string) (int, string) {
		resp, err := http.PostForm(base+"/local-idp/login", url.Values{"id": {"x"}, "login": {login}, "password": {"guess"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	for _, login := range []string{"marie", "nobody"} {
		var got []string
		for range 8 {
			st, ra := guess(login)
			got = append(got, fmt.Sprint(st, ra != ""))
		}
		want := "[401 false 401 false 401 false 401 false 401 false 429 true 429 true 429 true]"
		if fmt.Sprint(got) != want {
			t.Errorf("%s: 8 wrong passwords answered %v, want %s", login, got, want)
		}
	}
}

// TestHostileRefusedOffers: a participant sending refused offers in a loop over the signalling
// socket, each declaring new tracks with long simulcast layer names, is refused each time,
// stays connected, and the server's heap does not grow with the offers.
func TestHostileRefusedOffers(t *testing.T) {
	base := startServer(t, func(c *config.Config) { c.Signal.MaxMessagesPerSecond = 100000 })
	code := createRoom(t, signIn(t, base, "owner"), base, "public")
	conn := rawConn(t, base, code)
	if m := sendRecv(t, conn, `{"type":"join","token":"`+guestToken(t, base, code, "Mallory")+`"}`); m["type"] != "welcome" {
		t.Fatalf("join: %v", m)
	}
	layer := strings.Repeat("L", 4000)
	offer := func(i int) string {
		var tracks []string
		for k := range 4 {
			tracks = append(tracks, fmt.Sprintf(`{"cid":"%060d-%d","source":"camera","layers":["q","%s%d","f"]}`, i, k, layer, k))
		}
		if i%2 == 0 { // valid declarations, an SDP that cannot be applied
			tracks = []string{fmt.Sprintf(`{"cid":"%060d","source":"camera","layers":["q","h","f"]}`, i)}
		}
		return `{"type":"offer","sdp":"v=0\r\nnot an offer","tracks":[` + strings.Join(tracks, ",") + `]}`
	}
	send := func(n, from int) {
		for i := range n {
			m := sendRecv(t, conn, offer(from+i))
			if m["type"] != "error" || (m["code"] != signal.CodeBadSDP && m["code"] != signal.CodeBadTrack) {
				t.Fatalf("refused offer %d: %v", from+i, m)
			}
		}
	}
	send(100, 0) // warm up
	before := heapInUse()
	const n = 1000
	send(n, 100)
	after := heapInUse()
	grew := int64(after) - int64(before)
	t.Logf("heap in use: %d KiB before, %d KiB after %d refused offers (%+d KiB)", before>>10, after>>10, n, grew>>10)
	if grew > 4<<20 {
		t.Errorf("heap grew by %d KiB over %d refused offers", grew>>10, n)
	}
	if m := sendRecv(t, conn, `{"type":"ping","id":"still"}`); m["type"] != "pong" {
		t.Errorf("after the offers: %v, want pong", m)
	}
	_ = conn.Close(websocket.StatusNormalClosure, "")
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
