package loadtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"

	"visio/internal/udpsock"
)

// The floor: a bare relay that does only what any SFU must do per packet. It runs as a child
// process (the load tester's own binary with RelayEnv set), so that its CPU is measured from
// /proc exactly as the server's is. Per packet received it does one SRTP decrypt; then per
// subscriber it rewrites the SSRC, does one SRTP encrypt and one UDP send over loopback, from
// one socket as the SFU's UDP mux does. No RTCP, no pacing, no bookkeeping.

// RelayEnv is the environment variable that makes the load tester's binary run as the floor
// relay (see IsRelayChild).
const RelayEnv = "VISIO_LOADTEST_RELAY"

// relayProfile is the SRTP protection profile pion negotiates between pion peers (its first
// preference), so the floor does the same cryptography as the SFU.
const relayProfile = srtp.ProtectionProfileAeadAes256Gcm

// relaySetup is what the parent sends the relay on its standard input, as one JSON line.
type relaySetup struct {
	Key, Salt []byte       // of the publishers' streams
	Subs      []relaySub   // one per subscriber
	Routes    []relayRoute // which subscribers get each input stream
}

type relaySub struct {
	Key, Salt []byte
	Addr      string
}

type relayRoute struct {
	SSRC uint32
	Out  []relayOut
}

type relayOut struct {
	Sub  int
	SSRC uint32
}

// IsRelayChild reports whether this process was started as the floor relay: the main function
// (or TestMain) should then call RelayMain and exit.
func IsRelayChild() bool { return os.Getenv(RelayEnv) == "1" }

// RelayMain runs the floor relay: it reads its setup from stdin, prints "port N", relays until
// stdin closes, then prints the packet counts as JSON.
func RelayMain(stdin io.Reader, stdout io.Writer) error {
	in := bufio.NewReader(stdin)
	line, err := in.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("relay: read setup: %w", err)
	}
	var setup relaySetup
	if err := json.Unmarshal(line, &setup); err != nil {
		return fmt.Errorf("relay: setup: %w", err)
	}
	dec, err := srtp.CreateContext(setup.Key, setup.Salt, relayProfile)
	if err != nil {
		return err
	}
	type sub struct {
		ctx  *srtp.Context
		addr netip.AddrPort
	}
	subs := make([]sub, len(setup.Subs))
	for i, s := range setup.Subs {
		c, err := srtp.CreateContext(s.Key, s.Salt, relayProfile)
		if err != nil {
			return err
		}
		a, err := netip.ParseAddrPort(s.Addr)
		if err != nil {
			return err
		}
		subs[i] = sub{c, a}
	}
	routes := make(map[uint32][]relayOut, len(setup.Routes))
	for _, r := range setup.Routes {
		routes[r.SSRC] = r.Out
	}
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	// The server's own socket reads and sends: the floor must not pay a cost the server avoids.
	conn, err := udpsock.Wrap(udp, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "port %d\n", conn.LocalAddr().(*net.UDPAddr).Port)
	go func() {
		_, _ = io.Copy(io.Discard, in)
		_ = conn.Close()
	}()
	var received, forwarded, failed uint64
	buf := make([]byte, 1500)
	plain := make([]byte, 1500)
	enc := make([]byte, 1500)
	var hdr, ehdr rtp.Header
	for {
		n, _, err := conn.ReadFromAddrPort(buf)
		if err != nil {
			break
		}
		received++
		p, err := dec.DecryptRTP(plain[:0], buf[:n], &hdr)
		if err != nil || len(p) < 12 {
			failed++
			continue
		}
		for _, o := range routes[hdr.SSRC] {
			binary.BigEndian.PutUint32(p[8:12], o.SSRC)
			s := &subs[o.Sub]
			e, err := s.ctx.EncryptRTP(enc[:0], p, &ehdr)
			if err != nil {
				failed++
				continue
			}
			if _, err := conn.WriteToAddrPort(e, s.addr); err != nil {
				failed++
				continue
			}
			forwarded++
		}
	}
	return json.NewEncoder(stdout).Encode(map[string]uint64{"received": received, "forwarded": forwarded, "failed": failed})
}

// floor is a running floor relay with its publishers' sockets and its subscribers.
type floor struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	out      *bufio.Reader
	relay    netip.AddrPort
	key      []byte
	salt     []byte
	subConns []*net.UDPConn
	received atomic.Uint64 // packets the subscribers received
	wg       sync.WaitGroup

	// The forwarding delay, measured as for the server: publishers note when they send each
	// payload, subscribers decrypt what they receive and look it up, while measuring is set.
	epoch     time.Time
	times     *sendTimes
	measuring atomic.Bool
	mu        sync.Mutex // guards delay
	delay     histogram
}

// floorStream is one input stream of the floor and who receives it.
type floorStream struct {
	ssrc uint32
	subs []int
}

// startFloor starts the relay child process (exe with RelayEnv set) for nSubs subscribers and
// the given streams, and the subscribers' draining goroutines.
func startFloor(ctx context.Context, exe string, args []string, nSubs int, streams []floorStream) (*floor, error) {
	f := &floor{key: randBytes(relayProfileKeyLen()), salt: randBytes(relayProfileSaltLen()), epoch: time.Now(), times: newSendTimes(maphash.MakeSeed())}
	setup := relaySetup{Key: f.key, Salt: f.salt}
	for range nSubs {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			f.closeSubs()
			return nil, err
		}
		_ = c.SetReadBuffer(4 << 20)
		f.subConns = append(f.subConns, c)
		setup.Subs = append(setup.Subs, relaySub{Key: randBytes(relayProfileKeyLen()), Salt: randBytes(relayProfileSaltLen()), Addr: c.LocalAddr().String()})
	}
	for _, s := range streams {
		r := relayRoute{SSRC: s.ssrc}
		for _, sub := range s.subs {
			r.Out = append(r.Out, relayOut{Sub: sub, SSRC: randUint32()})
		}
		setup.Routes = append(setup.Routes, r)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), RelayEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		f.closeSubs()
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		f.closeSubs()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		f.closeSubs()
		return nil, fmt.Errorf("start the floor relay: %w", err)
	}
	f.cmd, f.stdin, f.out = cmd, stdin, bufio.NewReader(stdout)
	data, _ := json.Marshal(setup)
	if _, err := stdin.Write(append(data, '\n')); err != nil {
		f.stop()
		return nil, err
	}
	line, err := f.out.ReadString('\n')
	port, perr := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "port "))
	if err != nil || perr != nil {
		f.stop()
		return nil, fmt.Errorf("the floor relay did not start: %q %v", line, err)
	}
	f.relay = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port))
	for i, c := range f.subConns {
		dec, err := srtp.CreateContext(setup.Subs[i].Key, setup.Subs[i].Salt, relayProfile)
		if err != nil {
			f.stop()
			return nil, err
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			var delay histogram
			defer func() {
				f.mu.Lock()
				f.delay.merge(&delay)
				f.mu.Unlock()
			}()
			buf, plain := make([]byte, 1500), make([]byte, 1500)
			var hdr rtp.Header
			for {
				n, _, err := c.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				f.received.Add(1)
				if !f.measuring.Load() {
					continue
				}
				now := f.now()
				p, err := dec.DecryptRTP(plain[:0], buf[:n], &hdr)
				if err != nil {
					continue
				}
				hl := hdr.MarshalSize()
				if hl > len(p) {
					continue
				}
				if sent, ok := f.times.get(p[hl:]); ok {
					delay.add(time.Duration(now - sent))
				}
			}
		}()
	}
	return f, nil
}

func (f *floor) now() int64 { return int64(time.Since(f.epoch)) }

func (f *floor) pid() int { return f.cmd.Process.Pid }

// publisherEmit returns an emit function that encrypts a publisher's packets and sends them to
// the relay; ssrcs are the SSRCs of its streams (by stream index).
func (f *floor) publisherEmit(ssrcs [numStreams]uint32) (emitFunc, func(), error) {
	ctx, err := srtp.CreateContext(f.key, f.salt, relayProfile)
	if err != nil {
		return nil, nil, err
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, nil, err
	}
	var mu sync.Mutex // the audio and video goroutines share the SRTP context
	plain := make([]byte, 0, 1500)
	enc := make([]byte, 1500)
	emit := func(s int, pkt *rtp.Packet) {
		mu.Lock()
		defer mu.Unlock()
		pkt.SSRC = ssrcs[s]
		pkt.PayloadType = 96
		hl := pkt.Header.MarshalSize()
		plain = plain[:hl]
		if _, err := pkt.Header.MarshalTo(plain); err != nil {
			return
		}
		plain = append(plain, pkt.Payload...)
		f.times.put(pkt.Payload, f.now())
		e, err := ctx.EncryptRTP(enc[:0], plain, nil)
		if err != nil {
			return
		}
		_, _ = conn.WriteToUDPAddrPort(e, f.relay)
	}
	return emit, func() { _ = conn.Close() }, nil
}

// stop ends the relay (closing its stdin) and the subscribers, and returns the relay's counts.
func (f *floor) stop() (forwarded uint64, err error) {
	_ = f.stdin.Close()
	var counts map[string]uint64
	if f.out != nil {
		err = json.NewDecoder(f.out).Decode(&counts)
	}
	if werr := f.cmd.Wait(); werr != nil && err == nil {
		err = werr
	}
	f.closeSubs()
	f.wg.Wait()
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("floor relay: %w", err)
	}
	return counts["forwarded"], nil
}

func (f *floor) closeSubs() {
	for _, c := range f.subConns {
		_ = c.Close()
	}
}

func relayProfileKeyLen() int  { n, _ := relayProfile.KeyLen(); return n }
func relayProfileSaltLen() int { n, _ := relayProfile.SaltLen(); return n }

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

// measureWindow waits d (or until ctx is done) and returns the elapsed time.
func measureWindow(ctx context.Context, d time.Duration) (time.Duration, error) {
	start := time.Now()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return time.Since(start), nil
	case <-ctx.Done():
		return time.Since(start), ctx.Err()
	}
}
