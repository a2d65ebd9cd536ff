package config

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Store configures where visio keeps what must survive a restart: rooms, their owners and
// roles, sign-in sessions and application credentials.
type Store struct {
	// Driver is "sqlite" (one file on this machine, nothing to install) or "postgres" (a
	// PostgreSQL server, which several visio nodes can share). Default "sqlite".
	Driver string `toml:"driver"`
	// DataDir is the directory for the SQLite database and for keys visio generates itself.
	// Default: $STATE_DIRECTORY (set by systemd's StateDirectory=), else
	// $XDG_DATA_HOME/visio or ~/.local/share/visio, else ./visio-data.
	DataDir string `toml:"data_dir"`
	// SQLitePath is the SQLite database file. Default "visio.db" in data_dir.
	SQLitePath string `toml:"sqlite_path"`
	// PostgresURL is the PostgreSQL connection URL, for example
	// "postgres://visio@db.example.gouv.fr/visio?sslmode=verify-full". Required when driver is
	// "postgres". Keep the password out of this file: PostgreSQL's PGPASSWORD variable or
	// ~/.pgpass are read too.
	PostgresURL string `toml:"postgres_url"`
}

// SQLiteFile returns the SQLite database path: sqlite_path, or visio.db in data_dir.
func (s Store) SQLiteFile() string {
	if s.SQLitePath != "" {
		return s.SQLitePath
	}
	return filepath.Join(s.DataDir, "visio.db")
}

// DefaultDataDir returns the data directory used when store.data_dir is not set.
func DefaultDataDir(getenv func(string) string) string {
	if d := getenv("STATE_DIRECTORY"); d != "" {
		// systemd may list several directories separated by colons; the first is ours.
		return strings.Split(d, ":")[0]
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "visio")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" && home != "/" {
		return filepath.Join(home, ".local", "share", "visio")
	}
	return "visio-data"
}

// Auth configures who may enter: sign-in with OpenID Connect, sessions, and the tokens that let
// a browser join a meeting.
type Auth struct {
	// Issuer is the OpenID Connect provider's issuer URL, as published in its
	// /.well-known/openid-configuration: for example
	// "https://auth.agentconnect.gouv.fr/api/v2" (ProConnect) or
	// "https://keycloak.example.gouv.fr/realms/agents" (Keycloak). Empty (the default): the
	// built-in provider for one machine, configured in [auth.local].
	Issuer string `toml:"issuer"`
	// ClientID is visio's client id at the provider. Required with issuer. Register
	// <http.public_url>/auth/callback as its redirect URI and <http.public_url>/ as its
	// post-logout redirect URI.
	ClientID string `toml:"client_id"`
	// ClientSecret is visio's client secret at the provider (prefer VISIO_AUTH_CLIENT_SECRET to
	// writing it here). Empty for a public client, which PKCE protects.
	ClientSecret string `toml:"client_secret"`
	// Scopes are the scopes asked of the provider. Must include "openid". Default
	// ["openid", "profile", "email"]; ProConnect wants ["openid", "given_name", "usual_name",
	// "email"].
	Scopes []string `toml:"scopes"`
	// SessionLifetime is how long a sign-in lasts before the user must sign in again. Default
	// 12h.
	SessionLifetime Duration `toml:"session_lifetime"`
	// JoinTokenLifetime is how long a token to join a meeting stays valid after it is issued.
	// Each token is accepted once. Default 2m.
	JoinTokenLifetime Duration `toml:"join_token_lifetime"`
	// KeyFile is the Ed25519 private key (PEM, PKCS#8) that signs join tokens and protects
	// sign-in state. Default "auth.key" in store.data_dir, generated on first start. Nodes that
	// serve the same users must share it.
	KeyFile string `toml:"key_file"`
	// Local configures the built-in provider used when issuer is empty.
	Local LocalAuth `toml:"local"`
}

// LocalAuth configures the built-in OpenID provider for one machine, served under /local-idp/.
type LocalAuth struct {
	// Users are the people who may sign in. Empty (the default): development mode, where anyone
	// signs in with any name and e-mail address, under a page that says so. Never use
	// development mode where strangers can reach the service.
	Users []LocalUser `toml:"users"`
}

// LocalUser is one account of the built-in provider.
type LocalUser struct {
	// Login is what the user types to sign in, for example "marie.curie".
	Login string `toml:"login"`
	// Name is the name shown in meetings, for example "Marie Curie".
	Name string `toml:"name"`
	// Email is the user's e-mail address.
	Email string `toml:"email"`
	// PasswordHash is a bcrypt hash of the password ("$2a$..." or "$2b$...", 60 characters),
	// as printed by `htpasswd -nbBC 12 '' PASSWORD | cut -d: -f2`.
	PasswordHash string `toml:"password_hash"`
}

// AuthKeyFile returns the join token key file: auth.key_file, or auth.key in store.data_dir.
func (c *Config) AuthKeyFile() string {
	if c.Auth.KeyFile != "" {
		return c.Auth.KeyFile
	}
	return filepath.Join(c.Store.DataDir, "auth.key")
}

// DevelopmentSignIn reports whether the built-in provider lets anyone in under any name.
func (a Auth) DevelopmentSignIn() bool { return a.Issuer == "" && len(a.Local.Users) == 0 }

func defaultStore() Store { return Store{Driver: "sqlite"} }

func defaultAuth() Auth {
	return Auth{
		Scopes:            []string{"openid", "profile", "email"},
		SessionLifetime:   Duration(12 * time.Hour),
		JoinTokenLifetime: Duration(2 * time.Minute),
	}
}

func (s Store) validate(add func(string, ...any)) {
	switch s.Driver {
	case "sqlite":
	case "postgres":
		if s.PostgresURL == "" {
			add("store.postgres_url: required with store.driver \"postgres\" (for example \"postgres://visio@db.example.gouv.fr/visio\")")
		} else if u, err := url.Parse(s.PostgresURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			add("store.postgres_url: want a URL starting with postgres://")
		}
	default:
		add("store.driver %q: want sqlite or postgres", s.Driver)
	}
}

func (a Auth) validate(add func(string, ...any)) {
	if a.Issuer != "" {
		u, err := url.Parse(a.Issuer)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			add("auth.issuer %q: want the provider's https:// issuer URL", a.Issuer)
		case u.Scheme == "http" && !isLoopback(u.Hostname()):
			add("auth.issuer %q: must use https:// (http:// only for a provider on this machine)", a.Issuer)
		}
		if a.ClientID == "" {
			add("auth.client_id: required with auth.issuer (the client id registered at the provider)")
		}
		if len(a.Local.Users) > 0 {
			add("auth.local.users: only used by the built-in provider; remove them, or remove auth.issuer")
		}
	}
	if !slices.Contains(a.Scopes, "openid") {
		add("auth.scopes %q: must include \"openid\"", a.Scopes)
	}
	if a.SessionLifetime.D() < time.Minute {
		add("auth.session_lifetime %s: want at least 1m", a.SessionLifetime)
	}
	if d := a.JoinTokenLifetime.D(); d < 10*time.Second || d > time.Hour {
		add("auth.join_token_lifetime %s: want 10s to 1h", a.JoinTokenLifetime)
	}
	seen := map[string]bool{}
	for i, u := range a.Local.Users {
		switch {
		case u.Login == "":
			add("auth.local.users[%d]: login is empty", i)
		case strings.Contains(u.Login, ":"):
			add("auth.local.users[%d]: login %q: no \":\" allowed", i, u.Login)
		case seen[u.Login]:
			add("auth.local.users[%d]: login %q appears twice", i, u.Login)
		}
		seen[u.Login] = true
		if strings.TrimSpace(u.Name) == "" {
			add("auth.local.users[%d] (%s): name is empty", i, u.Login)
		}
		if !strings.Contains(u.Email, "@") {
			add("auth.local.users[%d] (%s): email %q is not an e-mail address", i, u.Login, u.Email)
		}
		if len(u.PasswordHash) != 60 || !(strings.HasPrefix(u.PasswordHash, "$2a$") ||
			strings.HasPrefix(u.PasswordHash, "$2b$") || strings.HasPrefix(u.PasswordHash, "$2y$")) {
			add("auth.local.users[%d] (%s): password_hash is not a bcrypt hash (\"$2b$...\", 60 characters)", i, u.Login)
		}
	}
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
