package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BusConfig says which NATS the node uses.
type BusConfig struct {
	// URL lists the NATS servers ("nats://a:4222,nats://b:4222"). Empty: a NATS server embedded in
	// this process, with no listening port.
	URL string
	// Credentials is a NATS credentials file (user JWT and NKey seed), as `nsc` writes them.
	Credentials string
	// User and Password, or Token, for servers configured with plain authorization.
	User, Password, Token string
	// CAFile verifies the servers' TLS certificates; CertFile and KeyFile are this node's client
	// certificate, for servers that ask for one.
	CAFile, CertFile, KeyFile string
	// Name names the connection, as NATS monitoring shows it.
	Name string
	// ConnectTimeout bounds the first connection. Default 5s.
	ConnectTimeout time.Duration
}

// Bus is a connection to NATS with JetStream, and the embedded server if there is one.
type Bus struct {
	Conn     *nats.Conn
	JS       jetstream.JetStream
	embedded *server.Server
	storeDir string // the embedded server's own directory, removed at Close
	log      *slog.Logger
}

// Embedded reports whether the bus runs its own NATS server, in process.
func (b *Bus) Embedded() bool { return b.embedded != nil }

// Connect opens the bus: it starts the embedded server when cfg.URL is empty, otherwise connects
// to the configured servers. Lost connections are retried for ever, in the background; the state
// of the connection is logged when it changes.
func Connect(ctx context.Context, cfg BusConfig, log *slog.Logger) (*Bus, error) {
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	b := &Bus{log: log}
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.Timeout(cfg.ConnectTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS connection lost: meetings on this node go on; new rooms cannot be placed until it is back", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("NATS connection back", "server", c.ConnectedUrlRedacted()) }),
	}
	addr := cfg.URL
	if addr == "" {
		ns, dir, err := startEmbedded(cfg)
		if err != nil {
			return nil, err
		}
		b.embedded, b.storeDir = ns, dir
		opts = append(opts, nats.InProcessServer(ns))
	} else {
		if cfg.Credentials != "" {
			opts = append(opts, nats.UserCredentials(cfg.Credentials))
		}
		if cfg.User != "" {
			opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
		}
		if cfg.Token != "" {
			opts = append(opts, nats.Token(cfg.Token))
		}
		if cfg.CAFile != "" {
			opts = append(opts, nats.RootCAs(cfg.CAFile))
		}
		if cfg.CertFile != "" {
			opts = append(opts, nats.ClientCert(cfg.CertFile, cfg.KeyFile))
		}
	}
	nc, err := nats.Connect(addr, opts...)
	if err != nil {
		b.shutdownEmbedded()
		return nil, fmt.Errorf("%w: connect to %s: %v (check cluster.nats_url and that the NATS servers run)", ErrUnreachable, redact(addr), err)
	}
	b.Conn = nc
	js, err := jetstream.New(nc)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("cluster: jetstream: %w", err)
	}
	b.JS = js
	// JetStream must be enabled on the servers: say so now rather than at the first placement.
	actx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if _, err := js.AccountInfo(actx); err != nil {
		b.Close()
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
			return nil, fmt.Errorf("cluster: the NATS servers at %s do not have JetStream enabled for this account (start nats-server with -js): %w", redact(addr), err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, redact(addr), err)
	}
	return b, nil
}

// startEmbedded runs a NATS server in this process, with no listening port. Its JetStream
// directory is a fresh private one (the cluster's buckets live in memory; nothing needs to
// outlive the process), never the server's default, which other processes on the machine share.
func startEmbedded(cfg BusConfig) (*server.Server, string, error) {
	dir, err := os.MkdirTemp("", "visio-nats-")
	if err != nil {
		return nil, "", fmt.Errorf("cluster: embedded NATS: %w", err)
	}
	opts := &server.Options{
		ServerName: "visio-embedded",
		DontListen: true,
		JetStream:  true,
		StoreDir:   dir,
		NoSigs:     true,
		NoLog:      true,
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, "", fmt.Errorf("cluster: embedded NATS: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(cfg.ConnectTimeout) {
		ns.Shutdown()
		_ = os.RemoveAll(dir)
		return nil, "", errors.New("cluster: embedded NATS server did not start")
	}
	return ns, dir, nil
}

// Close drains nothing: it closes the connection and stops the embedded server.
func (b *Bus) Close() {
	if b.Conn != nil {
		b.Conn.Close()
	}
	b.shutdownEmbedded()
}

func (b *Bus) shutdownEmbedded() {
	if b.embedded != nil {
		b.embedded.Shutdown()
		b.embedded.WaitForShutdown()
		_ = os.RemoveAll(b.storeDir)
	}
}

// redact hides credentials written into a URL list (a token or user:password before '@').
func redact(list string) string {
	if list == "" {
		return "(embedded)"
	}
	parts := strings.Split(list, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			u.User = url.User("***")
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}
