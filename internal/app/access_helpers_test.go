package app

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

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

// ownedMeeting starts a server, signs Dominique in, creates a room of the given access level
// and joins her to it as its owner: how most meeting tests begin. It gives the server's address,
// the API client, the room's code, Dominique's HTTP client and her participant.
func ownedMeeting(t *testing.T, access string) (base string, api *webrtc.API, code string, ownerHC *http.Client, owner *participant) {
	t.Helper()
	base = startServer(t)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ownerHC = signIn(t, base, "Dominique")
	code = createRoom(t, ownerHC, base, access)
	owner = joinWith(t, api, base, code, "Dominique", client.Options{HTTP: ownerHC})
	return base, api, code, ownerHC, owner
}

// aliceRoom signs Alice in on base and creates a public room named name for her.
func aliceRoom(ctx context.Context, t testing.TB, base, name string) (owner *http.Client, code string) {
	t.Helper()
	owner, err := client.SignIn(ctx, base, "Alice", "alice@example.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	code, err = client.CreateRoomWith(ctx, owner, base, name, "public")
	if err != nil {
		t.Fatal(err)
	}
	return owner, code
}
