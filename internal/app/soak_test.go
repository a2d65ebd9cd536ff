package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"visio/internal/client"
	"visio/internal/signal"
)

// soakDuration is how long TestSoak churns: 20 s in make test, longer with VISIO_SOAK_DURATION
// (for example 5m) before a release.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("VISIO_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("VISIO_SOAK_DURATION=%q: %v", v, err)
		}
		return d
	}
	return 20 * time.Second
}

// soakLevels are what must come back to where they were once the churn is over, read from the
// server process's own metrics after a forced garbage collection.
type soakLevels struct {
	goroutines, heapMiB, fds float64
	rooms, people, pc        float64
}

func measureSoak(t *testing.T, base, debug string) soakLevels {
	t.Helper()
	resp, err := http.Get(debug + "/debug/pprof/heap?gc=1") // collect garbage first
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return soakLevels{
		goroutines: metric(t, base, "go_goroutines"), heapMiB: metric(t, base, "go_memstats_heap_inuse_bytes") / (1 << 20),
		fds: metric(t, base, "process_open_fds"), rooms: metric(t, base, "visio_rooms"),
		people: metric(t, base, "visio_participants"), pc: metric(t, base, "visio_sfu_peer_connections"),
	}
}

func (l soakLevels) String() string {
	return fmt.Sprintf("goroutines=%g heap=%.1fMiB fds=%g rooms=%g participants=%g peer_connections=%g",
		l.goroutines, l.heapMiB, l.fds, l.rooms, l.people, l.pc)
}

// stacksAdded lists the goroutine stacks (pprof debug=1 text) more numerous in after than in
// before, by their functions.
func stacksAdded(before, after string) string {
	count := func(text string) map[string]int {
		m := map[string]int{}
		for _, block := range strings.Split(text, "\n\n") {
			lines := strings.Split(strings.TrimSpace(block), "\n")
			if len(lines) < 2 {
				continue
			}
			var n int
			if _, err := fmt.Sscanf(lines[0], "%d @", &n); err != nil {
				continue
			}
			var fns []string
			for _, l := range lines[1:] {
				if f := strings.Fields(l); len(f) >= 3 && f[0] == "#" {
					fns = append(fns, f[2])
				}
			}
			m[strings.Join(fns, " <- ")] += n
		}
		return m
	}
	b, a := count(before), count(after)
	var out strings.Builder
	for k, n := range a {
		if n > b[k] {
			fmt.Fprintf(&out, "+%d %s\n", n-b[k], k)
		}
	}
	return out.String()
}

// fetch returns the body at u.
func fetch(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// startSoakServer runs `visio serve` in a process of its own with the configuration file
// text cfg, and returns its URL and its debug listener's.
func startSoakServer(t *testing.T, cfg string) (base, debug string) {
	t.Helper()
	bin := visioBinary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "visio.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", path, "--http-addr", "127.0.0.1:0", "--udp-port", "0", "--tcp-port", "0", "--turn-port", "0",
		"--ice-loopback-only", "--debug-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "VISIO_STORE_DATA_DIR="+dir, "VISIO_LOG_FORMAT=json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	debugCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), `"url":"http://127.0.0.1:`); i >= 0 && strings.Contains(sc.Text(), "profiling endpoints") {
				u := sc.Text()[i+7:]
				debugCh <- strings.TrimSuffix(u[:strings.Index(u, `"`)], "/debug/pprof/")
			}
		}
	}()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "visio: listening on "); ok {
			base = u
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	select {
	case debug = <-debugCh:
	case <-time.After(10 * time.Second):
	}
	if base == "" || debug == "" {
		t.Fatalf("the server did not start: url %q, debug %q", base, debug)
	}
	return base, debug
}

// TestSoak: against a `visio serve` process, a meeting where headless participants join,
// publish, mute, renegotiate, lose their signalling and resume, and leave, in a loop, while
// hostile clients send refused offers and garbage and flood room creation. Meanwhile a steady
// publisher's media never stops reaching a steady viewer; afterwards the server's goroutines,
// heap, open files, live rooms, participants and peer connections return to their level before
// the churn.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 20 s or more")
	}
	dur := soakDuration(t)
	base, debug := startSoakServer(t, "[signal]\nreconnect_grace = \"2s\"\nmax_messages_per_second = 1000.0\n")
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	owner := signIn(t, base, "soak-owner")
	code := createRoom(t, owner, base, "public")
	anchor := join(t, api, base, code, "Anchor")
	anchor.publish(1)
	viewer := join(t, api, base, code, "Viewer")
	viewer.publish(2) // both have both connections established before the levels are taken
	eventually(t, 15*time.Second, "the anchor and the viewer to receive each other", func() bool {
		pa, _ := viewer.packets(viewer.trackOf(anchor.c.ID(), "camera"))
		pv, _ := anchor.packets(anchor.trackOf(viewer.c.ID(), "camera"))
		return len(pa) > 30 && len(pv) > 30
	})
	before := measureSoak(t, base, debug)
	beforeStacks := fetch(t, debug+"/debug/pprof/goroutine?debug=1")
	t.Logf("metric: soak_before %s", before)
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[string]int{}
	count := func(what string) { mu.Lock(); counts[what]++; mu.Unlock() }
	errs := make(chan error, 16)
	fail := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}

	// Churning participants.
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				if err := churnOnce(ctx, api, base, code, fmt.Sprintf("churn-%d-%d", w, i), byte(10+w)); err != nil && ctx.Err() == nil {
					fail(err)
					return
				}
				count("churn cycles")
			}
		}()
	}
	// A hostile participant: refused offers and garbage, as fast as the server answers.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := hostileLoop(ctx, base, code, count); err != nil && ctx.Err() == nil {
			fail(err)
		}
	}()
	// Sockets that open and never join (closed by the server at signal.join_timeout), and
	// joins with made-up resume tokens on an idle room (refused, opening no meeting).
	idle := createRoom(t, owner, base, "public")
	wg.Add(1)
	go func() {
		defer wg.Done()
		ws := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/rooms/"
		var silent []*websocket.Conn
		defer func() {
			for _, c := range silent {
				_ = c.CloseNow()
			}
		}()
		for i := 0; ctx.Err() == nil; i++ {
			dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
			c, _, err := websocket.Dial(dctx, ws+idle+"/ws", &websocket.DialOptions{Subprotocols: []string{signal.Subprotocol}})
			if err != nil {
				dcancel()
				continue
			}
			if i%2 == 0 { // silent: left open until the end, or until the server closes it
				silent = append(silent, c)
				count("sockets that never join")
			} else {
				_ = c.Write(dctx, websocket.MessageText, []byte(`{"type":"join","resume_token":"made-up-`+fmt.Sprint(i)+`"}`))
				_, _, _ = c.Read(dctx)
				_ = c.CloseNow()
				count("made-up resume tokens")
			}
			dcancel()
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	// A user creating rooms in a loop: refused past the rate.
	wg.Add(1)
	go func() {
		defer wg.Done()
		hc, err := client.SignIn(ctx, base, "flooder", "flooder@example.gouv.fr")
		if err != nil {
			fail(err)
			return
		}
		defer hc.CloseIdleConnections()
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/rooms", strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				continue
			}
			resp.Body.Close()
			count(fmt.Sprintf("room creations answered %d", resp.StatusCode))
		}
	}()

	// The steady stream: a stall of more than 3 s (a loaded machine included) fails.
	track := viewer.trackOf(anchor.c.ID(), "camera")
	last, lastAt, worst := 0, time.Now(), time.Duration(0)
	for ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
		pkts, _ := viewer.packets(track)
		if len(pkts) > last {
			last, lastAt = len(pkts), time.Now()
		}
		worst = max(worst, time.Since(lastAt))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("metric: soak_duration=%v soak_longest_media_stall=%v %v", dur, worst.Round(10*time.Millisecond), counts)
	if worst > 3*time.Second {
		t.Errorf("the anchor's media stopped reaching the viewer for %v during the churn", worst)
	}
	if counts["churn cycles"] == 0 || counts["refused offers"] == 0 || counts["made-up resume tokens"] == 0 {
		t.Errorf("the churn did not run: %v", counts)
	}

	http.DefaultClient.CloseIdleConnections() // join token requests' keep-alive connections
	var after soakLevels
	ok := within(30*time.Second, func() bool {
		after = measureSoak(t, base, debug)
		return after.goroutines <= before.goroutines+5 && after.fds <= before.fds+4 &&
			after.rooms == before.rooms && after.people == before.people && after.pc == before.pc &&
			after.heapMiB <= before.heapMiB+16
	})
	t.Logf("metric: soak_after %s", after)
	if !ok {
		t.Errorf("after the churn: %s; before: %s; the server's goroutines added:\n%s", after, before,
			stacksAdded(beforeStacks, fetch(t, debug+"/debug/pprof/goroutine?debug=1")))
	}
}

// churnOnce is one participant's life: join, publish, mute and unmute, renegotiate with an ICE
// restart, lose the signalling and resume, leave.
func churnOnce(ctx context.Context, api *webrtc.API, base, code, name string, n byte) error {
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := client.Join(jctx, api, base, code, name, client.Options{Loopback: true})
	if err != nil {
		return fmt.Errorf("%s join: %w", name, err)
	}
	defer c.Close()
	src, err := client.NewSyntheticSource(n)
	if err != nil {
		return err
	}
	if _, err := c.AddTrack(src.Audio, "microphone"); err != nil {
		return err
	}
	if _, err := c.AddTrack(src.Video, "camera"); err != nil {
		return err
	}
	if err := c.Negotiate(jctx, false); err != nil {
		return fmt.Errorf("%s negotiate: %w", name, err)
	}
	sctx, stop := context.WithCancel(ctx)
	src.Start(sctx)
	defer func() { stop(); src.Wait() }()
	steps := []func() error{
		func() error { return c.SetMuted(jctx, "microphone", true) },
		func() error { return c.SetMuted(jctx, "microphone", false) },
		func() error { return c.Negotiate(jctx, true) },
		func() error { c.DropSignalling(); return c.Resume(jctx) },
	}
	for _, step := range steps {
		if ctx.Err() != nil {
			break
		}
		time.Sleep(300 * time.Millisecond)
		if err := step(); err != nil && ctx.Err() == nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	lctx, lcancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer lcancel()
	c.Leave(lctx)
	return nil
}

// hostileLoop joins as a guest on a raw socket and sends refused offers, oversized candidates
// and garbage until ctx ends, checking each is answered with an error.
func hostileLoop(ctx context.Context, base, code string, count func(string)) error {
	tok, err := client.RequestToken(ctx, nil, base, code, "Mallory")
	if err != nil {
		return err
	}
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/rooms/"+code+"/ws",
		&websocket.DialOptions{Subprotocols: []string{signal.Subprotocol}})
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	roundTrip := func(msg string) (string, error) {
		if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			return "", err
		}
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				return "", err
			}
			s := string(data)
			if strings.Contains(s, `"type":"error"`) || strings.Contains(s, `"type":"welcome"`) {
				return s, nil
			}
		}
	}
	if m, err := roundTrip(`{"type":"join","token":"` + tok.Token + `"}`); err != nil || !strings.Contains(m, "welcome") {
		return fmt.Errorf("hostile join: %q, %v", m, err)
	}
	long := strings.Repeat("L", 4000)
	for i := 0; ctx.Err() == nil; i++ {
		msgs := []string{
			fmt.Sprintf(`{"type":"offer","sdp":"v=0\r\nnot an offer","tracks":[{"cid":"%058d","source":"camera","layers":["q","%s"]}]}`, i, long),
			fmt.Sprintf(`{"type":"offer","sdp":"v=0\r\nnot an offer %d","tracks":[{"cid":"%058d","source":"camera"}]}`, i, i),
			`{"type":"candidate","target":"subscriber","candidate":{"candidate":"` + long + `"}}`,
			`{"type":"teleport"}`,
		}
		for _, m := range msgs {
			r, err := roundTrip(m)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("hostile: %w", err)
			}
			if !strings.Contains(r, `"type":"error"`) {
				return fmt.Errorf("hostile message %.40q answered %q", m, r)
			}
		}
		count("refused offers")
	}
	return nil
}
