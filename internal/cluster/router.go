package cluster

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RelayHeader marks a signalling request relayed by another node; its value is the relaying
// node's id, the time, and a MAC under the cluster key. A node serves a relayed request itself,
// whatever its own view of the placement, so that two nodes that briefly disagree never relay a
// request back and forth.
const RelayHeader = "Visio-Relay"

// Router sends each signalling WebSocket to the node that holds its room: it serves it with
// Local when the room is here, and otherwise relays the connection, upgrade included, to the
// room's node over HTTP. Media never passes through the relaying node: the room's node announces
// its own media addresses in the session's SDP.
type Router struct {
	Member *Member
	// Local serves rooms held by this node.
	Local http.Handler
	// Exists says whether a room code names a room (an unknown code is not placed: Local
	// answers 404 for it).
	Exists func(r *http.Request, code string) (bool, error)
	Log    *slog.Logger
	// Transport carries relayed requests. Default http.DefaultTransport.
	Transport http.RoundTripper
}

// ServeHTTP routes a request for /api/v1/rooms/{code}/ws.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if v := r.Header.Get(RelayHeader); v != "" {
		client := lastForwardedFor(r)
		if !rt.validRelay(v, client) {
			writeError(w, http.StatusForbidden, "forbidden", "This request is not from a node of this service.")
			return
		}
		// Limits per client address count the participant, whom the relaying node vouches for,
		// not the relaying node.
		if client.IsValid() {
			r = r.WithContext(r.Context())
			r.RemoteAddr = netip.AddrPortFrom(client, 0).String()
		}
		rt.Local.ServeHTTP(w, r)
		return
	}
	if ok, err := rt.Exists(r, code); err != nil || !ok {
		rt.Local.ServeHTTP(w, r) // Local says what is wrong with the room
		return
	}
	rt.route(w, r, true)
}

// route places the request's room and serves or relays it.
func (rt *Router) route(w http.ResponseWriter, r *http.Request, retry bool) {
	code := r.PathValue("code")
	n, err := rt.Member.Place(r.Context(), code)
	if err != nil {
		rt.Log.Warn("cannot place a room", "room", code, "err", err)
		w.Header().Set("Retry-After", "2")
		msg := "The service cannot start this meeting right now. Try again in a moment."
		if errors.Is(err, ErrNoNode) {
			msg = "No server can take this meeting right now. Try again in a moment."
		}
		writeError(w, http.StatusServiceUnavailable, "cluster_unavailable", msg)
		return
	}
	if n.ID == rt.Member.ID() {
		rt.Local.ServeHTTP(w, r)
		return
	}
	target, err := url.Parse(n.URL)
	if err != nil || target.Host == "" {
		rt.Log.Error("node announces an unusable URL", "node", n.ID, "url", n.URL)
		writeError(w, http.StatusServiceUnavailable, "cluster_unavailable", "The service cannot reach this meeting's server right now.")
		return
	}
	rt.relay(w, r, n.ID, target, retry)
}

// relay proxies the request to node at target. If the node refuses the connection (its
// process is gone: the host answers, the port is closed), this node takes it for lost at once,
// rather than after DeadAfter, and places the room again, once.
func (rt *Router) relay(w http.ResponseWriter, r *http.Request, node string, target *url.URL, retry bool) {
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the room's node checks the Origin against the host the browser used
			pr.SetXForwarded()
			pr.Out.Header.Set(RelayHeader, rt.relayValue(lastForwardedFor(pr.Out)))
		},
		Transport: rt.Transport,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) { // r: the request as received
			rt.Log.Warn("relay to the room's node failed", "node", node, "err", err)
			if retry && errors.Is(err, syscall.ECONNREFUSED) {
				rt.Member.Suspect(node)
				rt.route(w, r, false)
				return
			}
			writeError(w, http.StatusBadGateway, "cluster_unavailable", "This meeting's server cannot be reached right now. Try again in a moment.")
		},
	}
	p.ServeHTTP(w, r)
}

// relayValue is this node's relay header for a request from client: the node, the time, and a
// MAC of both and of the client's address.
func (rt *Router) relayValue(client netip.Addr) string {
	msg := rt.Member.ID() + "." + strconv.FormatInt(rt.Member.cfg.Now().Unix(), 10)
	return msg + "." + base64.RawURLEncoding.EncodeToString(rt.relayMAC(msg, client))
}

func (rt *Router) relayMAC(msg string, client netip.Addr) []byte {
	return rt.Member.seal.mac([]byte("relay\x00" + msg + "\x00" + client.String()))
}

// validRelay checks a relay header for a request from client: the MAC, and a time within
// MaxClockSkew.
func (rt *Router) validRelay(v string, client netip.Addr) bool {
	i := strings.LastIndexByte(v, '.')
	if i < 0 {
		return false
	}
	msg, sig := v[:i], v[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, rt.relayMAC(msg, client)) {
		return false
	}
	j := strings.LastIndexByte(msg, '.')
	if j < 0 {
		return false
	}
	at, err := strconv.ParseInt(msg[j+1:], 10, 64)
	if err != nil {
		return false
	}
	d := rt.Member.cfg.Now().Sub(time.Unix(at, 0))
	return d < MaxClockSkew && d > -MaxClockSkew
}

// lastForwardedFor is the last address of a request's X-Forwarded-For: the client as the
// relaying node saw it.
func lastForwardedFor(r *http.Request) netip.Addr {
	v := r.Header.Values("X-Forwarded-For")
	if len(v) == 0 {
		return netip.Addr{}
	}
	last := v[len(v)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	a, err := netip.ParseAddr(strings.TrimSpace(last))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// writeError writes the API's error shape.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
