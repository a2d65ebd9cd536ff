package turn

import "errors"

var (
	// ErrMalformedUsername is a TURN user name not of the form "expiry:user".
	ErrMalformedUsername = errors.New("turn: user name is not expiry:user")
	// ErrExpired is TURN credentials past their expiry.
	ErrExpired = errors.New("turn: credentials expired")
	// ErrQuota is an allocation refused because its user, or the node, holds the most allowed.
	ErrQuota = errors.New("turn: allocation quota reached")
	// ErrTCPRelay is a TCP relay asked for (RFC 6062): this relay carries UDP only.
	ErrTCPRelay = errors.New("turn: TCP relays are not offered")
	// ErrNoPeers is a relay configured with no media address to relay to.
	ErrNoPeers = errors.New("turn: no media address to relay to")
	// ErrClosed is returned by a closed listener.
	ErrClosed = errors.New("turn: closed")
)
