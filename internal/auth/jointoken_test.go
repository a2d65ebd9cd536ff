package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"visio/internal/auth"
	"visio/internal/store/sqlite"
)

func newJoinTokens(t *testing.T, keys *auth.Keys, c *clock) *auth.JoinTokens {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "visio.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	j, err := auth.NewJoinTokens(auth.JoinTokensParams{Keys: keys, Lifetime: 2 * time.Minute, Used: db, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

var grant = auth.JoinGrant{Subject: "US_alice", Name: "Alice", Email: "alice@example.fr", Room: "abc-defg-hij",
	Permissions: []auth.Permission{auth.PermPublish, auth.PermSubscribe}}

func TestJoinTokenRoundTrip(t *testing.T) {
	c := &clock{}
	j := newJoinTokens(t, auth.GenerateKeys(), c)
	tok, issued, err := j.Issue(grant)
	if err != nil {
		t.Fatal(err)
	}
	got, err := j.Verify(context.Background(), tok, "abc-defg-hij")
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Subject != grant.Subject || got.Name != grant.Name || got.Email != grant.Email || got.Room != grant.Room ||
		!got.Can(auth.PermPublish) || got.Can(auth.PermModerate) || got.ID != issued.ID || !got.ExpiresAt.Equal(issued.ExpiresAt) {
		t.Fatalf("Verify = %+v, want %+v", got, issued)
	}
}

// TestJoinTokenRefused presents forged, expired, replayed and misdirected tokens: each is
// refused with its own error, and none consumes the genuine token.
func TestJoinTokenRefused(t *testing.T) {
	ctx := context.Background()
	keys := auth.GenerateKeys()
	c := &clock{}
	j := newJoinTokens(t, keys, c)
	other := newJoinTokens(t, auth.GenerateKeys(), c)

	forged, _, _ := other.Issue(grant)
	genuine, _, _ := j.Issue(grant)
	parts := strings.Split(genuine, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"publish"`, `"moderate"`, 1))) + "." + parts[2]
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	// Algorithm confusion: an HMAC-signed token, when only EdDSA is accepted.
	hmacSigner, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, nil)
	hmacTok, _ := jwt.Signed(hmacSigner).Claims(jwt.Claims{Issuer: "visio", Audience: jwt.Audience{"visio:join"}, ID: "x", Expiry: jwt.NewNumericDate(c.Now().Add(time.Minute))}).Claims(grant).Serialize()

	tests := []struct {
		name  string
		token string
		room  string
		want  error
	}{
		{"signed with another key", forged, "abc-defg-hij", auth.ErrTokenInvalid},
		{"payload changed", tampered, "abc-defg-hij", auth.ErrTokenInvalid},
		{"alg none", unsigned, "abc-defg-hij", auth.ErrTokenInvalid},
		{"HMAC instead of EdDSA", hmacTok, "abc-defg-hij", auth.ErrTokenInvalid},
		{"not a token", "hello", "abc-defg-hij", auth.ErrTokenInvalid},
		{"empty", "", "abc-defg-hij", auth.ErrTokenInvalid},
		{"another room", genuine, "zzz-zzzz-zzz", auth.ErrTokenWrongRoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := j.Verify(ctx, tt.token, tt.room)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: err = %v, want %v", err, tt.want)
			}
			if e := auth.AsError(err); e.Code == "" || e.Message == "" || e.Status < 400 {
				t.Fatalf("refusal %+v lacks a code, message or status", e)
			}
		})
	}
	// None of that consumed the genuine token.
	if _, err := j.Verify(ctx, genuine, "abc-defg-hij"); err != nil {
		t.Fatalf("genuine token after the attacks: %v", err)
	}
	if _, err := j.Verify(ctx, genuine, "abc-defg-hij"); !errors.Is(err, auth.ErrTokenReplayed) {
		t.Fatalf("replayed token: err = %v, want ErrTokenReplayed", err)
	}

	late, _, _ := j.Issue(grant)
	c.Advance(2*time.Minute + 6*time.Second) // past expiry and the clock leeway
	if _, err := j.Verify(ctx, late, "abc-defg-hij"); !errors.Is(err, auth.ErrTokenExpired) {
		t.Fatalf("expired token: err = %v, want ErrTokenExpired", err)
	}
}
