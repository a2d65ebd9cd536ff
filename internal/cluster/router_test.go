package cluster

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestRelayHeader(t *testing.T) {
	ctx := context.Background()
	bus, err := Connect(ctx, BusConfig{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	m, err := Join(ctx, bus, Config{Node: NodeInfo{ID: "b"}, Key: testKey}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	var served string
	rt := &Router{Member: m, Log: quiet(), Local: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served = r.RemoteAddr }),
		Exists: func(*http.Request, string) (bool, error) { return true, nil }}
	client := netip.MustParseAddr("192.0.2.7")
	good := rt.relayValue(client)
	other := (&Router{Member: &Member{cfg: Config{Node: NodeInfo{ID: "x"}, Now: time.Now}, seal: sealer{[]byte("another key of thirty-two bytes!")}}}).relayValue(client)
	old := func() string {
		m.cfg.Now = func() time.Time { return time.Now().Add(-time.Minute) }
		defer func() { m.cfg.Now = time.Now }()
		return rt.relayValue(client)
	}()
	for _, tc := range []struct {
		name, header, xff string
		want              int
		remote            string
	}{
		{"relayed", good, "198.51.100.1, 192.0.2.7", http.StatusOK, "192.0.2.7:0"},
		{"another client", good, "192.0.2.8", http.StatusForbidden, ""},
		{"another key", other, "192.0.2.7", http.StatusForbidden, ""},
		{"a minute old", old, "192.0.2.7", http.StatusForbidden, ""},
		{"garbage", "x.y.z", "192.0.2.7", http.StatusForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			served = ""
			r := httptest.NewRequest("GET", "/api/v1/rooms/abc-defg-hij/ws", nil)
			r.SetPathValue("code", "abc-defg-hij")
			r.Header.Set(RelayHeader, tc.header)
			r.Header.Set("X-Forwarded-For", tc.xff)
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			if w.Code != tc.want || served != tc.remote {
				t.Errorf("status %d, served as %q; want %d, %q", w.Code, served, tc.want, tc.remote)
			}
		})
	}
}
