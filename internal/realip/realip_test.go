package realip

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestClient(t *testing.T) {
	trusted, err := ParsePrefixes([]string{"10.0.0.0/8", "192.0.2.1", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		remote string
		xff    []string
		want   string // RemoteAddr seen by the handler
	}{
		{"direct client, no header", "203.0.113.9:5000", nil, "203.0.113.9:5000"},
		{"direct client forging the header", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9:5000"},
		{"through a trusted proxy", "10.1.2.3:4000", []string{"203.0.113.9"}, "203.0.113.9:0"},
		{"client's forged entry left of the proxy's", "10.1.2.3:4000", []string{"198.51.100.1, 203.0.113.9"}, "203.0.113.9:0"},
		{"two trusted proxies", "192.0.2.1:4000", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9:0"},
		{"headers as one list", "192.0.2.1:4000", []string{"203.0.113.9", "10.9.9.9"}, "203.0.113.9:0"},
		{"IPv6", "[fd00::1]:4000", []string{"2001:db8::7"}, "[2001:db8::7]:0"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.1]:4000", []string{"203.0.113.9"}, "203.0.113.9:0"},
		{"trusted proxy, no header", "10.1.2.3:4000", nil, "10.1.2.3:4000"},
		{"garbage after the client", "10.1.2.3:4000", []string{"203.0.113.9, unknown"}, "10.1.2.3:4000"},
		{"only trusted hops", "10.1.2.3:4000", []string{"10.0.0.5"}, "10.1.2.3:4000"},
		{"untrusted peer next to a trusted one", "192.0.2.2:4000", []string{"203.0.113.9"}, "192.0.2.2:4000"},
	}
	for _, tc := range cases {
		var got string
		h := Handler(trusted, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != tc.want {
			t.Errorf("%s: RemoteAddr %q, want %q", tc.name, got, tc.want)
		}
		if r.RemoteAddr != tc.remote {
			t.Errorf("%s: the caller's request was changed", tc.name)
		}
	}
}

func TestParsePrefixes(t *testing.T) {
	if _, err := ParsePrefixes([]string{"10.0.0.0/8", "::1", "127.0.0.1"}); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"proxy.example", "10.0.0.0/33", ""} {
		if _, err := ParsePrefixes([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestNoTrustedProxies: with none configured, a forwarded address is never believed.
func TestNoTrustedProxies(t *testing.T) {
	var got string
	h := Handler(nil, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "127.0.0.1:4000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "127.0.0.1:4000" {
		t.Errorf("RemoteAddr %q, want the peer's", got)
	}
}

// FuzzClient: whatever the header, the client found is an address written in it and not a
// trusted one, and nothing panics.
func FuzzClient(f *testing.F) {
	trusted, err := ParsePrefixes([]string{"10.0.0.0/8", "fd00::/8"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("10.0.0.1:80", "203.0.113.9")
	f.Add("10.0.0.1:80", "198.51.100.1, 203.0.113.9, 10.0.0.2")
	f.Add("[fd00::1]:80", "2001:db8::1,,fd00::2")
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		a, ok := Client(trusted, r)
		if !ok {
			return
		}
		if contains(trusted, a) {
			t.Fatalf("client %v is a trusted proxy", a)
		}
		for _, hop := range strings.Split(xff, ",") {
			if h, err := netip.ParseAddr(strings.TrimSpace(hop)); err == nil && h.Unmap() == a {
				return
			}
		}
		t.Fatalf("client %v is not in %q", a, xff)
	})
}
