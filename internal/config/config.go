// Package config is the typed configuration of visio: defaults that run with nothing installed,
// loading from a TOML file, environment variables and flags, and validation that says what to fix.
//
// The field comments below are the configuration reference (see README.md).
package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"visio/internal/realip"
)

// Config is the whole configuration.
type Config struct {
	HTTP   HTTP   `toml:"http"`
	Media  Media  `toml:"media"`
	Signal Signal `toml:"signal"`
	Room   Room   `toml:"room"`
	Log    Log    `toml:"log"`
	Store  Store  `toml:"store"`
	Auth   Auth   `toml:"auth"`
	// Transcription configures live meeting transcription (transcription.go).
	Transcription Transcription `toml:"transcription"`
	// Recording configures meeting recording (recording.go).
	Recording Recording `toml:"recording"`
	// Cluster configures several nodes serving as one (cluster.go).
	Cluster Cluster `toml:"cluster"`
	// TURN configures the relay for networks that let no direct media through (turn.go).
	TURN TURN `toml:"turn"`
}

// HTTP configures the web server.
type HTTP struct {
	// Addr is the address the web server listens on. Default ":8080".
	Addr string `toml:"addr"`
	// PublicURL is the address users reach the service at (for example
	// "https://visio.example.gouv.fr"), used in meeting links. Default: taken from each request.
	PublicURL string `toml:"public_url"`
	// TLSCert and TLSKey are PEM files to serve HTTPS directly. Browsers only give camera and
	// microphone to pages served over HTTPS (or from localhost): in production, set these or put
	// a TLS-terminating proxy in front.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// AllowedOrigins are extra origins (host patterns such as "intranet.example.gouv.fr") allowed
	// to open the signalling WebSocket. The service's own origin is always allowed.
	AllowedOrigins []string `toml:"allowed_origins"`
	// TrustedProxies are the reverse proxies (addresses, or networks such as "10.0.0.0/8") whose
	// X-Forwarded-For header says which client a request comes from: limits per client address
	// then count clients, not the proxy. Default none: the address of the connection counts.
	TrustedProxies []string `toml:"trusted_proxies"`
	// ShutdownTimeout is how long a graceful shutdown waits for participants to be told. Default 5s.
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// DebugAddr, if set, is a separate listener serving Go's profiling endpoints
	// (/debug/pprof/). They reveal internals and cost CPU while in use: keep it on localhost or
	// an administration network. Default: off.
	DebugAddr string `toml:"debug_addr"`
	// MetricsAddr, if set, is a separate listener serving the Prometheus metrics (/metrics),
	// which are then no longer served on addr. Default: off, and /metrics is served on addr,
	// where anyone who reaches the service can read the counts of meetings and participants
	// (never names, codes or addresses); set it (for example "127.0.0.1:9090") to keep them on
	// an administration network.
	MetricsAddr string `toml:"metrics_addr"`
}

// Media configures WebRTC.
type Media struct {
	// UDPPort is the single UDP port that carries all media (ICE UDP mux): open it in the
	// firewall. Default 7882. 0 picks a free port (tests).
	UDPPort int `toml:"udp_port"`
	// TCPPort is the one TCP port for media when UDP does not get through (ICE over TCP: the
	// server offers passive TCP candidates, every connection multiplexed on this port as on the
	// UDP port): open it in the firewall too. Default 7881. 0 picks a free port (tests); -1
	// turns ICE over TCP off.
	TCPPort int `toml:"tcp_port"`
	// PublicIPs are the addresses clients should send media to, when the server is behind 1:1
	// NAT (a cloud VM's public IP, for example). Default: the host's own addresses.
	PublicIPs []string `toml:"public_ips"`
	// IncludeLoopback also offers 127.0.0.1, so a browser on the same machine connects even
	// without a network. Default true; set false in production.
	IncludeLoopback bool `toml:"include_loopback"`
	// LoopbackOnly keeps all media on the loopback interface, for tests. Default false.
	LoopbackOnly bool `toml:"loopback_only"`
	// ICEServers are STUN/TURN servers given to browsers. Default none: no third party is ever
	// contacted.
	ICEServers []ICEServer `toml:"ice_servers"`
	// Procs is how many processors run the server's Go code (GOMAXPROCS): "auto" follows the
	// load, from one while it is light (forwarding wakes no second thread) up to every core the
	// server may use; a number fixes it. Default "auto"; the GOMAXPROCS environment variable,
	// if set, wins.
	Procs string `toml:"procs"`
}

// FixedProcs returns the fixed number of processors media.procs asks for, or 0 for "auto".
func (m Media) FixedProcs() (int, error) {
	if m.Procs == "auto" || m.Procs == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(m.Procs)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("media.procs %q: want \"auto\" or a number at least 1", m.Procs)
	}
	return n, nil
}

// ICEServer is a STUN or TURN server run by the operator.
type ICEServer struct {
	URLs       []string `toml:"urls"`
	Username   string   `toml:"username"`
	Credential string   `toml:"credential"`
}

// Signal configures the signalling protocol's limits.
type Signal struct {
	// MaxMessageBytes is the largest signalling message accepted. Default 65536.
	MaxMessageBytes int `toml:"max_message_bytes"`
	// MaxMessagesPerSecond is the sustained message rate per client. Default 50.
	MaxMessagesPerSecond float64 `toml:"max_messages_per_second"`
	// ReconnectGrace is how long someone whose connection dropped keeps their place. Default 20s.
	ReconnectGrace Duration `toml:"reconnect_grace"`
	// PingInterval is how often clients are pinged; two missed pings mean the connection is
	// lost. Default 10s.
	PingInterval Duration `toml:"ping_interval"`
	// JoinTimeout is how long a new signalling socket may stay open without sending join: past
	// it the server closes it (error join_timeout). Default 10s.
	JoinTimeout Duration `toml:"join_timeout"`
	// MaxSocketsPerAddress is the most signalling sockets open at once from one client address
	// (the address named by a trusted proxy, http.trusted_proxies); more are closed at once
	// (error too_many_connections). Every participant has one; raise it when many people join
	// from behind one address (an office's NAT). Default 256.
	MaxSocketsPerAddress int `toml:"max_sockets_per_address"`
	// MaxSockets is the most signalling sockets open at once on this server, participants,
	// people in lobbies and sockets not yet joined together. Default 10000.
	MaxSockets int `toml:"max_sockets"`
}

// Room configures meetings.
type Room struct {
	// MaxParticipants is the most people in one meeting. Default 100.
	MaxParticipants int `toml:"max_participants"`
	// CodeLifetime is how long a meeting link stays valid without being used. Default 720h (30 days).
	CodeLifetime Duration `toml:"code_lifetime"`
	// LobbyTimeout is how long someone waits in the lobby for a moderator before being told
	// nobody let them in. Default 10m.
	LobbyTimeout Duration `toml:"lobby_timeout"`
	// MaxPerUser is the most rooms one user may own; creating one more is refused with
	// room_quota_exceeded. Rooms unused for code_lifetime are deleted, which frees the quota.
	// Applications creating rooms count against the owner they name. Default 100; 0: no limit.
	MaxPerUser int `toml:"max_per_user"`
	// CreationsPerMinute is how many rooms one owner may create per minute (sustained, and at
	// once); beyond it creation is refused with rate_limited and Retry-After. Default 30; 0: no
	// limit.
	CreationsPerMinute float64 `toml:"creations_per_minute"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error. Default info.
	Level string `toml:"level"`
	// Format is text or json. Default text.
	Format string `toml:"format"`
}

// Default returns the configuration that runs on one machine with nothing installed.
func Default() Config {
	return Config{
		HTTP:  HTTP{Addr: ":8080", ShutdownTimeout: Duration(5 * time.Second)},
		Media: Media{UDPPort: 7882, TCPPort: 7881, IncludeLoopback: true, Procs: "auto"},
		Signal: Signal{MaxMessageBytes: 64 << 10, MaxMessagesPerSecond: 50, ReconnectGrace: Duration(20 * time.Second), PingInterval: Duration(10 * time.Second),
			JoinTimeout: Duration(10 * time.Second), MaxSocketsPerAddress: 256, MaxSockets: 10000},
		Room:  Room{MaxParticipants: 100, CodeLifetime: Duration(30 * 24 * time.Hour), LobbyTimeout: Duration(10 * time.Minute), MaxPerUser: 100, CreationsPerMinute: 30},
		Log:   Log{Level: "info", Format: "text"},
		Store: defaultStore(),
		Auth:  defaultAuth(),

		Transcription: defaultTranscription(),
		Recording:     defaultRecording(),
		Cluster:       defaultCluster(),
		TURN:          defaultTURN(),
	}
}

// Validate checks the configuration and says what to fix.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		add("http.addr %q: want host:port, such as \":8080\" or \"127.0.0.1:8080\"", c.HTTP.Addr)
	}
	if c.HTTP.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.DebugAddr); err != nil {
			add("http.debug_addr %q: want host:port, such as \"127.0.0.1:6060\"", c.HTTP.DebugAddr)
		}
	}
	if c.HTTP.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.MetricsAddr); err != nil {
			add("http.metrics_addr %q: want host:port, such as \"127.0.0.1:9090\"", c.HTTP.MetricsAddr)
		}
	}
	if (c.HTTP.TLSCert == "") != (c.HTTP.TLSKey == "") {
		add("http.tls_cert and http.tls_key: set both or neither")
	}
	if c.HTTP.PublicURL != "" && !strings.HasPrefix(c.HTTP.PublicURL, "http://") && !strings.HasPrefix(c.HTTP.PublicURL, "https://") {
		add("http.public_url %q: must start with https:// (or http:// for testing)", c.HTTP.PublicURL)
	}
	if _, err := realip.ParsePrefixes(c.HTTP.TrustedProxies); err != nil {
		add("http.trusted_proxies: %v", err)
	}
	if c.Media.UDPPort < 0 || c.Media.UDPPort > 65535 {
		add("media.udp_port %d: want 0 to 65535", c.Media.UDPPort)
	}
	if c.Media.TCPPort < -1 || c.Media.TCPPort > 65535 {
		add("media.tcp_port %d: want 0 to 65535, or -1 for no ICE over TCP", c.Media.TCPPort)
	}
	if c.Media.TCPPort > 0 && c.Media.TCPPort == c.TURN.Port && c.TURN.Mode == TURNEmbedded {
		add("media.tcp_port and turn.port are both %d: give them different ports", c.Media.TCPPort)
	}
	for _, ip := range c.Media.PublicIPs {
		if net.ParseIP(ip) == nil {
			add("media.public_ips: %q is not an IP address", ip)
		}
	}
	if _, err := c.Media.FixedProcs(); err != nil {
		add("media.procs %q: want \"auto\" or a number of processors, such as 4", c.Media.Procs)
	}
	for i, s := range c.Media.ICEServers {
		if len(s.URLs) == 0 {
			add("media.ice_servers[%d]: urls is empty", i)
		}
	}
	if c.Signal.MaxMessageBytes < 4096 {
		add("signal.max_message_bytes %d: want at least 4096 (an SDP offer is several kilobytes)", c.Signal.MaxMessageBytes)
	}
	if c.Signal.MaxMessagesPerSecond < 1 {
		add("signal.max_messages_per_second %g: want at least 1", c.Signal.MaxMessagesPerSecond)
	}
	if c.Signal.ReconnectGrace.D() < time.Second {
		add("signal.reconnect_grace %s: want at least 1s", c.Signal.ReconnectGrace)
	}
	if c.Signal.PingInterval.D() < 100*time.Millisecond {
		add("signal.ping_interval %s: want at least 100ms", c.Signal.PingInterval)
	}
	if c.Signal.JoinTimeout.D() < 100*time.Millisecond {
		add("signal.join_timeout %s: want at least 100ms (10s is usual)", c.Signal.JoinTimeout)
	}
	if c.Signal.MaxSocketsPerAddress < 1 {
		add("signal.max_sockets_per_address %d: want at least 1 (256 is usual)", c.Signal.MaxSocketsPerAddress)
	}
	if c.Signal.MaxSockets < c.Signal.MaxSocketsPerAddress {
		add("signal.max_sockets %d: want at least signal.max_sockets_per_address (%d)", c.Signal.MaxSockets, c.Signal.MaxSocketsPerAddress)
	}
	if c.Room.MaxParticipants < 2 {
		add("room.max_participants %d: want at least 2", c.Room.MaxParticipants)
	}
	if c.Room.CodeLifetime.D() < time.Minute {
		add("room.code_lifetime %s: want at least 1m", c.Room.CodeLifetime)
	}
	if c.Room.LobbyTimeout.D() < time.Second {
		add("room.lobby_timeout %s: want at least 1s", c.Room.LobbyTimeout)
	}
	if c.Room.MaxPerUser < 0 {
		add("room.max_per_user %d: want 0 (no limit) or more", c.Room.MaxPerUser)
	}
	if c.Room.CreationsPerMinute < 0 {
		add("room.creations_per_minute %g: want 0 (no limit) or more", c.Room.CreationsPerMinute)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		add("log.format %q: want text or json", c.Log.Format)
	}
	c.Store.validate(add)
	c.Auth.validate(add)
	c.Transcription.validate(add)
	c.Recording.validate(add)
	c.Cluster.validate(c.Store, add)
	c.TURN.validate(c.HTTP, add)
	return errors.Join(errs...)
}

// Duration is a time.Duration written as "20s", "5m" in files and environment variables.
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalText parses a duration such as "20s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as "20s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
