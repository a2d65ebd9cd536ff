package udpsock

import (
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"syscall"
	"unsafe"
)

func (c *Conn) init() error {
	var domain int
	var serr error
	if err := c.rc.Control(func(fd uintptr) {
		domain, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_DOMAIN)
	}); err != nil {
		return err
	}
	if serr != nil {
		return os.NewSyscallError("getsockopt", serr)
	}
	c.v6 = domain == syscall.AF_INET6
	return nil
}

// op is one read or send: its function is handed to syscall.RawConn.Read or Write, which call
// it with the socket held open, and wait for the socket to be ready when it returns false (a
// read only: a send never waits). Ops are pooled, so that reads and sends allocate nothing.
type op struct {
	send    bool
	b       []byte
	sa      syscall.RawSockaddrAny // the destination of a send, the source of a read
	salen   uint32
	n       int
	errno   syscall.Errno
	dropped bool // a send found the send buffer full
	fn      func(fd uintptr) bool
}

var ops = sync.Pool{New: func() any {
	o := &op{}
	o.fn = o.run
	return o
}}

func getOp(send bool, b []byte) *op {
	o := ops.Get().(*op)
	o.send, o.b, o.n, o.errno, o.dropped = send, b, 0, 0, false
	return o
}

func (o *op) put() {
	o.b = nil
	ops.Put(o)
}

func (o *op) run(fd uintptr) bool {
	var p unsafe.Pointer
	if len(o.b) > 0 {
		p = unsafe.Pointer(&o.b[0])
	}
	for {
		var r uintptr
		var e syscall.Errno
		if o.send {
			r, _, e = syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(p), uintptr(len(o.b)), 0,
				uintptr(unsafe.Pointer(&o.sa)), uintptr(o.salen))
		} else {
			o.salen = syscall.SizeofSockaddrAny
			r, _, e = syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(p), uintptr(len(o.b)), 0,
				uintptr(unsafe.Pointer(&o.sa)), uintptr(unsafe.Pointer(&o.salen)))
		}
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN && o.send:
			o.n, o.dropped = len(o.b), true
			return true
		case e == syscall.EAGAIN:
			return false
		}
		o.n, o.errno = int(r), e
		return true
	}
}

// WriteToAddrPort sends one datagram to addr, or drops it if the socket's send buffer is full.
func (c *Conn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	ip := addr.Addr()
	if !addr.IsValid() || ip.Zone() != "" || (!c.v6 && !ip.Unmap().Is4()) {
		// Zoned IPv6 (the interface is named), or a destination the socket cannot reach: the
		// standard library sends it, or says what is wrong.
		return c.UDPConn.WriteToUDPAddrPort(b, addr)
	}
	o := getOp(true, b)
	port := addr.Port()
	if c.v6 {
		sa := (*syscall.RawSockaddrInet6)(unsafe.Pointer(&o.sa))
		*sa = syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: ip.As16()}
		pp := (*[2]byte)(unsafe.Pointer(&sa.Port))
		pp[0], pp[1] = byte(port>>8), byte(port)
		o.salen = syscall.SizeofSockaddrInet6
	} else {
		sa := (*syscall.RawSockaddrInet4)(unsafe.Pointer(&o.sa))
		*sa = syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: ip.Unmap().As4()}
		pp := (*[2]byte)(unsafe.Pointer(&sa.Port))
		pp[0], pp[1] = byte(port>>8), byte(port)
		o.salen = syscall.SizeofSockaddrInet4
	}
	err := c.rc.Write(o.fn)
	n, errno := o.n, o.errno
	if o.dropped && c.onDrop != nil {
		c.onDrop()
	}
	o.put()
	if err == nil && errno != 0 {
		err = os.NewSyscallError("sendto", errno)
	}
	if err != nil {
		return 0, &net.OpError{Op: "write", Net: "udp", Source: c.LocalAddr(), Addr: net.UDPAddrFromAddrPort(addr), Err: err}
	}
	return n, nil
}

// ReadFromAddrPort reads one datagram and returns its sender (it implements pion's
// ice.AddrPortReaderWriter, so that ICE uses it).
func (c *Conn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	o := getOp(false, b)
	err := c.rc.Read(o.fn)
	n, errno := o.n, o.errno
	var from netip.AddrPort
	if err == nil && errno == 0 {
		from = addrPort(&o.sa)
	}
	o.put()
	if err == nil && errno != 0 {
		err = os.NewSyscallError("recvfrom", errno)
	}
	if err != nil {
		return 0, netip.AddrPort{}, &net.OpError{Op: "read", Net: "udp", Source: c.LocalAddr(), Err: err}
	}
	return n, from, nil
}

// addrPort converts a socket address filled in by the kernel.
func addrPort(sa *syscall.RawSockaddrAny) netip.AddrPort {
	switch sa.Addr.Family {
	case syscall.AF_INET:
		sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		pp := (*[2]byte)(unsafe.Pointer(&sa4.Port))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), uint16(pp[0])<<8|uint16(pp[1]))
	case syscall.AF_INET6:
		sa6 := (*syscall.RawSockaddrInet6)(unsafe.Pointer(sa))
		pp := (*[2]byte)(unsafe.Pointer(&sa6.Port))
		ip := netip.AddrFrom16(sa6.Addr)
		if sa6.Scope_id != 0 {
			ip = ip.WithZone(strconv.FormatUint(uint64(sa6.Scope_id), 10))
		}
		return netip.AddrPortFrom(ip, uint16(pp[0])<<8|uint16(pp[1]))
	}
	return netip.AddrPort{}
}
