package app

import (
	"net/http"
	"strings"
	"testing"

	"visio/internal/config"
)

// TestTrustedProxy: behind a proxy the server trusts, the join limit counts each client the
// proxy names; without that setting, a client naming itself another address in
// X-Forwarded-For is still counted under its own.
func TestTrustedProxy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []string
		want    int // status of a join from a fresh forwarded address once the first is spent
	}{
		{"trusted", []string{"127.0.0.1", "::1"}, http.StatusOK},
		{"not trusted", nil, http.StatusTooManyRequests},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := startServer(t, func(c *config.Config) { c.HTTP.TrustedProxies = tc.trusted })
			code := newRoom(t, base)
			join := func(forwarded string) int {
				req, err := http.NewRequest(http.MethodPost, base+"/api/v1/rooms/"+code+"/join", strings.NewReader(`{"name":"Invité"}`))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", forwarded)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			limited := false
			for i := 0; i < 1000 && !limited; i++ {
				limited = join("203.0.113.1") == http.StatusTooManyRequests
			}
			if !limited {
				t.Fatal("1,000 joins from one address were never limited")
			}
			if got := join("203.0.113.2"); got != tc.want {
				t.Errorf("join from another forwarded address: %d, want %d", got, tc.want)
			}
		})
	}
}
