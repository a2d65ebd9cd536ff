package sfu

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"

	"github.com/pion/rtcp"

	"visio/internal/routine"
)

// The engine's periodic media work (RTCP, and layer allocation) runs on one goroutine for all
// peers, every rtcpTick, instead of several goroutines and timers per peer connection: at
// scale, waking a thread costs more than the work it does.

const (
	// rtcpTick is the period of the RTCP work: transport-wide feedback to publishers and NACK
	// retries.
	rtcpTick = 50 * time.Millisecond
	// reportTicks is how many ticks apart each peer's sender and receiver reports (RFC 3550) go:
	// one second. Peers are spread over the ticks.
	reportTicks = 20
	// allocTicks is how many ticks apart each peer's layers are allocated.
	allocTicks = int(allocInterval / rtcpTick)
)

// rtcpLoop is the engine's RTCP goroutine. It sleeps while there are no peers.
type rtcpLoop struct {
	group *routine.Group
	added chan struct{} // a peer was added (buffered: wakes the sleeping loop)

	mu    sync.Mutex // guards peers and next
	peers map[*Peer]int
	next  int
}

func newRTCPLoop() *rtcpLoop {
	l := &rtcpLoop{group: routine.NewGroup(context.Background()), added: make(chan struct{}, 1), peers: map[*Peer]int{}}
	l.group.Go(l.run)
	return l
}

func (l *rtcpLoop) add(p *Peer) {
	l.mu.Lock()
	l.peers[p] = l.next % reportTicks
	l.next++
	l.mu.Unlock()
	select {
	case l.added <- struct{}{}:
	default:
	}
}

func (l *rtcpLoop) remove(p *Peer) {
	l.mu.Lock()
	delete(l.peers, p)
	l.mu.Unlock()
}

func (l *rtcpLoop) close() { l.group.Close() }

func (l *rtcpLoop) run(ctx context.Context) {
	t := time.NewTicker(rtcpTick)
	defer t.Stop()
	type due struct {
		p              *Peer
		reports, alloc bool
	}
	var list []due
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			l.mu.Lock()
			list = list[:0]
			for p, slot := range l.peers {
				list = append(list, due{p, n%reportTicks == slot, n%allocTicks == slot%allocTicks})
			}
			idle := len(l.peers) == 0
			l.mu.Unlock()
			if idle {
				// Nothing to do until a peer joins: an idle server does not wake up.
				t.Stop()
				select {
				case <-ctx.Done():
					return
				case <-l.added:
				}
				t.Reset(rtcpTick)
				continue
			}
			for _, d := range list {
				d.p.rtcpTick(now, d.reports)
				if d.p.kicked.Swap(false) || d.alloc {
					d.p.allocate(now)
				}
			}
			clear(list)
		}
	}
}

// rtcpTick sends the peer's periodic RTCP: to the publisher connection, transport-wide
// feedback, NACK retries and (with reports) receiver reports; to the subscriber connection
// (with reports) sender reports. It runs on the engine's RTCP goroutine only.
func (p *Peer) rtcpTick(now time.Time, reports bool) {
	pkts := p.rtcpBuf[:0]
	pkts = append(pkts, p.feedback.feedback()...)
	p.mu.Lock()
	tracks := p.trackBuf[:0]
	for _, t := range p.published {
		tracks = append(tracks, t)
	}
	p.mu.Unlock()
	var rr *rtcp.ReceiverReport
	for _, t := range tracks {
		for _, l := range t.layerList() {
			if l == nil {
				continue
			}
			if l.recv.nack {
				p.seqBuf = l.recv.retry(now, p.seqBuf[:0])
				if len(p.seqBuf) > 0 {
					p.metrics.NACKsSent.Add(float64(len(p.seqBuf)))
					pkts = append(pkts, nackPacket(p.rtcpSSRC, l.recv.ssrc, p.seqBuf))
				}
			}
			if !reports {
				continue
			}
			if r, ok := l.recv.report(now); ok {
				if rr == nil || len(rr.Reports) == 31 {
					rr = &rtcp.ReceiverReport{SSRC: p.rtcpSSRC}
					pkts = append(pkts, rr)
				}
				rr.Reports = append(rr.Reports, r)
			}
		}
	}
	clear(tracks)
	p.trackBuf = tracks
	if err := writeRTCP(p.pub, pkts); err != nil {
		p.log.Debug("send RTCP to publisher", "err", err)
	}
	clear(pkts)
	pkts = pkts[:0]
	p.rtcpBuf = pkts

	if !reports {
		return
	}
	p.negMu.Lock()
	downs := p.downBuf[:0]
	for _, s := range p.subs {
		downs = append(downs, s.down)
	}
	p.negMu.Unlock()
	for _, d := range downs {
		if sr, ok := d.senderReport(now); ok {
			pkts = append(pkts, sr)
		}
	}
	clear(downs)
	p.downBuf = downs
	if err := writeRTCP(p.sub, pkts); err != nil {
		p.log.Debug("send RTCP to subscriber", "err", err)
	}
	clear(pkts)
	p.rtcpBuf = pkts[:0]
}

// maxRTCPSize bounds one compound RTCP packet, so that it is never fragmented on the way: a
// publisher's transport-wide feedback after a large keyframe, NACKs and a report each fit, and
// are grouped up to this size.
const maxRTCPSize = 1200

// writeRTCP sends pkts on pc in compound packets of at most maxRTCPSize bytes (a single larger
// packet goes alone).
func writeRTCP(pc interface{ WriteRTCP([]rtcp.Packet) error }, pkts []rtcp.Packet) error {
	var firstErr error
	for len(pkts) > 0 {
		n, size := 0, 0
		for n < len(pkts) {
			sz := pkts[n].MarshalSize()
			if n > 0 && size+sz > maxRTCPSize {
				break
			}
			size += sz
			n++
		}
		if err := pc.WriteRTCP(pkts[:n]); err != nil && firstErr == nil {
			firstErr = err
		}
		pkts = pkts[n:]
	}
	return firstErr
}

// ntpTime converts t to the 64-bit NTP format of sender reports (RFC 3550 section 4).
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800 // seconds from 1900 to 1970
	ns := t.UnixNano()
	secs := uint64(ns/1e9) + ntpEpochOffset
	frac := (uint64(ns%1e9) << 32) / 1e9
	return secs<<32 | frac
}

// randomSSRC returns a random SSRC for the server's own RTCP.
func randomSSRC() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}
