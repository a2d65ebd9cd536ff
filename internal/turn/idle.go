package turn

import (
	"net"
	"time"
)

// defaultIdleTimeout closes a TURN connection over TCP or TLS that sent nothing for this long.
// A browser's relayed connection is never that quiet (ICE consent checks every few seconds), a
// connection held open to exhaust the server is.
const defaultIdleTimeout = 90 * time.Second

// idleListener gives its connections a read deadline renewed at each read.
type idleListener struct {
	net.Listener
	idle time.Duration
}

func (l idleListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &idleConn{Conn: c, idle: l.idle}, nil
}

// idleConn is a connection whose reads fail once it has been silent for idle.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(b []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(b)
}
