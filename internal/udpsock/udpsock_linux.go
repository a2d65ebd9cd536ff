package udpsock

import (
	"errors"
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

// sendOp is one send: its function is handed to syscall.RawConn.Write, which calls it with the
// socket held open, and waits for the socket to be writable when it returns false. Ops are
// pooled, so that a send allocates nothing.
type sendOp struct {
	b     []byte
	sa4   syscall.RawSockaddrInet4
	sa6   syscall.RawSockaddrInet6
	v6    bool
	n     int
	errno syscall.Errno
	fn    func(fd uintptr) bool
}

var ops = sync.Pool{New: func() any {
	op := &sendOp{}
	op.fn = op.send
	return op
}}

func (op *sendOp) send(fd uintptr) bool {
	var p unsafe.Pointer
	if len(op.b) > 0 {
		p = unsafe.Pointer(&op.b[0])
	}
	for {
		var r uintptr
		var e syscall.Errno
		if op.v6 {
			r, _, e = syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(p), uintptr(len(op.b)), 0,
				uintptr(unsafe.Pointer(&op.sa6)), syscall.SizeofSockaddrInet6)
		} else {
			r, _, e = syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(p), uintptr(len(op.b)), 0,
				uintptr(unsafe.Pointer(&op.sa4)), syscall.SizeofSockaddrInet4)
		}
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		op.n, op.errno = int(r), e
		return true
	}
}

// WriteToAddrPort sends one datagram to addr.
func (c *Conn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	ip := addr.Addr()
	if !addr.IsValid() || ip.Zone() != "" || (!c.v6 && !ip.Unmap().Is4()) {
		// Zoned IPv6 (the interface is named), or a destination the socket cannot reach: the
		// standard library sends it, or says what is wrong.
		return c.UDPConn.WriteToUDPAddrPort(b, addr)
	}
	op := ops.Get().(*sendOp)
	op.b, op.v6, op.n, op.errno = b, c.v6, 0, 0
	port := addr.Port()
	if c.v6 {
		op.sa6 = syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: ip.As16()}
		pp := (*[2]byte)(unsafe.Pointer(&op.sa6.Port))
		pp[0], pp[1] = byte(port>>8), byte(port)
	} else {
		op.sa4 = syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: ip.Unmap().As4()}
		pp := (*[2]byte)(unsafe.Pointer(&op.sa4.Port))
		pp[0], pp[1] = byte(port>>8), byte(port)
	}
	err := c.rc.Write(op.fn)
	n, errno := op.n, op.errno
	op.b = nil
	ops.Put(op)
	if err == nil && errno != 0 {
		err = os.NewSyscallError("sendto", errno)
	}
	if err != nil {
		if errors.Is(err, net.ErrClosed) {
			err = net.ErrClosed
		}
		return 0, &net.OpError{Op: "write", Net: "udp", Source: c.LocalAddr(), Addr: net.UDPAddrFromAddrPort(addr), Err: err}
	}
	return n, nil
}

// recvOp is one read, pooled like sendOp.
type recvOp struct {
	b     []byte
	sa    syscall.RawSockaddrAny
	n     int
	errno syscall.Errno
	fn    func(fd uintptr) bool
}

var recvOps = sync.Pool{New: func() any {
	op := &recvOp{}
	op.fn = op.recv
	return op
}}

func (op *recvOp) recv(fd uintptr) bool {
	var p unsafe.Pointer
	if len(op.b) > 0 {
		p = unsafe.Pointer(&op.b[0])
	}
	for {
		salen := uint32(syscall.SizeofSockaddrAny)
		r, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(p), uintptr(len(op.b)), 0,
			uintptr(unsafe.Pointer(&op.sa)), uintptr(unsafe.Pointer(&salen)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		op.n, op.errno = int(r), e
		return true
	}
}

// ReadFromAddrPort reads one datagram and returns its sender (it implements pion's
// ice.AddrPortReaderWriter, so that ICE uses it).
func (c *Conn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	op := recvOps.Get().(*recvOp)
	op.b, op.n, op.errno = b, 0, 0
	err := c.rc.Read(op.fn)
	n, errno := op.n, op.errno
	var from netip.AddrPort
	if err == nil && errno == 0 {
		from = addrPort(&op.sa)
	}
	op.b = nil
	recvOps.Put(op)
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
