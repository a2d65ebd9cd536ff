package turn

import (
	"net"
	"net/netip"
	"testing"

	pionturn "github.com/pion/turn/v5"
)

// BenchmarkRelayWrite is the relay's own work per packet from a browser to the media port: the
// peer check, the user's bit rate, the count, and the send.
func BenchmarkRelayWrite(b *testing.B) {
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := sink.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	to := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	s := &Server{peers: newPeers([]Peer{{Advertised: to, Local: to}}), quotas: newQuotas(1, 1, 1<<40), metrics: NewMetrics(nil), active: map[netip.AddrPort]string{}}
	r := &relays{srv: s, transport: TransportUDP}
	s.relayIP = netip.MustParseAddr("127.0.0.1")
	pc, _, err := r.AllocatePacketConn(pionturn.AllocateListenerConfig{Network: "udp4", UserID: "u"})
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close()
	payload := make([]byte, 1100)
	dst := net.UDPAddrFromAddrPort(to)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := pc.WriteTo(payload, dst); err != nil {
			b.Fatal(err)
		}
	}
}
