package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// ErrDenied is returned by Join when the person was not let in from the lobby.
var ErrDenied = errors.New("client: not let in")

// APIError is an error answer of the HTTP API.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message) }

// Token is the answer of POST /api/v1/rooms/{code}/join.
type Token struct {
	Token     string    `json:"token"`
	Access    string    `json:"access"`
	ExpiresAt time.Time `json:"expires_at"`
	Name      string    `json:"name"`
	SignedIn  bool      `json:"signed_in"`
	Role      string    `json:"role"`
}

// Room is a room as the API returns it.
type Room struct {
	Code   string `json:"code"`
	URL    string `json:"url"`
	Name   string `json:"name"`
	Access string `json:"access"`
	Locked bool   `json:"locked"`
	Role   string `json:"role"`
}

// Call sends a JSON request to the API with hc (nil: a cookie-less client) and decodes the
// answer into out (may be nil). Error answers are *APIError.
func Call(ctx context.Context, hc *http.Client, method, url string, body, out any) error {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

// RequestToken asks for a token to join meeting code: as the user signed in on hc, or else as
// a guest called name (hc's cookie jar, if any, keeps the guest's id).
func RequestToken(ctx context.Context, hc *http.Client, base, code, name string) (Token, error) {
	var t Token
	var body any
	if name != "" {
		body = map[string]string{"name": name} // ignored for a signed-in user
	}
	err := Call(ctx, hc, http.MethodPost, base+"/api/v1/rooms/"+code+"/join", body, &t)
	if err != nil {
		return t, fmt.Errorf("join token: %w", err)
	}
	return t, nil
}

// CreateRoomWith creates a room as the user signed in on hc, with a name and an access level
// (public, trusted or restricted; "" for the server's default), and returns its code.
func CreateRoomWith(ctx context.Context, hc *http.Client, base, name, access string) (string, error) {
	body := map[string]string{}
	if name != "" {
		body["name"] = name
	}
	if access != "" {
		body["access"] = access
	}
	var r Room
	if err := Call(ctx, hc, http.MethodPost, base+"/api/v1/rooms", body, &r); err != nil {
		return "", fmt.Errorf("create room: %w", err)
	}
	return r.Code, nil
}

var hiddenID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// SignIn signs in at the server's built-in development sign-in (a server without an identity
// provider or accounts), under name and email, and returns an HTTP client whose cookie jar
// holds the session.
func SignIn(ctx context.Context, base, name, email string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/auth/login?return=/", nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	m := hiddenID.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil || !bytes.Contains(page, []byte(`name="email"`)) {
		return nil, fmt.Errorf("sign in: HTTP %d at %s: not the development sign-in form", resp.StatusCode, resp.Request.URL)
	}
	action, _ := resp.Request.URL.Parse("login")
	form := url.Values{"id": {string(m[1])}, "name": {name}, "email": {email}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sign in: HTTP %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if err := Call(ctx, hc, http.MethodGet, base+"/api/v1/me", nil, nil); err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return hc, nil
}
