package udpsock

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

func listen(t testing.TB, network, addr string) *Conn {
	t.Helper()
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		t.Skipf("no %s socket here: %v", network, err)
	}
	conn, err := Wrap(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// TestRoundTrip: datagrams sent by one Conn arrive whole at another, which sees the sender's
// address, over IPv4, IPv6, and IPv4 sent from a dual-stack socket; a read waits for its
// datagram.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct{ name, network, from, to string }{
		{"ipv4", "udp4", "127.0.0.1:0", "127.0.0.1:0"},
		{"ipv6", "udp6", "[::1]:0", "[::1]:0"},
		{"ipv4 from dual stack", "udp", "[::]:0", "127.0.0.1:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := listen(t, tc.network, tc.from)
			b := listen(t, tc.network, tc.to)
			if tc.network == "udp" {
				b = listen(t, "udp4", tc.to)
			}
			dst := b.LocalAddr().(*net.UDPAddr).AddrPort()
			got := make(chan []byte, 1)
			from := make(chan netip.AddrPort, 1)
			go func() {
				buf := make([]byte, 1500)
				n, src, err := b.ReadFromAddrPort(buf) // waits: nothing is sent yet
				if err != nil {
					t.Error(err)
				}
				got <- buf[:n]
				from <- src
			}()
			time.Sleep(20 * time.Millisecond)
			msg := bytes.Repeat([]byte{0xab}, 1200)
			if n, err := a.WriteToAddrPort(msg, dst); err != nil || n != len(msg) {
				t.Fatalf("write: %d, %v", n, err)
			}
			select {
			case g := <-got:
				if !bytes.Equal(g, msg) {
					t.Fatalf("received %d bytes, want the %d sent", len(g), len(msg))
				}
			case <-time.After(5 * time.Second):
				t.Fatal("nothing received")
			}
			src := <-from
			if src.Port() != a.LocalAddr().(*net.UDPAddr).AddrPort().Port() {
				t.Errorf("sender %v, want port of %v", src, a.LocalAddr())
			}
			// WriteTo takes a *net.UDPAddr too.
			if _, err := a.WriteTo([]byte("x"), net.UDPAddrFromAddrPort(dst)); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 10)
			if n, _, err := b.ReadFromAddrPort(buf); err != nil || string(buf[:n]) != "x" {
				t.Fatalf("second datagram: %q, %v", buf[:n], err)
			}
		})
	}
}

// TestErrors: a closed socket says so, a read deadline ends a wait, and a destination the socket
// cannot reach is refused with the standard library's error.
func TestErrors(t *testing.T) {
	a := listen(t, "udp4", "127.0.0.1:0")
	if err := a.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.ReadFromAddrPort(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read past the deadline: %v, want a deadline error", err)
	}
	if _, err := a.WriteToAddrPort([]byte("x"), netip.MustParseAddrPort("[2001:db8::1]:9")); err == nil {
		t.Error("IPv6 destination from an IPv4 socket: no error")
	}
	if _, err := a.WriteToAddrPort([]byte("x"), netip.AddrPort{}); err == nil {
		t.Error("invalid destination: no error")
	}
	dst := a.LocalAddr().(*net.UDPAddr).AddrPort()
	_ = a.Close()
	if _, err := a.WriteToAddrPort([]byte("x"), dst); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write on a closed socket: %v, want net.ErrClosed", err)
	}
	if _, _, err := a.ReadFromAddrPort(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("read on a closed socket: %v, want net.ErrClosed", err)
	}
}

// TestNoAllocs: a send and a read allocate nothing.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes pools allocate")
	}
	a := listen(t, "udp4", "127.0.0.1:0")
	dst := a.LocalAddr().(*net.UDPAddr).AddrPort()
	msg, buf := make([]byte, 1000), make([]byte, 1500)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := a.WriteToAddrPort(msg, dst); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.ReadFromAddrPort(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per send and read, want 0", allocs)
	}
}

// BenchmarkSend compares a 1,000-byte send over loopback through Conn and through the standard
// library.
func BenchmarkSend(b *testing.B) {
	a := listen(b, "udp4", "127.0.0.1:0")
	sink := listen(b, "udp4", "127.0.0.1:0")
	dst := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	msg := make([]byte, 1000)
	go func() { // keep the receiving socket's buffer from filling
		buf := make([]byte, 1500)
		for {
			if _, _, err := sink.ReadFromAddrPort(buf); err != nil {
				return
			}
		}
	}()
	b.Run("udpsock", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.WriteToAddrPort(msg, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("net", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.UDPConn.WriteToUDPAddrPort(msg, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}
