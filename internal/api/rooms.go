package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"visio/internal/auth"
	"visio/internal/ids"
	"visio/internal/room"
	"visio/internal/signal"
	"visio/internal/store"
)

// RoomStore is what the API needs of the store.
type RoomStore interface {
	store.Users
	store.Rooms
	store.Roles
}

// Access is what the API needs to let people in: sign-in, application credentials and join
// tokens.
type Access struct {
	Store  RoomStore
	Auth   *auth.Service
	Apps   *auth.Apps
	Tokens *auth.JoinTokens
	// Issuer is the identity provider's issuer: applications name users by their subject there.
	Issuer string
	// LocalIdP is the built-in provider, served under /local-idp/; nil with an external one.
	LocalIdP http.Handler
}

const (
	guestCookie     = "visio_guest"
	guestCookieLife = 12 * time.Hour
	maxRoomName     = 100
	// joinsPerAddr limits join token requests per client address. A whole office behind one
	// NAT, or every user behind a reverse proxy, shares an address: the limit only stops floods.
	joinsPerAddrBurst = 500
	joinsPerAddrEvery = 50 * time.Millisecond
)

// API errors of the rooms endpoints.
var (
	errRoomNotFound = &auth.Error{Status: http.StatusNotFound, Code: "room_not_found", Message: "This meeting does not exist or has expired."}
	errUserNotFound = &auth.Error{Status: http.StatusNotFound, Code: "user_not_found", Message: "No such user."}
	errForbidden    = &auth.Error{Status: http.StatusForbidden, Code: "forbidden", Message: "Only the room's owner and administrators may do this."}
	errRoomLocked   = &auth.Error{Status: http.StatusForbidden, Code: "room_locked", Message: "The meeting is locked: only moderators may enter."}
	errRateLimited  = &auth.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "Too many requests: wait a moment."}
)

func badRequest(code, msg string) *auth.Error {
	return &auth.Error{Status: http.StatusBadRequest, Code: code, Message: msg}
}

// routeRooms adds the rooms, roles, join and sign-in endpoints.
func (s *server) routeRooms(mux *http.ServeMux) {
	a := s.p.Access
	a.Auth.Register(mux)
	if a.LocalIdP != nil {
		mux.Handle("/local-idp/", a.LocalIdP)
	}
	mux.HandleFunc("POST /api/v1/rooms", s.createRoom)
	mux.HandleFunc("GET /api/v1/rooms", s.listRooms)
	mux.HandleFunc("GET /api/v1/rooms/{code}", s.getRoom)
	mux.Handle("PATCH /api/v1/rooms/{code}", a.Auth.RequireSignIn(http.HandlerFunc(s.updateRoom)))
	mux.Handle("GET /api/v1/rooms/{code}/roles", a.Auth.RequireSignIn(http.HandlerFunc(s.listRoles)))
	mux.Handle("PUT /api/v1/rooms/{code}/roles/{user}", a.Auth.RequireSignIn(http.HandlerFunc(s.setRole)))
	mux.Handle("DELETE /api/v1/rooms/{code}/roles/{user}", a.Auth.RequireSignIn(http.HandlerFunc(s.removeRole)))
	mux.HandleFunc("POST /api/v1/rooms/{code}/join", s.join)
}

// RoomJSON is a room as the API returns it.
type RoomJSON struct {
	Code         string       `json:"code"`
	URL          string       `json:"url"`
	Name         string       `json:"name"`
	Access       store.Access `json:"access"`
	Locked       bool         `json:"locked"`
	Participants int          `json:"participants"`
	Role         store.Role   `json:"role"`
	OwnerID      store.UserID `json:"owner_id,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
}

func (s *server) roomJSON(r *http.Request, rm store.Room, role store.Role) RoomJSON {
	return RoomJSON{
		Code: rm.Code, URL: s.meetingURL(r, rm.Code), Name: rm.Name, Access: rm.Access,
		Locked: s.p.Rooms.Locked(rm.Code), Participants: s.p.Rooms.Participants(rm.Code), Role: role,
		OwnerID: rm.OwnerID, CreatedAt: rm.CreatedAt.UTC(),
	}
}

// fail answers with err's refusal, logging what the user is not told.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if auth.AsError(err) == auth.ErrInternal {
		s.p.Log.Error("api", "path", r.URL.Path, "err", err)
	}
	auth.WriteError(w, err)
}

// readJSON decodes an optional JSON body of at most 16 KiB.
func readJSON(r *http.Request, v any) error {
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 16<<10))
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return badRequest("invalid_request", "The body is not the JSON this endpoint expects.")
	}
	return nil
}

// isApp reports whether the request authenticates as an application.
func isApp(r *http.Request) bool { return r.Header.Get("Authorization") != "" }

// roomSettings are the settable fields of a room.
type roomSettings struct {
	Name   *string       `json:"name"`
	Access *store.Access `json:"access"`
	Owner  *struct {
		Subject string `json:"subject"`
		Name    string `json:"name"`
		Email   string `json:"email"`
	} `json:"owner"`
}

func (rs roomSettings) check() error {
	if rs.Name != nil && (utf8.RuneCountInString(*rs.Name) > maxRoomName || !utf8.ValidString(*rs.Name)) {
		return badRequest("invalid_request", "The room name is at most 100 characters.")
	}
	if rs.Access != nil && !rs.Access.Valid() {
		return badRequest("invalid_access", "access must be public, trusted or restricted.")
	}
	return nil
}

func (s *server) createRoom(w http.ResponseWriter, r *http.Request) {
	s.appOrUser(auth.ScopeRoomsCreate, s.createRoomAs).ServeHTTP(w, r)
}

// appOrUser serves h to an application holding scope, or else to a signed-in user.
func (s *server) appOrUser(scope string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isApp(r) {
			s.p.Access.Apps.Require(scope, h).ServeHTTP(w, r)
			return
		}
		s.p.Access.Auth.RequireSignIn(h).ServeHTTP(w, r)
	})
}

// createRoomAs creates a room for the signed-in user, or for the owner an application names.
func (s *server) createRoomAs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var body roomSettings
	if err := readJSON(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := body.check(); err != nil {
		s.fail(w, r, err)
		return
	}
	var owner store.UserID
	if app, ok := auth.AppFrom(ctx); ok {
		if body.Owner == nil || body.Owner.Subject == "" {
			s.fail(w, r, badRequest("invalid_request", "An application must name the room's owner: owner.subject."))
			return
		}
		u, err := s.userBySubject(ctx, body.Owner.Subject, body.Owner.Name, body.Owner.Email)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		owner = u.ID
		s.p.Log.Info("room created by an application", "app", app.ID, "owner", owner)
	} else {
		id, _ := auth.IdentityFrom(ctx)
		owner = id.UserID
	}
	rm := store.Room{OwnerID: owner, Access: store.AccessTrusted, CreatedAt: time.Now().UTC(), UsedAt: time.Now().UTC()}
	if body.Name != nil {
		rm.Name = strings.TrimSpace(*body.Name)
	}
	if body.Access != nil {
		rm.Access = *body.Access
	}
	if wait, ok := s.rooms.allow(owner, time.Now()); !ok {
		retryAfter(w, wait)
		s.fail(w, r, errRoomRate)
		return
	}
	s.rooms.create.Lock()
	err := s.createOwned(ctx, &rm)
	s.rooms.create.Unlock()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.p.Log.Info("meeting created", "room", rm.Code, "owner", owner, "access", rm.Access)
	writeJSON(w, http.StatusCreated, s.roomJSON(r, rm, store.RoleOwner))
}

// createOwned stores rm under a new code, within the owner's quota. s.rooms.create must be held.
func (s *server) createOwned(ctx context.Context, rm *store.Room) error {
	if limit := s.p.RoomLimits.MaxPerUser; limit > 0 {
		n, err := owned(ctx, s.p.Access.Store, rm.OwnerID)
		if err != nil {
			return err
		}
		if n >= limit {
			return errRoomQuota(n)
		}
	}
	var err error
	for range 5 {
		rm.Code = room.NewCode()
		if err = s.p.Access.Store.CreateRoom(ctx, *rm); !errors.Is(err, store.ErrExists) {
			break
		}
	}
	return err
}

// userBySubject finds the user the identity provider knows as subject, recording them if they
// never signed in.
func (s *server) userBySubject(ctx context.Context, subject, name, email string) (store.User, error) {
	st := s.p.Access.Store
	u, err := st.UserBySubject(ctx, s.p.Access.Issuer, subject)
	if errors.Is(err, store.ErrNotFound) {
		return st.SaveUser(ctx, store.User{Issuer: s.p.Access.Issuer, Subject: subject, Name: name, Email: email, SeenAt: time.Now()})
	}
	return u, err
}

func (s *server) listRooms(w http.ResponseWriter, r *http.Request) {
	s.appOrUser(auth.ScopeRoomsRead, s.listRoomsAs).ServeHTTP(w, r)
}

func (s *server) listRoomsAs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := s.p.Access.Store
	var user store.UserID
	if _, ok := auth.AppFrom(ctx); ok {
		sub := r.URL.Query().Get("subject")
		if sub == "" {
			s.fail(w, r, badRequest("invalid_request", "Name the user with ?subject=."))
			return
		}
		u, err := st.UserBySubject(ctx, s.p.Access.Issuer, sub)
		if errors.Is(err, store.ErrNotFound) {
			err = errUserNotFound
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		user = u.ID
	} else {
		id, _ := auth.IdentityFrom(ctx)
		user = id.UserID
	}
	rooms, err := st.UserRooms(ctx, user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]RoomJSON, 0, len(rooms))
	for _, rm := range rooms {
		role, err := st.Role(ctx, rm.Code, user)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out = append(out, s.roomJSON(r, rm, role))
	}
	writeJSON(w, http.StatusOK, map[string][]RoomJSON{"rooms": out})
}

// lookup returns the room of the request's {code}.
func (s *server) lookup(r *http.Request) (store.Room, error) {
	code := r.PathValue("code")
	if !room.ValidCode(code) {
		return store.Room{}, errRoomNotFound
	}
	rm, err := s.p.Access.Store.Room(r.Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		return rm, errRoomNotFound
	}
	return rm, err
}

func (s *server) getRoom(w http.ResponseWriter, r *http.Request) {
	rm, err := s.lookup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	role := store.RoleNone
	if id, err := s.p.Access.Auth.Identify(r); err == nil {
		if role, err = s.p.Access.Store.Role(r.Context(), rm.Code, id.UserID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	out := s.roomJSON(r, rm, role)
	if role != store.RoleOwner && role != store.RoleAdmin {
		out.OwnerID = ""
	}
	writeJSON(w, http.StatusOK, out)
}

// moderated returns the room of the request if the signed-in user moderates it.
func (s *server) moderated(r *http.Request) (store.Room, store.Role, error) {
	rm, err := s.lookup(r)
	if err != nil {
		return rm, "", err
	}
	id, _ := auth.IdentityFrom(r.Context())
	role, err := s.p.Access.Store.Role(r.Context(), rm.Code, id.UserID)
	if err != nil {
		return rm, "", err
	}
	if role != store.RoleOwner && role != store.RoleAdmin {
		return rm, role, errForbidden
	}
	return rm, role, nil
}

func (s *server) updateRoom(w http.ResponseWriter, r *http.Request) {
	rm, role, err := s.moderated(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body roomSettings
	if err := readJSON(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := body.check(); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.Name != nil {
		rm.Name = strings.TrimSpace(*body.Name)
	}
	if body.Access != nil {
		rm.Access = *body.Access
	}
	if err := s.p.Access.Store.UpdateRoom(r.Context(), rm.Code, rm.Name, rm.Access); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.roomJSON(r, rm, role))
}

// MemberJSON is someone with a role on a room.
type MemberJSON struct {
	UserID store.UserID `json:"user_id"`
	Name   string       `json:"name"`
	Email  string       `json:"email"`
	Role   store.Role   `json:"role"`
}

func (s *server) listRoles(w http.ResponseWriter, r *http.Request) {
	rm, _, err := s.moderated(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.p.Access.Store.Members(r.Context(), rm.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]MemberJSON, 0, len(ms))
	for _, m := range ms {
		u, err := s.p.Access.Store.User(r.Context(), m.UserID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out = append(out, MemberJSON{UserID: m.UserID, Name: u.Name, Email: u.Email, Role: m.Role})
	}
	writeJSON(w, http.StatusOK, map[string][]MemberJSON{"members": out})
}

func (s *server) setRole(w http.ResponseWriter, r *http.Request) {
	rm, _, err := s.moderated(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body struct {
		Role store.Role `json:"role"`
	}
	if err := readJSON(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.Role != store.RoleAdmin && body.Role != store.RoleMember {
		s.fail(w, r, badRequest("invalid_request", "role must be administrator or member."))
		return
	}
	s.roleResult(w, r, s.p.Access.Store.SetRole(r.Context(), rm.Code, store.UserID(r.PathValue("user")), body.Role))
}

func (s *server) removeRole(w http.ResponseWriter, r *http.Request) {
	rm, _, err := s.moderated(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.roleResult(w, r, s.p.Access.Store.RemoveRole(r.Context(), rm.Code, store.UserID(r.PathValue("user"))))
}

func (s *server) roleResult(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, store.ErrIsOwner):
		s.fail(w, r, &auth.Error{Status: http.StatusForbidden, Code: "forbidden", Message: "The owner's role cannot be changed."})
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, errUserNotFound)
	default:
		s.fail(w, r, err)
	}
}

// JoinJSON is the answer of POST /api/v1/rooms/{code}/join.
type JoinJSON struct {
	Token     string     `json:"token"`
	Access    string     `json:"access"` // "direct" or "lobby"
	ExpiresAt time.Time  `json:"expires_at"`
	Name      string     `json:"name"`
	SignedIn  bool       `json:"signed_in"`
	Role      store.Role `json:"role"`
	Room      RoomJSON   `json:"room"`
}

func (s *server) join(w http.ResponseWriter, r *http.Request) {
	if !s.joins.allow(clientIP(r)) {
		s.fail(w, r, errRateLimited)
		return
	}
	rm, err := s.lookup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	g := auth.JoinGrant{Room: rm.Code}
	role := store.RoleNone
	id, err := s.p.Access.Auth.Identify(r)
	switch {
	case err == nil:
		g.Subject, g.Name, g.Email = string(id.UserID), id.Name, id.Email
		if role, err = s.p.Access.Store.Role(ctx, rm.Code, id.UserID); err != nil {
			s.fail(w, r, err)
			return
		}
	case auth.AsError(err) == auth.ErrInternal:
		s.fail(w, r, err)
		return
	default: // a guest
		var body struct {
			Name string `json:"name"`
		}
		if err := readJSON(r, &body); err != nil {
			s.fail(w, r, err)
			return
		}
		name, err := signal.CleanName(body.Name)
		if err != nil {
			s.fail(w, r, badRequest("invalid_name", "Give a name of 1 to 64 characters."))
			return
		}
		g.Subject, g.Name, g.Guest = s.guestID(w, r), name, true
	}
	adm := auth.Admit(rm.Access, role, !g.Guest)
	moderator := role == store.RoleOwner || role == store.RoleAdmin
	if !moderator && s.p.Rooms.LockedOut(rm.Code, g.Subject) {
		s.fail(w, r, errRoomLocked)
		return
	}
	g.Permissions = adm.Permissions
	tok, g, err := s.p.Access.Tokens.Issue(g)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := JoinJSON{Token: tok, Access: "lobby", ExpiresAt: g.ExpiresAt.UTC(), Name: g.Name, SignedIn: !g.Guest, Role: role, Room: s.roomJSON(r, rm, role)}
	if !moderator {
		out.Room.OwnerID = ""
	}
	if adm.Direct {
		out.Access = "direct"
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// guestID returns the guest id of this browser, from its cookie, or makes one: a guest keeps
// one id per browser, so that someone removed from a meeting cannot come back by joining again.
func (s *server) guestID(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(guestCookie); err == nil && validGuestID(c.Value) {
		return c.Value
	}
	id := ids.New("GU_")
	http.SetCookie(w, &http.Cookie{
		Name: guestCookie, Value: id, Path: "/api/v1/rooms/", MaxAge: int(guestCookieLife.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || strings.HasPrefix(s.p.PublicURL, "https://"),
	})
	return id
}

func validGuestID(v string) bool {
	rest, ok := strings.CutPrefix(v, "GU_")
	if !ok || len(rest) != 12 {
		return false
	}
	for _, c := range rest {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// addrLimiter rate-limits requests per client address.
type addrLimiter struct {
	mu sync.Mutex // guards the following field
	m  map[string]*rate.Limiter
}

func (l *addrLimiter) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*rate.Limiter{}
	}
	lim := l.m[addr]
	if lim == nil {
		if len(l.m) >= maxLimiterKeys {
			now := time.Now()
			for k, v := range l.m {
				if v.TokensAt(now) >= float64(v.Burst()) {
					delete(l.m, k)
				}
			}
			// Still full (many addresses, each partly used): forget some at random rather
			// than grow without bound; a forgotten address starts again with a full burst.
			for k := range l.m {
				if len(l.m) < maxLimiterKeys {
					break
				}
				delete(l.m, k)
			}
		}
		lim = rate.NewLimiter(rate.Every(joinsPerAddrEvery), joinsPerAddrBurst)
		l.m[addr] = lim
	}
	return lim.Allow()
}
