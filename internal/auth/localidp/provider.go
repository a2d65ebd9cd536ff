// Package localidp is the built-in OpenID Connect provider for one machine, used when no
// provider is configured. It is built on zitadel/oidc's op package and speaks the standard
// protocol, so visio signs in against it exactly as against ProConnect or Keycloak.
//
// Users come from the configuration (login, name, e-mail, bcrypt password hash). With none, it
// runs in development mode: a page clearly labelled "not for production" lets anyone sign in
// under the name and e-mail address they type.
package localidp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/crypto/bcrypt"

	"visio/internal/ids"
)

// ClientID is visio's client id at the built-in provider.
const ClientID = "visio"

// User is an account of the built-in provider.
type User struct {
	Login, Name, Email string
	// PasswordHash is a bcrypt hash.
	PasswordHash string
}

// Params configures New.
type Params struct {
	// Issuer is the provider's URL, such as "https://visio.example.gouv.fr/local-idp": it is
	// served under the issuer's path.
	Issuer string
	// RedirectURI is visio's callback, such as "https://visio.example.gouv.fr/auth/callback".
	RedirectURI string
	// PostLogoutRedirectURI is where the provider sends users after signing out.
	PostLogoutRedirectURI string
	// Users may sign in; empty means development mode.
	Users []User
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxConcurrentChecks bounds the password checks (bcrypt) running at once; 0 means one
	// per processor.
	MaxConcurrentChecks int
	Log                 *slog.Logger
}

// Provider is the built-in OpenID provider, an http.Handler for the paths under its issuer.
type Provider struct {
	issuer  string
	secret  string
	dev     bool
	users   map[string]User
	storage *storage
	op      *op.Provider
	handler http.Handler
	log     *slog.Logger
	// dummyHash is checked for unknown logins: a hash of the accounts' highest cost, so that
	// an unknown login takes as long as a known one.
	dummyHash []byte
	throttle  *throttle
}

// New builds the provider. Its client secret and signing key are made here, in memory: they
// only need to outlive a sign-in.
func New(p Params) (*Provider, error) {
	u, err := url.Parse(p.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("localidp: issuer %q is not an http(s) URL", p.Issuer)
	}
	if p.RedirectURI == "" {
		return nil, errors.New("localidp: a redirect URI is required")
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	issuer := strings.TrimRight(p.Issuer, "/")
	prefix := strings.TrimRight(u.Path, "/")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("localidp: signing key: %w", err)
	}
	idp := &Provider{issuer: issuer, secret: ids.Secret(), dev: len(p.Users) == 0, users: map[string]User{}, log: p.Log}
	costs := map[int]int{}
	logins := make([]string, 0, len(p.Users))
	for _, usr := range p.Users {
		// The subject goes into op's opaque access tokens as "id:subject": no colon.
		if usr.Login == "" || strings.Contains(usr.Login, ":") {
			return nil, fmt.Errorf("localidp: login %q: must be non-empty, without \":\"", usr.Login)
		}
		cost, err := bcrypt.Cost([]byte(usr.PasswordHash))
		if err != nil {
			return nil, fmt.Errorf("localidp: user %q: password hash: %w", usr.Login, err)
		}
		costs[cost]++
		idp.users[usr.Login] = usr
		logins = append(logins, usr.Login)
	}
	if !idp.dev {
		if idp.dummyHash, err = dummyHash(costs, p.Log); err != nil {
			return nil, err
		}
	}
	if p.MaxConcurrentChecks <= 0 {
		p.MaxConcurrentChecks = runtime.GOMAXPROCS(0)
	}
	idp.throttle = newThrottle(p.Now, logins, p.MaxConcurrentChecks)
	idp.storage = &storage{
		client: &client{
			id: ClientID, secret: idp.secret, redirectURIs: []string{p.RedirectURI},
			logoutURIs: []string{p.PostLogoutRedirectURI},
			loginURL:   func(id string) string { return prefix + "/login?" + url.Values{"id": {id}}.Encode() },
		},
		key:        &signingKey{id: ids.New("k"), key: key},
		now:        p.Now,
		requests:   map[string]*authRequest{},
		codes:      map[string]string{},
		tokens:     map[string]accessToken{},
		identities: map[string]identity{},
	}
	var cryptoKey [32]byte
	_, _ = rand.Read(cryptoKey[:])
	opts := []op.Option{
		// Only visio's server talks to the token and userinfo endpoints: no page of another
		// site needs to.
		op.WithCORSOptions(&cors.Options{AllowOriginFunc: func(string) bool { return false }}),
	}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	idp.op, err = op.NewProvider(&op.Config{
		CryptoKey:                cryptoKey,
		DefaultLogoutRedirectURI: p.PostLogoutRedirectURI,
		CodeMethodS256:           true,
	}, idp.storage, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("localidp: %w", err)
	}
	mux := http.NewServeMux()
	interceptor := op.NewIssuerInterceptor(idp.op.IssuerFromRequest)
	mux.HandleFunc("GET /login", idp.loginPage)
	mux.Handle("POST /login", interceptor.HandlerFunc(idp.loginSubmit))
	mux.Handle("/", idp.op)
	idp.handler = http.StripPrefix(prefix, mux)
	return idp, nil
}

// ServeHTTP serves the provider's endpoints, for requests whose path is under the issuer's.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// Issuer returns the issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// ClientSecret returns visio's client secret, made at start.
func (p *Provider) ClientSecret() string { return p.secret }

// Development reports whether anyone may sign in under any name.
func (p *Provider) Development() bool { return p.dev }

// HTTPClient returns a client that reaches the provider in process: visio's server then never
// needs to connect to its own public address (which a proxy or firewall may not allow).
// Requests for other hosts fail.
func (p *Provider) HTTPClient() *http.Client {
	return &http.Client{Transport: handlerTransport{host: hostOf(p.issuer), h: p}, Timeout: 30 * time.Second}
}

func hostOf(raw string) string {
	u, _ := url.Parse(raw)
	return u.Host
}

// HashPassword returns the bcrypt hash of password, for the configuration's password_hash.
func HashPassword(password string) (string, error) { return hashPassword(password, 12) }

func hashPassword(password string, cost int) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(b), err
}

// dummyHash makes the hash checked for unknown logins, at the accounts' highest cost. Accounts hashed at a lower cost answer faster than unknown logins,
// which tells them apart: that is logged, to have them hashed again.
func dummyHash(costs map[int]int, log *slog.Logger) ([]byte, error) {
	top := 0
	for c := range costs {
		top = max(top, c)
	}
	if len(costs) > 1 {
		log.Warn("accounts' password hashes have different bcrypt costs: a sign-in's duration tells them apart; hash them again at one cost (visio hash-password)", "costs", fmt.Sprint(costs))
	}
	h, err := bcrypt.GenerateFromPassword([]byte(ids.Secret()), top)
	if err != nil {
		return nil, fmt.Errorf("localidp: dummy hash: %w", err)
	}
	return h, nil
}
