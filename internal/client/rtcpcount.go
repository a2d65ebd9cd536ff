package client

import (
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// RTCPCounters counts the RTCP feedback of every connection of an API (see APIOptions): the
// retransmission requests (RFC 4585 generic NACK) and keyframe requests (RFC 4585 PLI, RFC 5104
// FIR) sent and received. It is an interceptor.Factory; all methods are safe for concurrent use.
type RTCPCounters struct {
	NACKsSent, NACKedPacketsSent, PLIsSent, FIRsSent atomic.Int64
	NACKsRecv, NACKedPacketsRecv, PLIsRecv, FIRsRecv atomic.Int64
}

var _ interceptor.Factory = (*RTCPCounters)(nil)

// NewInterceptor implements interceptor.Factory.
func (c *RTCPCounters) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &rtcpCounter{c: c}, nil
}

type rtcpCounter struct {
	interceptor.NoOp
	c *RTCPCounters
}

func (r *rtcpCounter) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := reader.Read(b, a)
		if err != nil {
			return n, a, err
		}
		if a == nil {
			a = interceptor.Attributes{}
		}
		if pkts, perr := a.GetRTCPPackets(b[:n]); perr == nil {
			r.count(pkts, &r.c.NACKsRecv, &r.c.NACKedPacketsRecv, &r.c.PLIsRecv, &r.c.FIRsRecv)
		}
		return n, a, nil
	})
}

func (r *rtcpCounter) BindRTCPWriter(writer interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		r.count(pkts, &r.c.NACKsSent, &r.c.NACKedPacketsSent, &r.c.PLIsSent, &r.c.FIRsSent)
		return writer.Write(pkts, a)
	})
}

func (r *rtcpCounter) count(pkts []rtcp.Packet, nacks, nacked, plis, firs *atomic.Int64) {
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.TransportLayerNack:
			nacks.Add(1)
			for _, pair := range p.Nacks {
				nacked.Add(int64(len(pair.PacketList())))
			}
		case *rtcp.PictureLossIndication:
			plis.Add(1)
		case *rtcp.FullIntraRequest:
			firs.Add(1)
		}
	}
}
