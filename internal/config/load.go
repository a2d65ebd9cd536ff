package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Load builds the configuration from the defaults, then the TOML file named by --config (or
// VISIO_CONFIG), then VISIO_* environment variables, then command-line flags, and validates it.
func Load(args []string, getenv func(string) string) (Config, error) {
	cfg := Default()
	fs := flag.NewFlagSet("visio serve", flag.ContinueOnError)
	path := fs.String("config", getenv("VISIO_CONFIG"), "TOML configuration file")
	var f flagValues
	fs.StringVar(&f.httpAddr, "http-addr", "", "address the web server listens on (default \":8080\")")
	fs.StringVar(&f.publicURL, "public-url", "", "public base URL of the service, used in meeting links")
	f.udpPort = -1
	fs.Func("udp-port", "the UDP port for all media (default 7882; 0: any free port)", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("want a port number")
		}
		f.udpPort = n
		return nil
	})
	fs.IntVar(&f.tcpPort, "tcp-port", 0, "the TCP port for media when UDP is blocked (default 7881; 0: any free port; -1: off)")
	fs.IntVar(&f.turnPort, "turn-port", 0, "the UDP and TCP port of the embedded TURN relay (default 3478; 0: any free port)")
	fs.StringVar(&f.publicIPs, "public-ip", "", "comma-separated addresses to advertise for media (1:1 NAT)")
	fs.BoolVar(&f.loopbackOnly, "ice-loopback-only", false, "keep media on the loopback interface (tests)")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error")
	fs.StringVar(&f.debugAddr, "debug-addr", "", "serve Go's profiling endpoints (/debug/pprof/) on this address, e.g. 127.0.0.1:6060")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *path != "" {
		md, err := toml.DecodeFile(*path, &cfg)
		if err != nil {
			return cfg, fmt.Errorf("read config %s: %w", *path, err)
		}
		if undec := md.Undecoded(); len(undec) > 0 {
			return cfg, fmt.Errorf("config %s: unknown setting %q", *path, undec[0].String())
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return cfg, err
	}
	f.apply(&cfg, fs)
	if cfg.Store.DataDir == "" {
		cfg.Store.DataDir = DefaultDataDir(getenv)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}

type flagValues struct {
	httpAddr, publicURL, publicIPs, logLevel, debugAddr string
	udpPort, tcpPort, turnPort                          int
	loopbackOnly                                        bool
}

func (f *flagValues) apply(cfg *Config, fs *flag.FlagSet) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["http-addr"] {
		cfg.HTTP.Addr = f.httpAddr
	}
	if set["public-url"] {
		cfg.HTTP.PublicURL = f.publicURL
	}
	if set["udp-port"] {
		cfg.Media.UDPPort = f.udpPort
	}
	if set["tcp-port"] {
		cfg.Media.TCPPort = f.tcpPort
	}
	if set["turn-port"] {
		cfg.TURN.Port = f.turnPort
	}
	if set["public-ip"] {
		cfg.Media.PublicIPs = splitList(f.publicIPs)
	}
	if set["ice-loopback-only"] {
		cfg.Media.LoopbackOnly = f.loopbackOnly
	}
	if set["log-level"] {
		cfg.Log.Level = f.logLevel
	}
	if set["debug-addr"] {
		cfg.HTTP.DebugAddr = f.debugAddr
	}
}

// applyEnv reads VISIO_* variables; the name is the setting's path in capitals, for example
// VISIO_HTTP_ADDR or VISIO_SIGNAL_RECONNECT_GRACE.
func applyEnv(cfg *Config, getenv func(string) string) error {
	str := map[string]*string{
		"VISIO_HTTP_ADDR": &cfg.HTTP.Addr, "VISIO_HTTP_PUBLIC_URL": &cfg.HTTP.PublicURL,
		"VISIO_HTTP_DEBUG_ADDR": &cfg.HTTP.DebugAddr, "VISIO_HTTP_METRICS_ADDR": &cfg.HTTP.MetricsAddr, "VISIO_HTTP_TLS_CERT": &cfg.HTTP.TLSCert, "VISIO_HTTP_TLS_KEY": &cfg.HTTP.TLSKey,
		"VISIO_MEDIA_PROCS": &cfg.Media.Procs, "VISIO_LOG_LEVEL": &cfg.Log.Level, "VISIO_LOG_FORMAT": &cfg.Log.Format,
		"VISIO_STORE_DRIVER": &cfg.Store.Driver, "VISIO_STORE_DATA_DIR": &cfg.Store.DataDir,
		"VISIO_STORE_SQLITE_PATH": &cfg.Store.SQLitePath, "VISIO_STORE_POSTGRES_URL": &cfg.Store.PostgresURL,
		"VISIO_AUTH_ISSUER": &cfg.Auth.Issuer, "VISIO_AUTH_CLIENT_ID": &cfg.Auth.ClientID,
		"VISIO_AUTH_CLIENT_SECRET": &cfg.Auth.ClientSecret, "VISIO_AUTH_KEY_FILE": &cfg.Auth.KeyFile,
		"VISIO_TURN_MODE": &cfg.TURN.Mode, "VISIO_TURN_HOST": &cfg.TURN.Host, "VISIO_TURN_SECRET": &cfg.TURN.Secret,
		"VISIO_TURN_TLS_ADDR": &cfg.TURN.TLSAddr,
	}
	for k, p := range str {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	applyClusterEnv(&cfg.Cluster, getenv)
	ints := map[string]*int{
		"VISIO_MEDIA_UDP_PORT": &cfg.Media.UDPPort, "VISIO_SIGNAL_MAX_MESSAGE_BYTES": &cfg.Signal.MaxMessageBytes,
		"VISIO_ROOM_MAX_PARTICIPANTS": &cfg.Room.MaxParticipants, "VISIO_ROOM_MAX_PER_USER": &cfg.Room.MaxPerUser,
		"VISIO_SIGNAL_MAX_SOCKETS_PER_ADDRESS": &cfg.Signal.MaxSocketsPerAddress, "VISIO_SIGNAL_MAX_SOCKETS": &cfg.Signal.MaxSockets,
		"VISIO_MEDIA_TCP_PORT": &cfg.Media.TCPPort, "VISIO_TURN_PORT": &cfg.TURN.Port,
	}
	for k, p := range ints {
		if v := getenv(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want a whole number", k, v)
			}
			*p = n
		}
	}
	durs := map[string]*Duration{
		"VISIO_SIGNAL_RECONNECT_GRACE": &cfg.Signal.ReconnectGrace, "VISIO_SIGNAL_PING_INTERVAL": &cfg.Signal.PingInterval,
		"VISIO_SIGNAL_JOIN_TIMEOUT": &cfg.Signal.JoinTimeout,
		"VISIO_ROOM_CODE_LIFETIME":  &cfg.Room.CodeLifetime, "VISIO_ROOM_LOBBY_TIMEOUT": &cfg.Room.LobbyTimeout, "VISIO_HTTP_SHUTDOWN_TIMEOUT": &cfg.HTTP.ShutdownTimeout,
		"VISIO_AUTH_SESSION_LIFETIME": &cfg.Auth.SessionLifetime, "VISIO_AUTH_JOIN_TOKEN_LIFETIME": &cfg.Auth.JoinTokenLifetime,
	}
	for k, p := range durs {
		if v := getenv(k); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want a duration such as 20s", k, v)
			}
			*p = Duration(d)
		}
	}
	bools := map[string]*bool{
		"VISIO_MEDIA_INCLUDE_LOOPBACK": &cfg.Media.IncludeLoopback, "VISIO_MEDIA_LOOPBACK_ONLY": &cfg.Media.LoopbackOnly,
	}
	for k, p := range bools {
		if v := getenv(k); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want true or false", k, v)
			}
			*p = b
		}
	}
	if v := getenv("VISIO_ROOM_CREATIONS_PER_MINUTE"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("VISIO_ROOM_CREATIONS_PER_MINUTE=%q: want a number", v)
		}
		cfg.Room.CreationsPerMinute = n
	}
	if v := getenv("VISIO_MEDIA_PUBLIC_IPS"); v != "" {
		cfg.Media.PublicIPs = splitList(v)
	}
	if v := getenv("VISIO_HTTP_ALLOWED_ORIGINS"); v != "" {
		cfg.HTTP.AllowedOrigins = splitList(v)
	}
	if v := getenv("VISIO_HTTP_TRUSTED_PROXIES"); v != "" {
		cfg.HTTP.TrustedProxies = splitList(v)
	}
	if err := applyTranscriptionEnv(&cfg.Transcription, getenv); err != nil {
		return err
	}
	if err := applyRecordingEnv(&cfg.Recording, getenv); err != nil {
		return err
	}
	if v := getenv("VISIO_AUTH_SCOPES"); v != "" {
		cfg.Auth.Scopes = strings.Fields(strings.ReplaceAll(v, ",", " "))
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
