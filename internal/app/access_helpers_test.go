package app

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"visio/internal/client"
)

// guestToken asks for a guest's join token.
func guestToken(t testing.TB, base, code, name string) string {
	t.Helper()
	tok, err := client.RequestToken(context.Background(), nil, base, code, name)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

// signIn signs in at the development sign-in and returns the signed-in HTTP client.
func signIn(t testing.TB, base, name string) *http.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hc, err := client.SignIn(ctx, base, name, name+"@example.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hc.CloseIdleConnections)
	return hc
}

// createRoom creates a room with the given access level as the user signed in on hc.
func createRoom(t testing.TB, hc *http.Client, base, access string) string {
	t.Helper()
	code, err := client.CreateRoomWith(context.Background(), hc, base, "Réunion", access)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// apiCode returns the error code of an API error, or "".
func apiCode(err error) string {
	var e *client.APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
