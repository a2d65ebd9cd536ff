package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"visio/internal/ids"
	"visio/internal/store"
)

const (
	loginCookie = "visio_login"
	// loginTimeout is how long someone has to sign in at the provider.
	loginTimeout = 10 * time.Minute
)

// relyingParty is visio as an OpenID Connect client (go-oidc for discovery and ID token
// verification, x/oauth2 for the code exchange with PKCE).
type relyingParty struct {
	issuer, clientID, clientSecret string
	scopes                         []string
	redirectURL                    string
	client                         *http.Client

	mu         sync.Mutex // guards the following fields
	provider   *oidc.Provider
	endSession string
}

// discover fetches the provider's configuration once it answers, and keeps it.
func (rp *relyingParty) discover(ctx context.Context) (*oidc.Provider, string, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.provider != nil {
		return rp.provider, rp.endSession, nil
	}
	// The provider keeps this context's HTTP client for fetching its keys later, so it must
	// not be the request's context, which ends with the request. The client's timeout bounds
	// the request.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), rp.client)
	p, err := oidc.NewProvider(pctx, rp.issuer)
	if err != nil {
		return nil, "", fmt.Errorf("%w: discovery at %s: %v", ErrProviderDown, rp.issuer, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&extra)
	rp.provider, rp.endSession = p, extra.EndSession
	return p, rp.endSession, nil
}

func (rp *relyingParty) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: rp.clientID, ClientSecret: rp.clientSecret, Endpoint: p.Endpoint(),
		RedirectURL: rp.redirectURL, Scopes: rp.scopes,
	}
}

// loginState is what the browser keeps, sealed, between /auth/login and /auth/callback.
type loginState struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Return   string    `json:"r"`
	Expires  time.Time `json:"e"`
}

func (k *Keys) sealLogin(st loginState) (string, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: k.seal}, nil)
	if err != nil {
		return "", err
	}
	obj, err := enc.Encrypt(b)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

func (k *Keys) openLogin(s string) (loginState, error) {
	var st loginState
	obj, err := jose.ParseEncryptedCompact(s, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return st, err
	}
	b, err := obj.Decrypt(k.seal)
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}

// SafeReturnPath returns p if it is a path on this site ("/abc-defg-hij?x=1"), and "/"
// otherwise: sign-in never sends anyone to another site.
func SafeReturnPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\") {
		return "/"
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil {
		return "/"
	}
	return p
}

// sessionID is the stored id of a session: a hash of the cookie's secret.
func sessionID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func (s *Service) setCookie(w http.ResponseWriter, name, value, path string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
		c.Expires = s.p.Now().Add(maxAge)
	} else {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func (s *Service) login(w http.ResponseWriter, r *http.Request) {
	if s.toCanonical(w, r) {
		return
	}
	ret := SafeReturnPath(r.URL.Query().Get("return"))
	p, _, err := s.rp.discover(r.Context())
	if err != nil {
		s.refusePage(w, r, err, ret)
		return
	}
	st := loginState{
		State: ids.Secret(), Nonce: ids.Secret(), Verifier: oauth2.GenerateVerifier(),
		Return: ret, Expires: s.p.Now().Add(loginTimeout),
	}
	sealed, err := s.p.Keys.sealLogin(st)
	if err != nil {
		s.refusePage(w, r, fmt.Errorf("seal sign-in state: %w", err), ret)
		return
	}
	s.setCookie(w, loginCookie, sealed, "/auth/", loginTimeout)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.rp.oauth(p).AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusFound)
}

// idClaims are the claims visio reads from the ID token and the userinfo answer.
type idClaims struct {
	Subject           string `json:"sub"`
	Name              string `json:"name"`
	GivenName         string `json:"given_name"`
	FamilyName        string `json:"family_name"`
	UsualName         string `json:"usual_name"` // ProConnect
	PreferredUsername string `json:"preferred_username"`
	Email             string `json:"email"`
}

func (c idClaims) displayName() string {
	family := c.FamilyName
	if family == "" {
		family = c.UsualName
	}
	for _, n := range []string{c.Name, strings.TrimSpace(c.GivenName + " " + family), c.PreferredUsername, c.Email} {
		if n = strings.TrimSpace(n); n != "" {
			return n
		}
	}
	return ""
}

func (s *Service) callback(w http.ResponseWriter, r *http.Request) {
	s.setCookie(w, loginCookie, "", "/auth/", 0) // whatever happens, this sign-in is over
	u, idToken, ret, err := s.finishLogin(r)
	if err != nil {
		s.refusePage(w, r, err, ret)
		return
	}
	secret := ids.Secret()
	now := s.p.Now()
	sess := store.Session{ID: sessionID(secret), UserID: u.ID, IDToken: idToken, CreatedAt: now, ExpiresAt: now.Add(s.p.SessionLifetime)}
	if err := s.p.Sessions.CreateSession(r.Context(), sess); err != nil {
		s.refusePage(w, r, fmt.Errorf("create session: %w", err), ret)
		return
	}
	s.p.Log.Info("signed in", "user", u.ID)
	s.setCookie(w, s.cookieName, secret, "/", s.p.SessionLifetime)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, ret, http.StatusFound)
}

// finishLogin checks the provider's answer against the sealed state, redeems the code, and
// verifies the ID token. It returns the user, the raw ID token and where to go next.
func (s *Service) finishLogin(r *http.Request) (store.User, string, string, error) {
	ctx := r.Context()
	c, err := r.Cookie(loginCookie)
	if err != nil {
		return store.User{}, "", "", fmt.Errorf("%w: no sign-in cookie", ErrLoginState)
	}
	st, err := s.p.Keys.openLogin(c.Value)
	if err != nil {
		return store.User{}, "", "", fmt.Errorf("%w: %v", ErrLoginState, err)
	}
	q := r.URL.Query()
	if !s.p.Now().Before(st.Expires) {
		return store.User{}, "", "", fmt.Errorf("%w: started at %v", ErrLoginState, st.Expires.Add(-loginTimeout))
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		return store.User{}, "", "", fmt.Errorf("%w: state does not match", ErrLoginState)
	}
	if e := q.Get("error"); e != "" {
		return store.User{}, "", "", fmt.Errorf("%w: %s: %s", ErrLoginRefused, e, q.Get("error_description"))
	}
	// The sealed state is good once: a replayed callback is refused.
	if err := s.p.TokenIDs.UseTokenID(ctx, "login:"+st.State, st.Expires); errors.Is(err, store.ErrAlreadyUsed) {
		return store.User{}, "", "", fmt.Errorf("%w: callback replayed", ErrLoginState)
	} else if err != nil {
		return store.User{}, "", "", fmt.Errorf("consume sign-in state: %w", err)
	}
	p, _, err := s.rp.discover(ctx)
	if err != nil {
		return store.User{}, "", "", err
	}
	cctx := oidc.ClientContext(ctx, s.rp.client)
	tok, err := s.rp.oauth(p).Exchange(cctx, q.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return store.User{}, "", "", fmt.Errorf("%w: code exchange: %v", ErrLoginFailed, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return store.User{}, "", "", fmt.Errorf("%w: no ID token in the token response", ErrLoginFailed)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.rp.clientID, Now: s.p.Now}).Verify(cctx, raw)
	if err != nil {
		return store.User{}, "", "", fmt.Errorf("%w: ID token: %v", ErrLoginFailed, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return store.User{}, "", "", fmt.Errorf("%w: ID token nonce does not match", ErrLoginFailed)
	}
	var cl idClaims
	if err := idt.Claims(&cl); err != nil {
		return store.User{}, "", "", fmt.Errorf("%w: ID token claims: %v", ErrLoginFailed, err)
	}
	if (cl.displayName() == "" || cl.Email == "") && p.UserInfoEndpoint() != "" {
		ui, err := p.UserInfo(cctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return store.User{}, "", "", fmt.Errorf("%w: userinfo: %v", ErrLoginFailed, err)
		}
		var uc idClaims
		if err := ui.Claims(&uc); err != nil || uc.Subject != idt.Subject {
			return store.User{}, "", "", fmt.Errorf("%w: userinfo is for another subject or unreadable (%v)", ErrLoginFailed, err)
		}
		cl = merge(cl, uc)
	}
	u, err := s.p.Users.SaveUser(ctx, store.User{Issuer: idt.Issuer, Subject: idt.Subject, Name: cl.displayName(), Email: cl.Email, SeenAt: s.p.Now()})
	if err != nil {
		return store.User{}, "", "", fmt.Errorf("save user: %w", err)
	}
	return u, raw, st.Return, nil
}

// merge fills the empty fields of a from b.
func merge(a, b idClaims) idClaims {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&a.Name, b.Name)
	fill(&a.GivenName, b.GivenName)
	fill(&a.FamilyName, b.FamilyName)
	fill(&a.UsualName, b.UsualName)
	fill(&a.PreferredUsername, b.PreferredUsername)
	fill(&a.Email, b.Email)
	return a
}

// LogoutJSON answers POST /auth/logout when the client asks for JSON.
type LogoutJSON struct {
	// Redirect is where to send the browser next: the provider's sign-out page, or home.
	Redirect string `json:"redirect"`
}

func (s *Service) logout(w http.ResponseWriter, r *http.Request) {
	var idToken string
	if c, err := r.Cookie(s.cookieName); err == nil && c.Value != "" {
		id := sessionID(c.Value)
		if sess, err := s.p.Sessions.Session(r.Context(), id); err == nil {
			idToken = sess.IDToken
			s.p.Log.Info("signed out", "user", sess.UserID)
		}
		if err := s.p.Sessions.DeleteSession(r.Context(), id); err != nil {
			s.refuse(w, r, fmt.Errorf("delete session: %w", err))
			return
		}
	}
	s.setCookie(w, s.cookieName, "", "/", 0)
	target := s.p.BaseURL + "/"
	if idToken != "" {
		if _, endSession, err := s.rp.discover(r.Context()); err == nil && endSession != "" {
			q := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {target}, "client_id": {s.rp.clientID}}
			target = endSession + "?" + q.Encode()
		}
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSON(w, http.StatusOK, LogoutJSON{Redirect: target})
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
