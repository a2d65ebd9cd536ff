package api

import (
	"errors"
	"net/http"
	"strings"

	"visio/internal/auth"
	"visio/internal/store"
)

// Adding a member by e-mail address, for the room settings: owners know their colleagues by
// address, the roles endpoints name them by user id.

// maxEmail is the longest e-mail address accepted (RFC 5321 path limit).
const maxEmail = 254

var (
	errNeverSignedIn = &auth.Error{Status: http.StatusNotFound, Code: "user_not_found",
		Message: "Nobody with this e-mail address has signed in yet: they must sign in once before being given a role."}
	errIsOwner = &auth.Error{Status: http.StatusForbidden, Code: "forbidden", Message: "The owner's role cannot be changed."}
)

// routeMembers adds POST /api/v1/rooms/{code}/members.
func (s *server) routeMembers(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/rooms/{code}/members", s.p.Access.Auth.RequireSignIn(http.HandlerFunc(s.addMember)))
}

// addMember gives the user with an e-mail address a role on the room: {email, role}.
func (s *server) addMember(w http.ResponseWriter, r *http.Request) {
	rm, _, err := s.moderated(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body struct {
		Email string     `json:"email"`
		Role  store.Role `json:"role"`
	}
	if err := readJSON(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	body.Email = strings.TrimSpace(body.Email)
	if body.Email == "" || len(body.Email) > maxEmail || !strings.Contains(body.Email, "@") {
		s.fail(w, r, badRequest("invalid_request", "email must be an e-mail address."))
		return
	}
	if body.Role != store.RoleAdmin && body.Role != store.RoleMember {
		s.fail(w, r, badRequest("invalid_request", "role must be administrator or member."))
		return
	}
	finder, ok := s.p.Access.Store.(store.UserFinder)
	if !ok {
		s.fail(w, r, errors.New("the store cannot find users by e-mail address"))
		return
	}
	u, err := finder.UserByEmail(r.Context(), body.Email)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, errNeverSignedIn)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch err := s.p.Access.Store.SetRole(r.Context(), rm.Code, u.ID, body.Role); {
	case errors.Is(err, store.ErrIsOwner):
		s.fail(w, r, errIsOwner)
	case err != nil:
		s.fail(w, r, err)
	default:
		writeJSON(w, http.StatusOK, MemberJSON{UserID: u.ID, Name: u.Name, Email: u.Email, Role: body.Role})
	}
}
