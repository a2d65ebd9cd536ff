package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"visio/internal/auth"
	"visio/internal/auth/localidp"
	"visio/internal/config"
	"visio/internal/room"
	"visio/internal/routine"
	"visio/internal/signal"
	"visio/internal/store"
	"visio/internal/store/postgres"
	"visio/internal/store/sqlite"
)

// sweepInterval is how often expired sessions, used token ids and unused rooms are deleted.
const sweepInterval = 10 * time.Minute

// access is who may enter: the store, sign-in, join tokens and application credentials.
type access struct {
	cfg    config.Config
	log    *slog.Logger
	db     store.Store
	keys   *auth.Keys
	tokens *auth.JoinTokens
	apps   *auth.Apps
	gate   *gate

	// Set by startSignIn, once the service's address is known.
	auth   *auth.Service
	idp    *localidp.Provider // nil with an external provider
	issuer string

	group *routine.Group // the sweeper, from start
}

// openStore opens the configured database, creating the data directory for SQLite.
func openStore(ctx context.Context, cfg config.Store) (store.Store, error) {
	switch cfg.Driver {
	case "postgres":
		db, err := postgres.Open(ctx, cfg.PostgresURL)
		if err != nil {
			return nil, fmt.Errorf("open the PostgreSQL store: %w", err)
		}
		return db, nil
	default:
		db, err := sqlite.Open(ctx, cfg.SQLiteFile())
		if err != nil {
			return nil, fmt.Errorf("open the SQLite store %s: %w", cfg.SQLiteFile(), err)
		}
		return db, nil
	}
}

// newAccess opens the store and the keys and builds the join tokens.
func newAccess(ctx context.Context, cfg config.Config, log *slog.Logger) (*access, error) {
	if cfg.Store.DataDir == "" {
		cfg.Store.DataDir = config.DefaultDataDir(os.Getenv)
	}
	if cfg.Store.Driver != "postgres" {
		if err := os.MkdirAll(cfg.Store.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create the data directory: %w", err)
		}
		f := cfg.Store.SQLiteFile()
		if err := privateFiles(log, f, f+"-wal", f+"-shm", f+"-journal"); err != nil {
			return nil, err
		}
	}
	if err := privateFiles(log, "", cfg.AuthKeyFile()); err != nil {
		return nil, err
	}
	db, err := openStore(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	keys, err := auth.LoadKeys(cfg.AuthKeyFile())
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	tokens, err := auth.NewJoinTokens(auth.JoinTokensParams{Keys: keys, Lifetime: cfg.Auth.JoinTokenLifetime.D(), Used: db})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	a := &access{cfg: cfg, log: log, db: db, keys: keys, tokens: tokens, apps: auth.NewApps(db, nil)}
	a.gate = &gate{rooms: db, roles: db, tokens: tokens, now: time.Now}
	return a, nil
}

// localIdP returns the built-in provider's handler, or nil.
func (a *access) localIdP() http.Handler {
	if a.idp == nil {
		return nil
	}
	return a.idp
}

// startSignIn builds the sign-in service for users reaching the service at base, with the
// built-in provider when none is configured.
func (a *access) startSignIn(base string) error {
	cfg := a.cfg.Auth
	base = strings.TrimRight(base, "/")
	p := auth.Params{
		Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes,
		BaseURL: base, SessionLifetime: cfg.SessionLifetime.D(),
		Users: a.db, Sessions: a.db, TokenIDs: a.db, Keys: a.keys, Log: a.log.With("component", "auth"),
	}
	if cfg.Issuer == "" {
		users := make([]localidp.User, len(cfg.Local.Users))
		for i, u := range cfg.Local.Users {
			users[i] = localidp.User{Login: u.Login, Name: u.Name, Email: u.Email, PasswordHash: u.PasswordHash}
		}
		idp, err := localidp.New(localidp.Params{
			Issuer: base + "/local-idp", RedirectURI: base + "/auth/callback", PostLogoutRedirectURI: base + "/",
			Users: users, Log: a.log.With("component", "local-idp"),
		})
		if err != nil {
			return err
		}
		a.idp = idp
		p.Issuer, p.ClientID, p.ClientSecret = idp.Issuer(), localidp.ClientID, idp.ClientSecret()
		p.HTTPClient, p.Development = idp.HTTPClient(), idp.Development()
		if idp.Development() {
			a.log.Warn("DEVELOPMENT SIGN-IN: anyone can sign in under any name; configure [auth] issuer or [[auth.local.users]] before letting others use this server")
		}
	}
	svc, err := auth.New(p)
	if err != nil {
		return err
	}
	a.auth, a.issuer = svc, p.Issuer
	return nil
}

// start runs the sweeper until stop.
func (a *access) start() {
	a.group = routine.NewGroup(context.Background())
	a.group.Go(func(ctx context.Context) {
		t := time.NewTicker(sweepInterval)
		defer t.Stop()
		for {
			a.sweep(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

func (a *access) sweep(ctx context.Context) {
	if a.auth != nil {
		a.auth.Sweep(ctx)
	}
	if n, err := a.db.DeleteMeetingStatesBefore(ctx, time.Now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
		a.log.Warn("delete old meeting states", "err", err)
	} else if n > 0 {
		a.log.Info("deleted the states of meetings that ended with their node", "count", n)
	}
	n, err := a.db.DeleteRoomsUnusedSince(ctx, time.Now().Add(-a.cfg.Room.CodeLifetime.D()))
	if err != nil && ctx.Err() == nil {
		a.log.Warn("delete unused rooms", "err", err)
	} else if n > 0 {
		a.log.Info("deleted unused rooms", "count", n)
	}
}

// close stops the sweeper and closes the store; safe to call twice.
func (a *access) close() {
	if a.group != nil {
		a.group.Close()
	}
	if err := a.db.Close(); err != nil {
		a.log.Warn("close the store", "err", err)
	}
}

// gate lets people into meetings for the signalling layer: it checks join tokens against the
// rooms and roles in the store.
type gate struct {
	rooms  store.Rooms
	roles  store.Roles
	tokens *auth.JoinTokens
	now    func() time.Time
}

var _ signal.Gate = (*gate)(nil)

// Room implements signal.Gate.
func (g *gate) Room(ctx context.Context, code string) (signal.RoomInfo, error) {
	r, err := g.rooms.Room(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return signal.RoomInfo{}, fmt.Errorf("%w: %s", signal.ErrRoomNotFound, code)
	}
	if err != nil {
		return signal.RoomInfo{}, err
	}
	return signal.RoomInfo{Code: r.Code, Name: r.Name, Access: string(r.Access)}, nil
}

// Admit implements signal.Gate. The permissions are those of the token, narrowed to what the
// person's current role and the room's current access level allow.
func (g *gate) Admit(ctx context.Context, code, token string) (signal.Entrant, error) {
	grant, err := g.tokens.Verify(ctx, token, code)
	if err != nil {
		e := auth.AsError(err)
		if e == auth.ErrInternal {
			return signal.Entrant{}, err
		}
		return signal.Entrant{}, &signal.ProtocolError{Code: e.Code, Message: e.Message, Fatal: true}
	}
	r, err := g.rooms.Room(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return signal.Entrant{}, &signal.ProtocolError{Code: "room_not_found", Message: "this meeting does not exist", Fatal: true}
	} else if err != nil {
		return signal.Entrant{}, err
	}
	role := store.RoleNone
	if !grant.Guest {
		if role, err = g.roles.Role(ctx, code, store.UserID(grant.Subject)); err != nil {
			return signal.Entrant{}, err
		}
	}
	adm := auth.Admit(r.Access, role, !grant.Guest)
	can := func(p auth.Permission) bool {
		for _, q := range adm.Permissions {
			if q == p {
				return grant.Can(p)
			}
		}
		return false
	}
	if err := g.rooms.TouchRoom(ctx, code, g.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return signal.Entrant{}, err
	}
	return signal.Entrant{
		ID: grant.Subject, Name: grant.Name, SignedIn: !grant.Guest, Role: string(role), Direct: adm.Direct,
		Permissions: room.Permissions{Publish: can(auth.PermPublish), Subscribe: can(auth.PermSubscribe), Moderate: can(auth.PermModerate)},
		Room:        signal.RoomInfo{Code: r.Code, Name: r.Name, Access: string(r.Access)},
	}, nil
}

// Promote implements signal.Gate.
func (g *gate) Promote(ctx context.Context, code, userID string) error {
	role, err := g.roles.Role(ctx, code, store.UserID(userID))
	if err != nil || role == store.RoleOwner || role == store.RoleAdmin {
		return err
	}
	return g.roles.SetRole(ctx, code, store.UserID(userID), store.RoleAdmin)
}

// CreateAppCredential records an application credential with the given scopes in the
// configured store and returns its client id and secret (shown once): visio apps create.
func CreateAppCredential(ctx context.Context, cfg config.Config, name string, scopes []string) (id, secret string, err error) {
	db, err := openStore(ctx, cfg.Store)
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	return auth.NewApps(db, nil).Create(ctx, name, scopes)
}
