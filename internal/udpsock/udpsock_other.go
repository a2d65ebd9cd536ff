//go:build !linux

package udpsock

import "net/netip"

func (c *Conn) init() error { return nil }

// WriteToAddrPort sends one datagram to addr (the standard library's send, on this system: it
// waits when the send buffer is full).
func (c *Conn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	return c.UDPConn.WriteToUDPAddrPort(b, addr)
}

// ReadFromAddrPort reads one datagram and returns its sender.
func (c *Conn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	return c.UDPConn.ReadFromUDPAddrPort(b)
}
