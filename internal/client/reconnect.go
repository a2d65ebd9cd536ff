package client

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"visio/internal/signal"
)

// ServerError is an error the server sent that ended the join or the session.
type ServerError struct {
	Code    string
	Message string
}

func (e *ServerError) Error() string { return "server error " + e.Code + ": " + e.Message }

// localTrack is a published track, kept to publish it again after a rejoin.
type localTrack struct {
	track  webrtc.TrackLocal
	source string
}

// reconnector runs the client's reconnections (Options.Reconnect).
type reconnector struct {
	ctx    context.Context // ends with the client
	cancel context.CancelFunc
	wg     sync.WaitGroup
	active bool // a reconnection is under way; guarded by Client.mu
}

func (r *reconnector) init() { r.ctx, r.cancel = context.WithCancel(context.Background()) }

// stop ends a reconnection under way and waits for it.
func (r *reconnector) stop() {
	r.cancel()
	r.wg.Wait()
}

// backoff is the wait before each reconnection attempt, as the browser's.
var backoff = []time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}

// lost is called when the reader of conn ends. If conn was still the client's connection (not
// closed on purpose) and Options.Reconnect is set, the client reconnects in the background,
// unless it is already doing so.
func (c *Client) lost(conn *websocket.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.conn == nil || c.conn != conn {
		return
	}
	c.conn = nil
	if !c.opts.Reconnect || c.rc.active || c.welcome == nil { // before a welcome, knock retries
		return
	}
	c.rc.active = true
	c.rc.wg.Add(1)
	go func() {
		defer c.rc.wg.Done()
		c.reconnect(c.rc.ctx)
		c.mu.Lock()
		c.rc.active = false
		c.mu.Unlock()
	}()
}

// reconnect tries to resume the client's place, then to join again, until one works or the
// client is closed.
func (c *Client) reconnect(ctx context.Context) {
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff[min(i, len(backoff)-1)]):
		}
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		resumed := true
		err := c.Resume(actx)
		var se *ServerError
		if errors.As(err, &se) && se.Code == signal.CodeResumeExpired {
			resumed = false
			err = c.Rejoin(actx)
		}
		cancel()
		if err == nil {
			if c.opts.OnReconnect != nil {
				c.opts.OnReconnect(resumed)
			}
			return
		}
		c.DropSignalling() // a half-made connection; the next attempt starts afresh
	}
}

// Rejoin enters the meeting again as a new participant, as a browser does when its place is
// gone: a fresh join token, new peer connections publishing the same tracks, a new offer.
// Simulcast tracks are not published again.
func (c *Client) Rejoin(ctx context.Context) (err error) {
	c.DropSignalling()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	pub, sub := c.pub, c.sub
	local := c.local
	c.declared, c.local = nil, nil
	c.pub, c.sub = nil, nil
	c.mu.Unlock()
	readded := false
	defer func() {
		if err != nil && !readded { // keep the tracks for the next attempt
			c.mu.Lock()
			c.local = local
			c.mu.Unlock()
		}
	}()
	if pub != nil {
		_ = pub.Close()
		_ = sub.Close()
	}
	if c.opts.ICE == nil {
		if err := c.makeConnections(webrtc.Configuration{}); err != nil {
			return err
		}
	} // else: made on the welcome, with its ICE servers
	tok, terr := RequestToken(ctx, c.opts.HTTP, c.base, c.code, c.name)
	if terr != nil {
		return terr
	}
	c.mu.Lock()
	c.joinToken = tok.Token
	c.mu.Unlock()
	if err := c.connect(ctx, ""); err != nil {
		return err
	}
	readded = true
	return c.republish(ctx, local)
}

// knock connects with the join token and waits for the welcome. With Options.Reconnect, a
// client waiting in the lobby whose connection is lost (its server went away) knocks again by
// itself with a fresh join token, until it is let in, refused, or ctx ends: the node that
// takes the meeting over gives it back its place in the queue.
func (c *Client) knock(ctx context.Context) error {
	for i := 0; ; i++ {
		err := c.connect(ctx, "")
		if err == nil {
			return nil
		}
		c.mu.Lock()
		waited := c.waited
		c.mu.Unlock()
		var se *ServerError
		refused := errors.As(err, &se) && se.Code != signal.CodeServerError // server_error: shutting down, try again
		if !c.opts.Reconnect || !waited || errors.Is(err, ErrDenied) || refused || ctx.Err() != nil {
			return err
		}
		c.DropSignalling()
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff[min(i, len(backoff)-1)]):
		}
		tok, terr := RequestToken(ctx, c.opts.HTTP, c.base, c.code, c.name)
		if terr != nil {
			continue // the server may be between nodes: try again
		}
		c.mu.Lock()
		c.joinToken = tok.Token
		c.mu.Unlock()
	}
}
