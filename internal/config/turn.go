package config

import (
	"net"
	"net/url"
	"strings"
	"time"
)

// The TURN modes.
const (
	// TURNEmbedded runs the server's own TURN relay (pion/turn).
	TURNEmbedded = "embedded"
	// TURNExternal gives browsers the TURN server the operator runs (coturn, for example).
	TURNExternal = "external"
	// TURNOff offers no relay: media needs UDP or TCP to the media ports.
	TURNOff = "off"
)

// TURN configures the relay that carries media for people whose network lets nothing through
// but TCP (or TLS) to a few ports. Each participant gets credentials of its own with its join,
// valid for CredentialLifetime (the time-limited scheme of the TURN REST API: the user name is
// "expiry:participant", the password base64(HMAC-SHA1(secret, user name))); the secret never
// leaves the server.
type TURN struct {
	// Mode is "embedded" (the server's own relay, on Port over UDP and TCP, and over TLS),
	// "external" (the TURN server at URLs, sharing Secret: coturn's use-auth-secret) or "off".
	// Default "embedded".
	Mode string `toml:"mode"`
	// Port is the embedded relay's UDP and TCP port: open both in the firewall. Default 3478.
	// 0 picks a free port (tests).
	Port int `toml:"port"`
	// TLSAddr, if set, is an address of its own where the embedded relay takes TURN over TLS
	// (for example ":5349", or "192.0.2.10:443" on an address with nothing else on 443). It
	// uses TLSCert and TLSKey, or http.tls_cert and http.tls_key if those are empty. When the
	// server serves HTTPS itself, TURN over TLS is also taken on the HTTPS port (see
	// OnHTTPSPort). Default: none.
	TLSAddr string `toml:"tls_addr"`
	// TLSCert and TLSKey are PEM files for TLSAddr. Default: http.tls_cert and http.tls_key.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// OnHTTPSPort takes TURN over TLS on the HTTPS port too, when the server terminates TLS
	// itself (http.tls_cert): a connection whose TLS ALPN is "stun.turn", or whose first bytes
	// after the handshake are a STUN message, goes to the relay, anything else to the web
	// server. This is what gets media through a network that allows only TCP 443. Default true.
	OnHTTPSPort bool `toml:"on_https_port"`
	// Host is the name or address browsers reach the relay at, in the turn: and turns: URLs
	// (a name matching the certificate, for TLS). Default: the host of http.public_url, else
	// the first media.public_ips, else this machine's first address.
	Host string `toml:"host"`
	// Secret is the shared secret credentials are made with. Embedded: default a random one
	// at each start (set one for several nodes or a restart that keeps meetings); external:
	// required, the same as coturn's static-auth-secret.
	Secret string `toml:"secret"`
	// URLs are the external TURN server's addresses, for example
	// ["turn:turn.example.gouv.fr:3478?transport=udp", "turns:turn.example.gouv.fr:443?transport=tcp"].
	// Mode "external" only.
	URLs []string `toml:"urls"`
	// CredentialLifetime is how long a participant's credentials stay valid; a reconnection
	// gets new ones. An allocation whose credentials expire cannot be refreshed. Default 12h.
	CredentialLifetime Duration `toml:"credential_lifetime"`
	// MaxAllocationsPerUser is the most relay allocations one participant holds at once (a
	// browser makes one per TURN address and connection: two connections, three addresses).
	// Default 16.
	MaxAllocationsPerUser int `toml:"max_allocations_per_user"`
	// MaxBitrate is the most one participant relays, in bits per second, both directions
	// counted apart; what goes beyond is dropped. Default 20000000 (20 Mbit/s).
	MaxBitrate int `toml:"max_bitrate"`
	// MaxAllocations is the most relay allocations on this node. Default 2000.
	MaxAllocations int `toml:"max_allocations"`
}

func defaultTURN() TURN {
	return TURN{
		Mode: TURNEmbedded, Port: 3478, OnHTTPSPort: true,
		CredentialLifetime:    Duration(12 * time.Hour),
		MaxAllocationsPerUser: 16, MaxBitrate: 20_000_000, MaxAllocations: 2000,
	}
}

func (t *TURN) validate(h HTTP, add func(string, ...any)) {
	switch t.Mode {
	case TURNEmbedded, TURNOff:
	case TURNExternal:
		if t.Secret == "" {
			add("turn.secret: mode \"external\" needs the secret the TURN server shares (coturn's static-auth-secret)")
		}
		if len(t.URLs) == 0 {
			add("turn.urls: mode \"external\" needs the TURN server's addresses, such as \"turn:turn.example.gouv.fr:3478?transport=udp\"")
		}
		for _, u := range t.URLs {
			if !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
				add("turn.urls: %q: want a turn: or turns: URL", u)
			}
		}
	default:
		add("turn.mode %q: want embedded, external or off", t.Mode)
	}
	if t.Mode != TURNEmbedded {
		return
	}
	if t.Port < 0 || t.Port > 65535 {
		add("turn.port %d: want 0 to 65535", t.Port)
	}
	if t.TLSAddr != "" {
		if _, _, err := net.SplitHostPort(t.TLSAddr); err != nil {
			add("turn.tls_addr %q: want host:port, such as \":5349\"", t.TLSAddr)
		}
		if t.TLSCert == "" && h.TLSCert == "" {
			add("turn.tls_addr: needs a certificate: set turn.tls_cert and turn.tls_key, or http.tls_cert and http.tls_key")
		}
	}
	if (t.TLSCert == "") != (t.TLSKey == "") {
		add("turn.tls_cert and turn.tls_key: set both or neither")
	}
	if t.Host != "" && strings.ContainsAny(t.Host, "/:?@ ") && net.ParseIP(t.Host) == nil {
		add("turn.host %q: want a host name or an IP address, without scheme or port", t.Host)
	}
	if t.CredentialLifetime.D() < time.Minute {
		add("turn.credential_lifetime %s: want at least 1m", t.CredentialLifetime)
	}
	if t.MaxAllocationsPerUser < 1 {
		add("turn.max_allocations_per_user %d: want at least 1", t.MaxAllocationsPerUser)
	}
	if t.MaxAllocations < 1 {
		add("turn.max_allocations %d: want at least 1", t.MaxAllocations)
	}
	if t.MaxBitrate < 100_000 {
		add("turn.max_bitrate %d: want at least 100000 bits per second", t.MaxBitrate)
	}
}

// RelayHost returns the host browsers reach the embedded relay at (see TURN.Host), or "" to
// let the caller use this machine's address.
func (c *Config) RelayHost() string {
	if c.TURN.Host != "" {
		return c.TURN.Host
	}
	if c.HTTP.PublicURL != "" {
		if u, err := url.Parse(c.HTTP.PublicURL); err == nil && u.Hostname() != "" {
			return u.Hostname()
		}
	}
	if len(c.Media.PublicIPs) > 0 {
		return c.Media.PublicIPs[0]
	}
	return ""
}
