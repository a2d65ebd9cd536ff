package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"visio/internal/ids"
	"visio/internal/store"
)

// Scopes of application credentials.
const (
	// ScopeRoomsCreate allows creating rooms on behalf of a user.
	ScopeRoomsCreate = "rooms:create"
	// ScopeRoomsRead allows reading rooms and listing a user's rooms.
	ScopeRoomsRead = "rooms:read"
)

// KnownScopes are the scopes an application credential may hold.
var KnownScopes = []string{ScopeRoomsCreate, ScopeRoomsRead}

// Apps checks the application credentials of the administration's other systems. A
// credential is a client id ("AP_...") and a secret; requests send them as
// "Authorization: Basic" (id and secret) or "Authorization: Bearer <id>.<secret>".
type Apps struct {
	store store.Apps
	now   func() time.Time
}

// NewApps returns the credential checker. now may be nil (time.Now).
func NewApps(s store.Apps, now func() time.Time) *Apps {
	if now == nil {
		now = time.Now
	}
	return &Apps{store: s, now: now}
}

// Create makes a credential with the given scopes and returns its client id and its secret,
// which is shown once and never stored.
func (a *Apps) Create(ctx context.Context, name string, scopes []string) (id, secret string, err error) {
	for _, sc := range scopes {
		if !slices.Contains(KnownScopes, sc) {
			return "", "", fmt.Errorf("auth: unknown scope %q (want one of %s)", sc, strings.Join(KnownScopes, ", "))
		}
	}
	id, secret = ids.New("AP_"), ids.Secret()
	err = a.store.CreateApp(ctx, store.App{ID: id, Name: name, SecretHash: hashSecret(secret), Scopes: scopes, CreatedAt: a.now()})
	if err != nil {
		return "", "", fmt.Errorf("auth: create application credential: %w", err)
	}
	return id, secret, nil
}

// hashSecret hashes a secret of 256 random bits: a fast hash is enough, as nobody can guess
// such a secret from its hash.
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Authenticate returns the application that sent r. The errors wrap ErrNoCredentials or
// ErrBadCredentials.
func (a *Apps) Authenticate(r *http.Request) (store.App, error) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		h := r.Header.Get("Authorization")
		scheme, tok, found := strings.Cut(h, " ")
		if h == "" {
			return store.App{}, ErrNoCredentials
		}
		if !found || !strings.EqualFold(scheme, "Bearer") {
			return store.App{}, fmt.Errorf("%w: unsupported Authorization scheme", ErrBadCredentials)
		}
		if id, secret, ok = strings.Cut(strings.TrimSpace(tok), "."); !ok {
			return store.App{}, fmt.Errorf("%w: malformed bearer token", ErrBadCredentials)
		}
	}
	app, err := a.store.App(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as for a known id.
		subtle.ConstantTimeCompare(hashSecret(secret), make([]byte, sha256.Size))
		return store.App{}, fmt.Errorf("%w: unknown client id", ErrBadCredentials)
	}
	if err != nil {
		return store.App{}, fmt.Errorf("auth: application credential: %w", err)
	}
	if subtle.ConstantTimeCompare(hashSecret(secret), app.SecretHash) != 1 {
		return store.App{}, fmt.Errorf("%w: wrong secret for %s", ErrBadCredentials, id)
	}
	return app, nil
}

type appKey struct{}

// Require returns a handler that calls next only for an application whose credential holds
// scope; AppFrom then returns it. Others get 401 or 403 and the API's error shape.
func (a *Apps) Require(scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		app, err := a.Authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="visio"`)
			WriteError(w, err)
			return
		}
		if !slices.Contains(app.Scopes, scope) {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="visio", error="insufficient_scope", scope=%q`, scope))
			WriteError(w, ErrScope)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), appKey{}, app)))
	})
}

// AppFrom returns the application Require let through.
func AppFrom(ctx context.Context) (store.App, bool) {
	app, ok := ctx.Value(appKey{}).(store.App)
	return app, ok
}
