package loadtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestFront: the front sends requests to the nodes in turn, signalling connections taking turns
// of their own, keeps the Host the client used, and records which node each signalling
// connection reached.
func TestFront(t *testing.T) {
	var servers []target
	for i := range 3 {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%d %s", i, r.Host)
		}))
		defer s.Close()
		servers = append(servers, target{base: s.URL})
	}
	f, err := newFront(servers)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	get := func(path string) string {
		resp, err := http.Get(f.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	host := f.url[len("http://"):]
	for i, path := range []string{"/api/v1/rooms/abc/join", "/api/v1/rooms/abc/ws", "/api/v1/rooms/abc/join", "/api/v1/rooms/def/ws", "/x", "/api/v1/rooms/ghi/ws"} {
		want := fmt.Sprintf("%d %s", []int{0, 0, 1, 1, 2, 2}[i], host)
		if got := get(path); got != want {
			t.Errorf("request %d (%s): %q, want %q", i, path, got, want)
		}
	}
	e := f.entries()
	if len(e) != 3 || e[0] != (frontEntry{"abc", servers[0].base}) || e[1] != (frontEntry{"def", servers[1].base}) || e[2] != (frontEntry{"ghi", servers[2].base}) {
		t.Errorf("signalling entries %+v", e)
	}
	http.DefaultClient.CloseIdleConnections()
}
