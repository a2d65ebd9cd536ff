// Package udpsock reads and sends UDP datagrams without the Go scheduler's system-call
// bookkeeping.
//
// The standard library enters each read and send as a possibly blocking system call. When the
// process was idle, the first such call wakes the runtime's monitor thread (sysmon), which then
// polls every 20 µs for a millisecond or more, looking for processors held in system calls.
// A media server goes from idle to busy and back hundreds of times a second, one packet at a
// time, and those wake-ups cost it more CPU than its reads and sends. On a non-blocking socket
// neither a read nor a UDP send blocks: Conn makes them as plain system calls, and waits through
// the runtime's network poller, as the standard library does, only when there is nothing to read.
//
// A send finding the socket's buffer full is dropped, and counted, instead of waiting: what the
// kernel does with a datagram when a queue further on is full. For real-time media a packet that
// cannot leave now is late anyway, and the loss tells congestion control to send less; waiting
// would instead stall every goroutine sending on the socket, for every participant, behind the
// slowest queue.
package udpsock

import (
	"net"
	"syscall"
)

// Conn is a UDP socket whose WriteToAddrPort and WriteTo use the lighter send. Reads and
// everything else are those of the embedded *net.UDPConn.
type Conn struct {
	*net.UDPConn
	rc     syscall.RawConn
	v6     bool   // an AF_INET6 socket: IPv4 destinations are sent as IPv4-mapped addresses
	onDrop func() // called for each datagram dropped because the send buffer was full; may be nil
}

// Wrap returns a Conn sending on c. onDrop, if not nil, is called for each datagram dropped
// because the socket's send buffer was full.
func Wrap(c *net.UDPConn, onDrop func()) (*Conn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	conn := &Conn{UDPConn: c, rc: rc, onDrop: onDrop}
	if err := conn.init(); err != nil {
		return nil, err
	}
	return conn, nil
}

// WriteTo sends one datagram to addr, which must be a *net.UDPAddr.
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return c.UDPConn.WriteTo(b, addr)
	}
	return c.WriteToAddrPort(b, ua.AddrPort())
}

// WriteToUDP sends one datagram to addr.
func (c *Conn) WriteToUDP(b []byte, addr *net.UDPAddr) (int, error) {
	return c.WriteToAddrPort(b, addr.AddrPort())
}
