package auth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"visio/internal/auth"
	"visio/internal/auth/localidp"
)

func testUsers(t *testing.T) []localidp.User {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return []localidp.User{{Login: "marie", Name: "Marie Curie", Email: "marie.curie@example.gouv.fr", PasswordHash: string(h)}}
}

// TestSignInFlow signs in through the browser flow against a real provider, in each way visio
// can meet one, then reads /api/v1/me and signs out.
func TestSignInFlow(t *testing.T) {
	tests := []struct {
		name      string
		opts      func(t *testing.T) envOptions
		form      url.Values
		wantName  string
		wantEmail string
		wantDev   bool
	}{
		{"built-in provider with users", func(t *testing.T) envOptions { return envOptions{users: testUsers(t)} },
			url.Values{"login": {"marie"}, "password": {"correct horse"}}, "Marie Curie", "marie.curie@example.gouv.fr", false},
		{"built-in provider in development mode", func(t *testing.T) envOptions { return envOptions{} },
			url.Values{"name": {"Ada Lovelace"}, "email": {"Ada@Example.fr"}}, "Ada Lovelace", "ada@example.fr", true},
		{"external provider over the network", func(t *testing.T) envOptions { return envOptions{users: testUsers(t), external: true} },
			url.Values{"login": {"marie"}, "password": {"correct horse"}}, "Marie Curie", "marie.curie@example.gouv.fr", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts(t))
			b := newBrowser(t)
			status, body, at := b.signIn(e, "/abc-defg-hij?lang=en", tt.form)
			if status != http.StatusOK || at.String() != e.base+"/abc-defg-hij?lang=en" || body != "app:/abc-defg-hij" {
				t.Fatalf("sign-in ended at %s with %d %q, want the meeting page", at, status, body)
			}
			if u := b.hopTo("/auth/login"); u == nil {
				t.Fatal("no /auth/login hop")
			}
			authz := b.hops[1].url.Query()
			if authz.Get("code_challenge_method") != "S256" || authz.Get("code_challenge") == "" || authz.Get("state") == "" || authz.Get("nonce") == "" {
				t.Fatalf("authorization request lacks PKCE, state or nonce: %v", authz)
			}
			c := b.cookie("visio_session")
			if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != int(sessionLifetime.Seconds()) {
				t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, not Secure on http, Max-Age %v", c, sessionLifetime)
			}

			status, me, _ := b.me(e)
			if status != http.StatusOK || me.Name != tt.wantName || me.Email != tt.wantEmail || me.ID == "" || me.Development != tt.wantDev {
				t.Fatalf("GET /api/v1/me = %d %+v, want %s <%s>, development %v", status, me, tt.wantName, tt.wantEmail, tt.wantDev)
			}

			// Signing in again is the same user.
			b2 := newBrowser(t)
			b2.signIn(e, "/", tt.form)
			if _, me2, _ := b2.me(e); me2.ID != me.ID {
				t.Fatalf("second sign-in is user %s, want %s", me2.ID, me.ID)
			}

			// Sign out: through the provider's end-session endpoint, back home.
			status, body, at = b.post(e.base+"/auth/logout", e.base, nil)
			if status != http.StatusOK || at.String() != e.base+"/" || body != "app:/" {
				t.Fatalf("sign-out ended at %s with %d %q, want home", at, status, body)
			}
			if b.hopTo("/end_session") == nil && b.hopTo("/local-idp/end_session") == nil {
				t.Error("sign-out did not go through the provider's end_session endpoint")
			}
			if status, _, code := b.me(e); status != http.StatusUnauthorized || code != "signed_out" {
				t.Fatalf("after sign-out, /api/v1/me = %d %s, want 401 signed_out", status, code)
			}
			if status, _, _ := b2.me(e); status != http.StatusOK {
				t.Fatalf("signing out one browser signed out another: %d", status)
			}
		})
	}
}

func TestSignInRefused(t *testing.T) {
	e := newEnv(t, envOptions{users: testUsers(t)})
	tests := []struct {
		name string
		form url.Values
	}{
		{"wrong password", url.Values{"login": {"marie"}, "password": {"incorrect"}}},
		{"unknown login", url.Values{"login": {"pierre"}, "password": {"correct horse"}}},
		{"empty", url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			status, page, _ := b.signIn(e, "/", tt.form)
			if status != http.StatusUnauthorized || !strings.Contains(page, "Wrong login or password") {
				t.Fatalf("got %d, want 401 and the form again with an error:\n%s", status, page)
			}
			if status, _, code := b.me(e); status != http.StatusUnauthorized || code != "signed_out" {
				t.Fatalf("/api/v1/me = %d %s, want 401 signed_out", status, code)
			}
		})
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := newBrowser(t)
	b.signIn(e, "/", url.Values{"name": {"Ada"}, "email": {"ada@example.fr"}})
	e.clock.Advance(sessionLifetime - time.Second)
	if status, _, _ := b.me(e); status != http.StatusOK {
		t.Fatalf("just before expiry: %d, want 200", status)
	}
	e.clock.Advance(time.Second)
	if status, _, code := b.me(e); status != http.StatusUnauthorized || code != "session_expired" {
		t.Fatalf("at expiry: %d %s, want 401 session_expired", status, code)
	}
	if status, _, code := b.me(e); status != http.StatusUnauthorized || code != "signed_out" {
		t.Fatalf("after expiry: %d %s, want 401 signed_out (the session is gone)", status, code)
	}
}

// TestCallbackAttacks replays, forges and misdirects the provider's redirect back to visio.
func TestCallbackAttacks(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := newBrowser(t)
	b.signIn(e, "/", url.Values{"name": {"Ada"}, "email": {"ada@example.fr"}})
	callback := b.hopTo("/auth/callback")
	login := b.cookie("visio_login")
	if callback == nil || login == nil || login.Value == "" {
		t.Fatal("no callback or sign-in cookie recorded")
	}
	withState := func(state string) string {
		q := callback.Query()
		q.Set("state", state)
		u := *callback
		u.RawQuery = q.Encode()
		return u.String()
	}
	tests := []struct {
		name     string
		url      string
		cookie   string
		wantCode string
	}{
		{"replayed callback", callback.String(), login.Value, "signin_expired"},
		{"no sign-in cookie", callback.String(), "", "signin_expired"},
		{"forged sign-in cookie", callback.String(), "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.BBBB.CCCC", "signin_expired"},
		{"state from elsewhere", withState("attacker-state"), login.Value, "signin_expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attacker := newBrowser(t)
			req, _ := http.NewRequest(http.MethodGet, tt.url, nil)
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "visio_login", Value: tt.cookie})
			}
			status, body, _ := attacker.do(req)
			if status != http.StatusBadRequest || pageCode(body) != tt.wantCode {
				t.Fatalf("got %d %s, want 400 and a page saying %s", status, body, tt.wantCode)
			}
			if attacker.cookie("visio_session") != nil {
				t.Fatal("a session cookie was set")
			}
			if status, _, _ := attacker.me(e); status != http.StatusUnauthorized {
				t.Fatalf("the attacker is signed in: %d", status)
			}
		})
	}
	if status, _, _ := b.me(e); status != http.StatusOK {
		t.Fatalf("the attacks signed the user out: %d", status)
	}
}

func TestCrossSiteRequests(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := newBrowser(t)
	b.signIn(e, "/", url.Values{"name": {"Ada"}, "email": {"ada@example.fr"}})
	tests := []struct {
		name    string
		headers map[string]string
	}{
		{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"Sec-Fetch-Site same-site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://other.localhost"}},
		{"foreign Origin, no Sec-Fetch-Site", map[string]string{"Origin": "https://evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.base+"/auth/logout", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			status, body, _ := b.do(req)
			if status != http.StatusForbidden || errorCode(body) != "cross_site" {
				t.Fatalf("got %d %s, want 403 cross_site", status, body)
			}
			if status, _, _ := b.me(e); status != http.StatusOK {
				t.Fatalf("a cross-site request signed the user out: %d", status)
			}
		})
	}
}

func TestProviderUnreachable(t *testing.T) {
	e := newEnv(t, envOptions{})
	svc, err := auth.New(auth.Params{
		Issuer: "http://127.0.0.1:1/nowhere", ClientID: "visio", BaseURL: e.base, SessionLifetime: sessionLifetime,
		Users: e.db, Sessions: e.db, TokenIDs: e.db, Keys: auth.GenerateKeys(),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	svc.Register(mux)
	rec := newRecorder()
	mux.ServeHTTP(rec, mustRequest(t, http.MethodGet, e.base+"/auth/login", nil))
	if rec.Code != http.StatusBadGateway || pageCode(rec.Body.String()) != "provider_unavailable" {
		t.Fatalf("got %d %s, want 502 and a page saying provider_unavailable", rec.Code, rec.Body)
	}
}

func TestSafeReturnPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/abc-defg-hij", "/abc-defg-hij"},
		{"/abc-defg-hij?lang=en#x", "/abc-defg-hij?lang=en#x"},
		{"", "/"},
		{"//evil.example/x", "/"},
		{"/\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"/ok\r\nSet-Cookie: x=y", "/"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // a path on this site
	}
	for _, tt := range tests {
		if got := auth.SafeReturnPath(tt.in); got != tt.want {
			t.Errorf("SafeReturnPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
