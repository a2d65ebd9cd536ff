package auth

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Error is a refusal: an HTTP status, a stable code for programs and a message safe to show a
// user. The sentinel values below are wrapped with the detail, which goes to logs only.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return "auth: " + e.Code }

// Refusals, by what went wrong.
var (
	ErrTokenInvalid   = &Error{http.StatusUnauthorized, "token_invalid", "This access token is not valid."}
	ErrTokenExpired   = &Error{http.StatusUnauthorized, "token_expired", "This access token has expired: join again."}
	ErrTokenReplayed  = &Error{http.StatusUnauthorized, "token_replayed", "This access token was already used: join again."}
	ErrTokenWrongRoom = &Error{http.StatusForbidden, "token_wrong_room", "This access token is for another meeting."}

	ErrSignedOut      = &Error{http.StatusUnauthorized, "signed_out", "You are not signed in."}
	ErrSessionExpired = &Error{http.StatusUnauthorized, "session_expired", "Your session has expired: sign in again."}
	ErrLoginState     = &Error{http.StatusBadRequest, "signin_expired", "This sign-in took too long, was already used, or was started in another browser: sign in again."}
	ErrLoginRefused   = &Error{http.StatusForbidden, "signin_refused", "The identity provider did not sign you in."}
	ErrLoginFailed    = &Error{http.StatusBadGateway, "signin_failed", "Signing in with the identity provider failed: try again."}
	ErrProviderDown   = &Error{http.StatusBadGateway, "provider_unavailable", "The sign-in service cannot be reached: try again in a moment."}

	ErrNoCredentials  = &Error{http.StatusUnauthorized, "unauthenticated", "This endpoint needs application credentials (Authorization: Bearer or Basic)."}
	ErrBadCredentials = &Error{http.StatusUnauthorized, "invalid_credentials", "These application credentials are not valid."}
	ErrScope          = &Error{http.StatusForbidden, "insufficient_scope", "These application credentials do not allow this."}

	ErrCrossSite = &Error{http.StatusForbidden, "cross_site", "Requests from other sites are refused."}
	ErrInternal  = &Error{http.StatusInternalServerError, "internal", "Something went wrong on the server."}
)

// AsError returns the refusal err wraps, or ErrInternal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrInternal
}

// WriteError answers with the API's error shape, {"error": {"code", "message"}}.
func WriteError(w http.ResponseWriter, err error) {
	e := AsError(err)
	writeJSON(w, e.Status, map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
