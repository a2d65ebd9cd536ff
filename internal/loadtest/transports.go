package loadtest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"visio/internal/client"
)

// Subscriber transports: how receive-only participants reach the server. Publishers always
// send over UDP, so that what differs between transports is the subscribers' share.
const (
	TransportUDP     = "udp"      // direct UDP (the reference)
	TransportTCP     = "tcp"      // ICE over TCP
	TransportTURNUDP = "turn-udp" // the server's relay, reached over UDP
	TransportTURNTCP = "turn-tcp" // the server's relay, reached over TCP
)

var transports = []string{TransportUDP, TransportTCP, TransportTURNUDP, TransportTURNTCP}

// TransportResult is one transport's figures in a comparison (Config.Transports).
type TransportResult struct {
	Transport        string
	ForwardedPerSec  float64
	ServerCPUPercent float64
	CPUPerPacket     time.Duration
	// Ratio is CPUPerPacket over the first transport's (udp) in the same run.
	Ratio       float64
	LossPercent float64
	Warnings    []string
}

// parseTransports reads a comma-separated list of subscriber transports.
func parseTransports(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		ok := false
		for _, k := range transports {
			ok = ok || t == k
		}
		if !ok {
			return nil, fmt.Errorf("%w: transport %q: want %s", ErrBadConfig, t, strings.Join(transports, ", "))
		}
		out = append(out, t)
	}
	return out, nil
}

// subscriberOptions sets how a subscriber joins over transport t: its use of the welcome's relay.
// (Over TCP, its connections are made with r.tcpAPI.)
func (r *runner) subscriberOptions(t string, opts *client.Options) {
	switch t {
	case TransportTURNUDP, TransportTURNTCP:
		suffix := "?transport=" + strings.TrimPrefix(t, "turn-")
		opts.ICE = &client.ICEPolicy{Relay: true, Keep: func(u string) bool {
			return strings.HasPrefix(u, "turn:") && strings.HasSuffix(u, suffix)
		}}
	}
}

// runTransports runs the SFU measurement once per subscriber transport, each on a server of its
// own, and fills rep with the first and rep.Transports with all.
func (r *runner) runTransports(ctx context.Context, rep *Report) error {
	var first time.Duration
	for i, t := range r.cfg.Transports {
		r.transport = t
		r.reg = newRegistry()
		r.phase.Store(phaseWarmup)
		r.logf("subscribers over %s", t)
		one := &Report{Config: r.cfg}
		if err := r.runOnce(ctx, one); err != nil {
			return fmt.Errorf("subscribers over %s: %w", t, err)
		}
		if i == 0 {
			floor := rep.Floor
			*rep = *one
			rep.Floor = floor
			first = one.CPUPerPacket
		}
		res := TransportResult{
			Transport: t, ForwardedPerSec: one.ForwardedPerSec, ServerCPUPercent: one.ServerCPUPercent,
			CPUPerPacket: one.CPUPerPacket, LossPercent: one.LossPercent, Warnings: one.Warnings,
		}
		if first > 0 {
			res.Ratio = float64(one.CPUPerPacket) / float64(first)
		}
		rep.Transports = append(rep.Transports, res)
	}
	return nil
}

// writeTransports prints a transport comparison.
func (rep *Report) writeTransports(w io.Writer) {
	if len(rep.Transports) == 0 {
		return
	}
	for _, t := range rep.Transports {
		fmt.Fprintf(w, "subscribers over %-8s %.2f µs per forwarded packet, x%.2f of %s; %.0f packets/s, server %.1f%% of a core, loss %.3f%%\n",
			t.Transport+":", us(t.CPUPerPacket), t.Ratio, rep.Transports[0].Transport, t.ForwardedPerSec, t.ServerCPUPercent, t.LossPercent)
	}
}
