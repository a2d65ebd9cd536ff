package api

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestMeetingURL: with http.public_url, meeting links never follow the request's Host header;
// without it, a Host that is not a plain host name or address is not copied into links.
func TestMeetingURL(t *testing.T) {
	for _, tc := range []struct{ public, host, want string }{
		{"https://visio.example.gouv.fr/", "attacker.example", "https://visio.example.gouv.fr/abc-defg-hij"},
		{"", "localhost:8080", "http://localhost:8080/abc-defg-hij"},
		{"", "[::1]:8080", "http://[::1]:8080/abc-defg-hij"},
		{"", "evil.example/phish?x=", "http://localhost/abc-defg-hij"},
		{"", "a\"><script>", "http://localhost/abc-defg-hij"},
	} {
		s := &server{p: Params{PublicURL: tc.public}}
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = tc.host
		if got := s.meetingURL(r, "abc-defg-hij"); got != tc.want {
			t.Errorf("public %q, Host %q: %q, want %q", tc.public, tc.host, got, tc.want)
		}
	}
}

// TestNoDirectoryListing: the web app's directories answer 404, never a list of their files;
// files are served.
func TestNoDirectoryListing(t *testing.T) {
	web := fstest.MapFS{
		"index.html":          {Data: []byte("<!doctype html>app")},
		"assets/index-1a2.js": {Data: []byte("console.log(1)")},
		"assets/img/logo.svg": {Data: []byte("<svg/>")},
	}
	h := (&server{p: Params{Web: web}}).webApp()
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/assets/", 404}, {"/assets", 404}, {"/assets/img/", 404}, {"/assets/img", 404},
		{"/assets/index-1a2.js", 200}, {"/", 200}, {"/abc-defg-hij", 200}, {"/nothing.js", 404},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
		if w.Code != tc.status || strings.Contains(w.Body.String(), "index-1a2.js") {
			t.Errorf("GET %s: %d %q, want %d and no listing", tc.path, w.Code, w.Body.String(), tc.status)
		}
	}
}

// TestAddrLimiterBounded: requests from more addresses than are remembered, each partly using
// its burst, do not grow the limiter without bound.
func TestAddrLimiterBounded(t *testing.T) {
	var l addrLimiter
	for i := range maxLimiterKeys + 500 {
		l.allow(fmt.Sprintf("2001:db8::%x", i))
	}
	if n := len(l.m); n > maxLimiterKeys {
		t.Errorf("%d addresses remembered, at most %d", n, maxLimiterKeys)
	}
}
