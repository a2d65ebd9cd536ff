package cluster

import "errors"

var (
	// ErrNoNode means no healthy node can take a room.
	ErrNoNode = errors.New("cluster: no node available")
	// ErrUnreachable means the NATS server could not be reached.
	ErrUnreachable = errors.New("cluster: NATS unreachable")
	// ErrClosed means the cluster membership was closed.
	ErrClosed = errors.New("cluster: closed")
	// ErrBadEntry means a registry entry was unsigned, forged, stale or unreadable.
	ErrBadEntry = errors.New("cluster: bad registry entry")
)
