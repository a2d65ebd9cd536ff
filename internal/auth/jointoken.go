package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"visio/internal/ids"
	"visio/internal/store"
)

// Permission is something a participant may do in a meeting.
type Permission string

// Permissions carried by join tokens.
const (
	// PermPublish: send microphone, camera and screen.
	PermPublish Permission = "publish"
	// PermSubscribe: receive the others' media.
	PermSubscribe Permission = "subscribe"
	// PermModerate: admit from the lobby, mute or remove others, change the room's access.
	PermModerate Permission = "moderate"
)

// JoinGrant is what a join token says: who may enter which room, doing what.
type JoinGrant struct {
	// Subject is the user id ("US_...") of a signed-in user, or a guest id ("GU_...").
	Subject string `json:"sub"`
	// Guest is true for someone who did not sign in.
	Guest bool `json:"guest,omitempty"`
	// Name is the display name: for a signed-in user, the name from the identity, which the
	// meeting must show as is.
	Name string `json:"name"`
	// Email is the signed-in user's e-mail address; empty for guests.
	Email string `json:"email,omitempty"`
	// Room is the meeting code.
	Room        string       `json:"room"`
	Permissions []Permission `json:"perms"`

	// ID and ExpiresAt are set by Issue and Verify.
	ID        string    `json:"-"`
	ExpiresAt time.Time `json:"-"`
}

// Can reports whether the grant includes p.
func (g JoinGrant) Can(p Permission) bool { return slices.Contains(g.Permissions, p) }

const (
	joinIssuer   = "visio"
	joinAudience = "visio:join"
	// clockLeeway tolerates clocks of several nodes that differ a little.
	clockLeeway = 5 * time.Second
)

// JoinTokens issues and verifies join tokens: JWTs signed with Ed25519 (EdDSA), valid for a
// short time, each accepted once.
type JoinTokens struct {
	keys     *Keys
	signer   jose.Signer
	lifetime time.Duration
	used     store.TokenIDs
	now      func() time.Time
}

// JoinTokensParams configures NewJoinTokens.
type JoinTokensParams struct {
	Keys *Keys
	// Lifetime is how long a token is valid after it is issued.
	Lifetime time.Duration
	// Used records consumed token ids, so that a token is accepted once, across nodes.
	Used store.TokenIDs
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewJoinTokens returns an issuer and verifier of join tokens.
func NewJoinTokens(p JoinTokensParams) (*JoinTokens, error) {
	if p.Keys == nil || p.Used == nil || p.Lifetime <= 0 {
		return nil, errors.New("auth: join tokens need keys, a token id store and a lifetime")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: p.Keys.sign, KeyID: p.Keys.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("auth: join token signer: %w", err)
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return &JoinTokens{keys: p.Keys, signer: signer, lifetime: p.Lifetime, used: p.Used, now: p.Now}, nil
}

// Issue signs a token for g. It returns the token and g with its ID and expiry set.
func (j *JoinTokens) Issue(g JoinGrant) (string, JoinGrant, error) {
	if g.Subject == "" || g.Room == "" {
		return "", g, errors.New("auth: a join grant needs a subject and a room")
	}
	now := j.now()
	g.ID = ids.Secret()
	g.ExpiresAt = now.Add(j.lifetime).Truncate(time.Second)
	std := jwt.Claims{
		Issuer:    joinIssuer,
		Audience:  jwt.Audience{joinAudience},
		ID:        g.ID,
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		Expiry:    jwt.NewNumericDate(g.ExpiresAt),
	}
	tok, err := jwt.Signed(j.signer).Claims(std).Claims(g).Serialize()
	if err != nil {
		return "", g, fmt.Errorf("auth: sign join token: %w", err)
	}
	return tok, g, nil
}

// Verify checks a token presented to join room and consumes it: the signature, the issuer and
// audience, the validity period, the room, and that it was not used before. The errors wrap
// ErrTokenInvalid, ErrTokenExpired, ErrTokenWrongRoom or ErrTokenReplayed. A token refused for
// any reason but replay is not consumed.
func (j *JoinTokens) Verify(ctx context.Context, token, room string) (JoinGrant, error) {
	var g JoinGrant
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return g, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	}
	var std jwt.Claims
	if err := parsed.Claims(j.keys.sign.Public(), &std, &g); err != nil {
		return g, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	}
	err = std.ValidateWithLeeway(jwt.Expected{Issuer: joinIssuer, AnyAudience: jwt.Audience{joinAudience}, Time: j.now()}, clockLeeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return g, fmt.Errorf("%w: expired at %v", ErrTokenExpired, std.Expiry.Time())
	case err != nil:
		return g, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	case std.ID == "" || std.Expiry == nil || g.Subject == "":
		return g, fmt.Errorf("%w: no id, expiry or subject", ErrTokenInvalid)
	}
	g.ID, g.ExpiresAt = std.ID, std.Expiry.Time()
	if g.Room != room {
		return g, fmt.Errorf("%w: token for %q presented to %q", ErrTokenWrongRoom, g.Room, room)
	}
	// Keep the id a little past expiry, for clocks that differ by the leeway.
	if err := j.used.UseTokenID(ctx, "join:"+g.ID, g.ExpiresAt.Add(clockLeeway)); errors.Is(err, store.ErrAlreadyUsed) {
		return g, fmt.Errorf("%w: id %s", ErrTokenReplayed, g.ID)
	} else if err != nil {
		return g, fmt.Errorf("auth: consume join token: %w", err)
	}
	return g, nil
}
