package turn

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // HMAC-SHA1 is what the TURN REST API scheme and coturn use
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Credentials are one participant's TURN user name and password, in the time-limited scheme of
// the TURN REST API (draft-uberti-behave-turn-rest-00), which coturn implements as
// use-auth-secret: the user name is "expiry:user" (expiry in Unix seconds), the password
// base64(HMAC-SHA1(secret, user name)). The server checks them with the secret alone: nothing
// is stored, and the secret never reaches the browser.
type Credentials struct {
	Username string
	Password string
	Expires  time.Time
}

// maxUserLen bounds the user part of a user name (a participant id is much shorter).
const maxUserLen = 128

// Issue makes credentials for user, valid until now+lifetime.
func Issue(secret []byte, user string, now time.Time, lifetime time.Duration) Credentials {
	exp := now.Add(lifetime).Truncate(time.Second)
	name := strconv.FormatInt(exp.Unix(), 10) + ":" + user
	return Credentials{Username: name, Password: password(secret, name), Expires: exp}
}

func password(secret []byte, username string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ParseUsername splits a user name "expiry:user" into its expiry and user. It refuses a user
// name that is not of that form, with ErrMalformedUsername.
func ParseUsername(username string) (expiry time.Time, user string, err error) {
	ts, user, ok := strings.Cut(username, ":")
	if !ok || user == "" || len(user) > maxUserLen || ts == "" || len(ts) > 12 {
		return time.Time{}, "", fmt.Errorf("%w: %q", ErrMalformedUsername, clip(username))
	}
	for _, r := range ts {
		if r < '0' || r > '9' {
			return time.Time{}, "", fmt.Errorf("%w: %q", ErrMalformedUsername, clip(username))
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("%w: %q", ErrMalformedUsername, clip(username))
	}
	return time.Unix(sec, 0), user, nil
}

// Check returns the user and password of username if it is well formed and not expired at now.
// Whether the request was signed with that password is checked by the TURN server (the message
// integrity of RFC 8489 section 9.2).
func Check(secret []byte, username string, now time.Time) (user, pass string, err error) {
	exp, user, err := ParseUsername(username)
	if err != nil {
		return "", "", err
	}
	if !now.Before(exp) {
		return "", "", fmt.Errorf("%w: %s expired at %s", ErrExpired, user, exp.UTC().Format(time.RFC3339))
	}
	return user, password(secret, username), nil
}

// clip shortens what an error repeats of untrusted input.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
