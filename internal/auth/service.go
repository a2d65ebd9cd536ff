package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"visio/internal/store"
)

// Params configures the sign-in service.
type Params struct {
	// Issuer, ClientID, ClientSecret and Scopes describe the OpenID provider and visio's client
	// registration there.
	Issuer       string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// HTTPClient talks to the provider; nil means a client with a 30s timeout. The built-in
	// provider hands one that reaches it in process.
	HTTPClient *http.Client
	// BaseURL is where users reach visio, such as "https://visio.example.gouv.fr": the
	// callback is BaseURL + "/auth/callback". Its scheme decides whether cookies are Secure.
	BaseURL string
	// SessionLifetime is how long a sign-in lasts.
	SessionLifetime time.Duration
	// Development is reported by /api/v1/me, so that the web app can say that anyone may
	// sign in under any name.
	Development bool

	Users    store.Users
	Sessions store.Sessions
	TokenIDs store.TokenIDs
	Keys     *Keys
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Service signs users in and out and says who is signed in.
type Service struct {
	p          Params
	rp         *relyingParty
	secure     bool
	cookieName string
}

// Identity is a signed-in user, as the session says.
type Identity struct {
	UserID store.UserID
	Name   string
	Email  string
	// Expires is when the session ends.
	Expires time.Time
}

// New returns the sign-in service. It does not contact the provider: that happens at the first
// sign-in, so visio starts even while the provider is down.
func New(p Params) (*Service, error) {
	switch {
	case p.Issuer == "" || p.ClientID == "":
		return nil, errors.New("auth: an issuer and a client id are required")
	case p.BaseURL == "":
		return nil, errors.New("auth: a base URL is required")
	case p.Users == nil || p.Sessions == nil || p.TokenIDs == nil || p.Keys == nil:
		return nil, errors.New("auth: the user, session and token id stores and the keys are required")
	case p.SessionLifetime <= 0:
		return nil, errors.New("auth: a session lifetime is required")
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.HTTPClient == nil {
		p.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	p.BaseURL = strings.TrimRight(p.BaseURL, "/")
	s := &Service{p: p, secure: strings.HasPrefix(p.BaseURL, "https://")}
	s.cookieName = "visio_session"
	if s.secure {
		// The __Host- prefix makes browsers refuse the cookie unless it is Secure, for this
		// host only, on every path.
		s.cookieName = "__Host-visio_session"
	}
	s.rp = &relyingParty{
		issuer: p.Issuer, clientID: p.ClientID, clientSecret: p.ClientSecret, scopes: p.Scopes,
		redirectURL: p.BaseURL + "/auth/callback", client: p.HTTPClient,
	}
	return s, nil
}

// Register adds the sign-in endpoints to mux.
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/login", s.login)
	mux.HandleFunc("GET /auth/callback", s.callback)
	mux.HandleFunc("POST /auth/logout", s.logout)
	mux.HandleFunc("GET /api/v1/me", s.me)
}

// Identify returns who sent the request, from the session cookie. The errors wrap
// ErrSignedOut or ErrSessionExpired.
func (s *Service) Identify(r *http.Request) (Identity, error) {
	c, err := r.Cookie(s.cookieName)
	if err != nil || c.Value == "" {
		return Identity{}, ErrSignedOut
	}
	ctx := r.Context()
	sess, err := s.p.Sessions.Session(ctx, sessionID(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, ErrSignedOut
	}
	if err != nil {
		return Identity{}, fmt.Errorf("identify: %w", err)
	}
	if !s.p.Now().Before(sess.ExpiresAt) {
		_ = s.p.Sessions.DeleteSession(ctx, sess.ID)
		return Identity{}, ErrSessionExpired
	}
	u, err := s.p.Users.User(ctx, sess.UserID)
	if err != nil {
		return Identity{}, fmt.Errorf("identify: %w", err)
	}
	return Identity{UserID: u.ID, Name: u.Name, Email: u.Email, Expires: sess.ExpiresAt}, nil
}

type identityKey struct{}

// WithIdentity returns a handler that identifies the request's user, if signed in, for
// IdentityFrom.
func (s *Service) WithIdentity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, err := s.Identify(r); err == nil {
			r = r.WithContext(context.WithValue(r.Context(), identityKey{}, id))
		} else if AsError(err) == ErrInternal {
			s.p.Log.Warn("identify", "err", err)
		}
		next.ServeHTTP(w, r)
	})
}

// RequireSignIn returns a handler that refuses requests from someone not signed in, and
// otherwise calls next with the identity for IdentityFrom.
func (s *Service) RequireSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := s.Identify(r)
		if err != nil {
			s.refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	})
}

// IdentityFrom returns the identity WithIdentity or RequireSignIn found.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// MeJSON is the answer of GET /api/v1/me.
type MeJSON struct {
	ID    store.UserID `json:"id"`
	Name  string       `json:"name"`
	Email string       `json:"email"`
	// ExpiresAt is when the session ends.
	ExpiresAt time.Time `json:"expires_at"`
	// Development is true when anyone may sign in under any name (the built-in provider's
	// development mode): the app should say so.
	Development bool `json:"development"`
}

func (s *Service) me(w http.ResponseWriter, r *http.Request) {
	id, err := s.Identify(r)
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, MeJSON{ID: id.UserID, Name: id.Name, Email: id.Email, ExpiresAt: id.Expires.UTC(), Development: s.p.Development})
}

// Run deletes expired sessions and used token ids every interval until ctx is cancelled.
func (s *Service) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.Sweep(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sweep deletes expired sessions and used token ids once.
func (s *Service) Sweep(ctx context.Context) {
	now := s.p.Now()
	if n, err := s.p.Sessions.DeleteExpiredSessions(ctx, now); err != nil && ctx.Err() == nil {
		s.p.Log.Warn("delete expired sessions", "err", err)
	} else if n > 0 {
		s.p.Log.Debug("deleted expired sessions", "count", n)
	}
	if _, err := s.p.TokenIDs.DeleteExpiredTokenIDs(ctx, now); err != nil && ctx.Err() == nil {
		s.p.Log.Warn("delete expired token ids", "err", err)
	}
}

// refuse answers with err's refusal and logs what the user is not told.
func (s *Service) refuse(w http.ResponseWriter, r *http.Request, err error) {
	s.log(r, err)
	WriteError(w, err)
}

// log records a refusal with the detail the user is not told.
func (s *Service) log(r *http.Request, err error) {
	e := AsError(err)
	if e == ErrInternal {
		s.p.Log.Error("auth", "path", r.URL.Path, "err", err)
	} else if !errors.Is(err, ErrSignedOut) {
		s.p.Log.Info("auth refused", "path", r.URL.Path, "code", e.Code, "err", err)
	}
}
