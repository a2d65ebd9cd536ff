// Package realip finds a request's client address behind the reverse proxies the operator
// trusts.
//
// Behind a TLS-terminating proxy every request comes from the proxy's address, and limits that
// count per client address (joins, signalling connections) would count everyone together. A
// trusted proxy says where the request came from in X-Forwarded-For, appending the address it
// received the request from to the list the client may have started itself. So the list is read
// from the right: addresses of trusted proxies are skipped, and the first other one is the
// client. A client's own X-Forwarded-For (a forged list) is only ever to the left of that, and
// a request that does not come from a trusted proxy keeps its own address whatever it says.
package realip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParsePrefixes parses addresses ("10.0.0.7", "::1") and networks ("10.0.0.0/8").
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a network such as 10.0.0.0/8", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Handler sets each request's RemoteAddr to its client's address (port 0) when it comes from
// one of trusted, then calls next. With no trusted proxies it returns next.
func Handler(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if client, ok := Client(trusted, r); ok {
			r2 := new(http.Request)
			*r2 = *r
			r2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// Client returns the address of the client behind the trusted proxies r came through, and
// false when r did not come from a trusted proxy or names no other address.
func Client(trusted []netip.Prefix, r *http.Request) (netip.Addr, bool) {
	peer, ok := addrOf(r.RemoteAddr)
	if !ok || !contains(trusted, peer) {
		return netip.Addr{}, false
	}
	// Several headers count as one list, in order (RFC 9110 section 5.3).
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// Not written by a proxy we trust (they write addresses): what is left of it
			// cannot be told apart from what the client made up.
			return netip.Addr{}, false
		}
		a = a.Unmap()
		if !contains(trusted, a) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func addrOf(remoteAddr string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
