package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// NetTest is the server side of the connection test page (nettest.go): the relay's addresses
// with credentials valid a few minutes, and the answers to the test's peer connections.
type NetTest interface {
	// ICEServers returns the relay's addresses with short-lived credentials of a test's own,
	// in the form of RTCPeerConnection's iceServers.
	ICEServers() any
	// Answer answers offer with candidates on network only ("udp" or "tcp"); ErrNetTestBusy
	// when too many tests run.
	Answer(ctx context.Context, network, offer string) (string, error)
}

// ErrNetTestBusy is returned by NetTest.Answer when too many connection tests run.
var ErrNetTestBusy = errors.New("too many connection tests running")

// netTestsPerAddr bounds the connection tests one address runs: a test page makes five
// connections; a whole office behind one address may test at once.
const (
	netTestsPerAddrBurst = 100
	netTestsPerAddrEvery = 200 * time.Millisecond
	maxNetTestOffer      = 16 << 10
)

// routeNetTest adds the connection test page and its endpoints.
func (s *server) routeNetTest(mux *http.ServeMux) {
	mux.HandleFunc("GET /connection-test", func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" // the app routes /connection-test itself
		s.webApp().ServeHTTP(w, r2)
	})
	if s.p.NetTest == nil {
		return
	}
	lim := &netTestLimiter{m: map[string]*rate.Limiter{}}
	mux.HandleFunc("GET /api/v1/connection-test", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]any{"ice_servers": s.p.NetTest.ICEServers()})
	})
	mux.HandleFunc("POST /api/v1/connection-test", func(w http.ResponseWriter, r *http.Request) {
		if !lim.allow(clientIP(r)) {
			writeError(w, http.StatusTooManyRequests, "rate_limited", "Too many connection tests from your address: try again in a minute.")
			return
		}
		var req struct {
			Network string `json:"network"`
			SDP     string `json:"sdp"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxNetTestOffer)).Decode(&req); err != nil || req.SDP == "" {
			writeError(w, http.StatusBadRequest, "bad_request", "Send {\"network\": \"udp\" or \"tcp\", \"sdp\": an offer}.")
			return
		}
		if req.Network != "udp" && req.Network != "tcp" {
			writeError(w, http.StatusBadRequest, "bad_request", "network must be \"udp\" or \"tcp\".")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		answer, err := s.p.NetTest.Answer(ctx, req.Network, req.SDP)
		switch {
		case errors.Is(err, ErrNetTestBusy):
			writeError(w, http.StatusServiceUnavailable, "busy", "Too many connection tests are running: try again in a minute.")
		case err != nil:
			writeError(w, http.StatusBadRequest, "bad_offer", "The connection test could not be answered: "+err.Error())
		default:
			writeJSON(w, http.StatusOK, map[string]string{"sdp": answer})
		}
	})
}

// netTestLimiter rate-limits connection tests per client address.
type netTestLimiter struct {
	mu sync.Mutex // guards the following field
	m  map[string]*rate.Limiter
}

func (l *netTestLimiter) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.m[addr]
	if lim == nil {
		if len(l.m) >= 4096 {
			now := time.Now()
			for k, v := range l.m {
				if v.TokensAt(now) >= float64(v.Burst()) {
					delete(l.m, k)
				}
			}
		}
		lim = rate.NewLimiter(rate.Every(netTestsPerAddrEvery), netTestsPerAddrBurst)
		l.m[addr] = lim
	}
	return lim.Allow()
}
