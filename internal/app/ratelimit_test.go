package app

import (
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"
)

// limitedNet is the real network with a policer on what its sockets receive: packets beyond a
// token bucket of rate bits per second are dropped, as on a congested access link.
type limitedNet struct {
	*stdnet.Net
	mu     sync.Mutex // guards the bucket
	rate   int        // bits per second; 0: unlimited
	tokens float64    // bytes
	last   time.Time
}

func newLimitedNet() (*limitedNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return &limitedNet{Net: n}, nil
}

// setRate changes the cap (0 lifts it).
func (n *limitedNet) setRate(bps int) {
	n.mu.Lock()
	n.rate, n.tokens, n.last = bps, 0, time.Now()
	n.mu.Unlock()
}

// admit reports whether a packet of size bytes fits the bucket (burst: 100 ms of traffic).
func (n *limitedNet) admit(size int) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.rate == 0 {
		return true
	}
	now := time.Now()
	burst := float64(n.rate) / 8 / 10
	n.tokens = min(burst, n.tokens+now.Sub(n.last).Seconds()*float64(n.rate)/8)
	n.last = now
	if n.tokens < float64(size) {
		return false
	}
	n.tokens -= float64(size)
	return true
}

func (n *limitedNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return &limitedConn{UDPConn: c, n: n}, nil
}

func (n *limitedNet) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := n.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	return &limitedPacketConn{PacketConn: c, n: n}, nil
}

type limitedConn struct {
	transport.UDPConn
	n *limitedNet
}

func (c *limitedConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(b)
		if err != nil || c.n.admit(n+28) {
			return n, addr, err
		}
	}
}

func (c *limitedConn) ReadFromUDP(b []byte) (int, *net.UDPAddr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFromUDP(b)
		if err != nil || c.n.admit(n+28) {
			return n, addr, err
		}
	}
}

type limitedPacketConn struct {
	net.PacketConn
	n *limitedNet
}

func (c *limitedPacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil || c.n.admit(n+28) {
			return n, addr, err
		}
	}
}

// limitedAPI is a headless participant's pion API whose sockets go through n.
func limitedAPI(n *limitedNet) (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNet(n)
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" || name == "lo0" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}
