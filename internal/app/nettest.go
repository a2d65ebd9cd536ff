package app

import (
	"context"
	"errors"
	"time"

	"visio/internal/api"
	"visio/internal/ids"
	"visio/internal/sfu"
	"visio/internal/signal"
	"visio/internal/turn"
)

// netTestCredentialLifetime is how long the connection test's relay credentials last.
const netTestCredentialLifetime = 5 * time.Minute

// netTest is the server side of the connection test page: probes on the media ports, and the
// relay's addresses with credentials of the test's own.
type netTest struct {
	engine *sfu.Engine
	relay  *relay
}

var _ api.NetTest = (*netTest)(nil)

// ICEServers returns the relay's addresses with credentials valid a few minutes.
func (n *netTest) ICEServers() any {
	r := n.relay
	if r == nil || len(r.urls) == 0 {
		return []signal.ICEServerJSON{}
	}
	c := turn.Issue(r.secret, "connection-test-"+ids.Secret()[:8], time.Now(), netTestCredentialLifetime)
	return []signal.ICEServerJSON{{URLs: r.urls, Username: c.Username, Credential: c.Password}}
}

// Answer answers a connection test's offer on network.
func (n *netTest) Answer(ctx context.Context, network, offer string) (string, error) {
	answer, err := n.engine.Probe(ctx, network, offer)
	if errors.Is(err, sfu.ErrProbeBusy) {
		return "", api.ErrNetTestBusy
	}
	return answer, err
}
