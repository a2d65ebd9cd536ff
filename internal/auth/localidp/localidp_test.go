package localidp

import (
	"net/http"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestNew(t *testing.T) {
	hash, err := hashPassword("pw", bcrypt.MinCost)
	if err != nil || bcrypt.CompareHashAndPassword([]byte(hash), []byte("pw")) != nil {
		t.Fatalf("HashPassword: %q, %v", hash, err)
	}
	base := Params{Issuer: "http://localhost:8080/local-idp", RedirectURI: "http://localhost:8080/auth/callback"}
	tests := []struct {
		name    string
		users   []User
		issuer  string
		wantErr bool
	}{
		{"development", nil, "", false},
		{"users", []User{{Login: "marie", PasswordHash: hash}}, "", false},
		{"bad hash", []User{{Login: "marie", PasswordHash: "pw"}}, "", true},
		{"colon in login", []User{{Login: "a:b", PasswordHash: hash}}, "", true},
		{"bad issuer", nil, "localhost/idp", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			p.Users = tt.users
			if tt.issuer != "" {
				p.Issuer = tt.issuer
			}
			idp, err := New(p)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New: %v, want error %v", err, tt.wantErr)
			}
			if err == nil && idp.Development() != (len(tt.users) == 0) {
				t.Fatalf("Development() = %v", idp.Development())
			}
		})
	}
}

func TestInProcessClient(t *testing.T) {
	idp, err := New(Params{Issuer: "http://localhost:8080/local-idp", RedirectURI: "http://localhost:8080/auth/callback"})
	if err != nil {
		t.Fatal(err)
	}
	c := idp.HTTPClient()
	resp, err := c.Get("http://localhost:8080/local-idp/.well-known/openid-configuration")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery in process: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := c.Get("http://elsewhere.example/"); err == nil {
		t.Fatal("the in-process client reached another host")
	}
}
