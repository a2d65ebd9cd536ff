package config

import (
	"net/url"
	"strings"
	"time"
)

// Cluster configures several nodes serving as one service (docs/SCALING.md). With no NATS URL
// the node runs a NATS server inside its own process, with no listening port: one node alone,
// nothing to install.
type Cluster struct {
	// NodeID names this node among the others; it must be unique and stable across restarts.
	// Default: the host name, then the HTTP port ("visio-1-8080").
	NodeID string `toml:"node_id"`
	// NATSURL lists the NATS servers the nodes share, with JetStream enabled
	// ("nats://nats-1.example.gouv.fr:4222,nats://nats-2.example.gouv.fr:4222"; "tls://" to
	// require TLS). Default: none, an embedded server (a single node). Several nodes need a
	// shared store: store.driver = "postgres".
	NATSURL string `toml:"nats_url"`
	// NATSCredentials is a NATS credentials file (user JWT and NKey seed, as `nsc` writes it),
	// for servers using decentralized authentication.
	NATSCredentials string `toml:"nats_credentials"`
	// NATSUser and NATSPassword, or NATSToken, for servers with plain authorization. Prefer the
	// environment variables VISIO_CLUSTER_NATS_PASSWORD and VISIO_CLUSTER_NATS_TOKEN to a file.
	NATSUser     string `toml:"nats_user"`
	NATSPassword string `toml:"nats_password"`
	NATSToken    string `toml:"nats_token"`
	// NATSCA is the CA bundle that signed the NATS servers' certificates; NATSCert and NATSKey
	// are this node's client certificate, for servers that verify clients.
	NATSCA   string `toml:"nats_ca"`
	NATSCert string `toml:"nats_cert"`
	NATSKey  string `toml:"nats_key"`
	// NATSReplicas is how many NATS servers keep the cluster's state (JetStream replicas): 3
	// with a cluster of three NATS servers, so that losing one loses nothing. Default 1.
	NATSReplicas int `toml:"nats_replicas"`
	// InternalURL is where the other nodes reach this node's web server, to relay the
	// signalling of participants whose connection reached them ("http://10.0.1.12:8080").
	// Default: http(s):// then the host name and the port of http.addr.
	InternalURL string `toml:"internal_url"`
	// Heartbeat is how often the node announces itself and its load. Default 1s.
	Heartbeat Duration `toml:"heartbeat"`
	// DeadAfter is how long a node may stay silent before it is taken for lost and its rooms
	// are placed on other nodes. Default 3s.
	DeadAfter Duration `toml:"dead_after"`
}

func defaultCluster() Cluster {
	return Cluster{Heartbeat: Duration(time.Second), DeadAfter: Duration(3 * time.Second)}
}

// Clustered reports whether the node shares NATS with other nodes.
func (c Cluster) Clustered() bool { return c.NATSURL != "" }

func applyClusterEnv(c *Cluster, getenv func(string) string) {
	for k, p := range map[string]*string{
		"VISIO_CLUSTER_NODE_ID": &c.NodeID, "VISIO_CLUSTER_NATS_URL": &c.NATSURL,
		"VISIO_CLUSTER_NATS_CREDENTIALS": &c.NATSCredentials, "VISIO_CLUSTER_NATS_USER": &c.NATSUser,
		"VISIO_CLUSTER_NATS_PASSWORD": &c.NATSPassword, "VISIO_CLUSTER_NATS_TOKEN": &c.NATSToken,
		"VISIO_CLUSTER_INTERNAL_URL": &c.InternalURL,
	} {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
}

func (c Cluster) validate(store Store, add func(string, ...any)) {
	if c.Clustered() {
		for _, u := range strings.Split(c.NATSURL, ",") {
			p, err := url.Parse(strings.TrimSpace(u))
			if err != nil || p.Host == "" || (p.Scheme != "nats" && p.Scheme != "tls") {
				add("cluster.nats_url: %q is not a NATS server address such as nats://nats-1.example.gouv.fr:4222", strings.TrimSpace(u))
			}
		}
		if store.Driver != "postgres" {
			add("cluster.nats_url is set but store.driver is %q: several nodes share their rooms through PostgreSQL (store.driver = \"postgres\")", store.Driver)
		}
	}
	if (c.NATSCert == "") != (c.NATSKey == "") {
		add("cluster.nats_cert and cluster.nats_key: set both or neither")
	}
	if c.InternalURL != "" {
		if p, err := url.Parse(c.InternalURL); err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
			add("cluster.internal_url %q: want http://host:port or https://host:port", c.InternalURL)
		}
	}
	if c.NATSReplicas < 0 || c.NATSReplicas > 5 {
		add("cluster.nats_replicas %d: want 1 to 5 (JetStream's limit), and no more than the NATS servers you run", c.NATSReplicas)
	}
	if c.Heartbeat.D() < 100*time.Millisecond {
		add("cluster.heartbeat %s: want at least 100ms", c.Heartbeat)
	}
	if c.DeadAfter.D() < 2*c.Heartbeat.D() {
		add("cluster.dead_after %s: want at least twice cluster.heartbeat (%s)", c.DeadAfter, c.Heartbeat)
	}
}
