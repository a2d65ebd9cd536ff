package client

import (
	"context"
	"time"

	"github.com/pion/webrtc/v4"

	"visio/internal/signal"
)

// Breakout rooms (docs/protocol.md): the server moves a participant to another room on the
// same connection with a fresh welcome (resumed false). As after a rejoin, the client makes new
// peer connections and publishes the same tracks on them.

// moved handles a fresh welcome on a connection that already had one. It runs on the reading
// goroutine, before the server's offer that follows the welcome, so that the offer reaches
// the new subscriber connection; the tracks are published again in the background.
func (c *Client) moved(w *signal.Welcome) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	pub, sub := c.pub, c.sub
	local := c.local
	c.declared, c.local = nil, nil
	c.id, c.token, c.welcome = w.Participant.ID, w.ResumeToken, w
	c.rc.wg.Add(1)
	c.mu.Unlock()
	defer c.rc.wg.Done()
	cfg := webrtc.Configuration{}
	if c.opts.ICE != nil {
		cfg = iceConfiguration(w, c.opts.ICE)
	}
	if err := c.makeConnections(cfg); err != nil {
		return err
	}
	if pub != nil {
		_ = pub.Close()
		_ = sub.Close()
	}
	if len(local) == 0 {
		return nil
	}
	c.rc.wg.Add(1)
	go func() {
		defer c.rc.wg.Done()
		ctx, cancel := context.WithTimeout(c.rc.ctx, 10*time.Second)
		defer cancel()
		_ = c.republish(ctx, local)
	}()
	return nil
}

// republish publishes local tracks again on new connections (after a rejoin or a move).
func (c *Client) republish(ctx context.Context, local []localTrack) error {
	for _, t := range local {
		if _, err := c.AddTrack(t.track, t.source); err != nil {
			return err
		}
	}
	if len(local) == 0 {
		return nil
	}
	return c.Negotiate(ctx, false)
}

// Breakout sends a breakout request (moderators: open, move, visit, broadcast, close; anyone
// allowed: return). Refusals come back as error messages (Options.OnEvent).
func (c *Client) Breakout(ctx context.Context, msg signal.BreakoutControl) error {
	return c.send(ctx, struct {
		Type string `json:"type"`
		signal.BreakoutControl
	}{"breakout", msg})
}
