package config

import (
	"strings"
	"testing"
)

func TestValidateAccess(t *testing.T) {
	hash := "$2b$12$" + strings.Repeat("a", 53)
	tests := []struct {
		name    string
		change  func(c *Config)
		wantErr string // "" for valid
	}{
		{"defaults", func(c *Config) {}, ""},
		{"postgres", func(c *Config) { c.Store.Driver = "postgres"; c.Store.PostgresURL = "postgres://visio@db/visio" }, ""},
		{"postgres without url", func(c *Config) { c.Store.Driver = "postgres" }, "store.postgres_url: required"},
		{"postgres bad url", func(c *Config) { c.Store.Driver = "postgres"; c.Store.PostgresURL = "mysql://x" }, "store.postgres_url"},
		{"unknown driver", func(c *Config) { c.Store.Driver = "mongo" }, "store.driver"},
		{"provider", func(c *Config) { c.Auth.Issuer = "https://idp.example.gouv.fr/realms/a"; c.Auth.ClientID = "visio" }, ""},
		{"provider over http", func(c *Config) { c.Auth.Issuer = "http://idp.example.gouv.fr"; c.Auth.ClientID = "visio" }, "must use https://"},
		{"local provider over http", func(c *Config) { c.Auth.Issuer = "http://localhost:8081/realms/a"; c.Auth.ClientID = "visio" }, ""},
		{"provider without client", func(c *Config) { c.Auth.Issuer = "https://idp.example.gouv.fr" }, "auth.client_id"},
		{"no openid scope", func(c *Config) { c.Auth.Scopes = []string{"email"} }, "auth.scopes"},
		{"short session", func(c *Config) { c.Auth.SessionLifetime = Duration(1) }, "auth.session_lifetime"},
		{"long join token", func(c *Config) { c.Auth.JoinTokenLifetime = Duration(2 * 3600e9) }, "auth.join_token_lifetime"},
		{"local user", func(c *Config) {
			c.Auth.Local.Users = []LocalUser{{Login: "marie", Name: "Marie", Email: "m@example.fr", PasswordHash: hash}}
		}, ""},
		{"local user bad hash", func(c *Config) {
			c.Auth.Local.Users = []LocalUser{{Login: "marie", Name: "Marie", Email: "m@example.fr", PasswordHash: "secret"}}
		}, "password_hash"},
		{"local user twice", func(c *Config) {
			u := LocalUser{Login: "marie", Name: "Marie", Email: "m@example.fr", PasswordHash: hash}
			c.Auth.Local.Users = []LocalUser{u, u}
		}, "appears twice"},
		{"local users with provider", func(c *Config) {
			c.Auth.Issuer, c.Auth.ClientID = "https://idp.example.gouv.fr", "visio"
			c.Auth.Local.Users = []LocalUser{{Login: "marie", Name: "Marie", Email: "m@example.fr", PasswordHash: hash}}
		}, "auth.local.users: only used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate: %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadStoreAndAuth(t *testing.T) {
	env := map[string]string{
		"VISIO_STORE_DRIVER": "postgres", "VISIO_STORE_POSTGRES_URL": "postgres://db/visio",
		"VISIO_AUTH_ISSUER": "https://idp.example.gouv.fr", "VISIO_AUTH_CLIENT_ID": "visio",
		"VISIO_AUTH_SCOPES": "openid,given_name usual_name email", "XDG_DATA_HOME": "/srv/data",
	}
	c, err := Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.Driver != "postgres" || c.Auth.ClientID != "visio" || len(c.Auth.Scopes) != 4 || c.Store.DataDir != "/srv/data/visio" ||
		c.AuthKeyFile() != "/srv/data/visio/auth.key" || c.Store.SQLiteFile() != "/srv/data/visio/visio.db" || c.Auth.DevelopmentSignIn() {
		t.Fatalf("Load = %+v", c)
	}
}
