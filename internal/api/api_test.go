package api

import (
	"net/http/httptest"
	"testing"
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
