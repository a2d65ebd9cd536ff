package turn

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCredentials: issued credentials check out until they expire; malformed, expired and
// forged ones do not.
func TestCredentials(t *testing.T) {
	secret := []byte("secret")
	now := time.Unix(1_800_000_000, 0)
	c := Issue(secret, "p1", now, time.Hour)
	if c.Username != "1800003600:p1" {
		t.Fatalf("user name %q, want 1800003600:p1", c.Username)
	}
	user, pass, err := Check(secret, c.Username, now.Add(59*time.Minute))
	if err != nil || user != "p1" || pass != c.Password {
		t.Fatalf("check: %q %q %v, want p1 and the password", user, pass, err)
	}
	if _, _, err := Check(secret, c.Username, now.Add(time.Hour)); !errors.Is(err, ErrExpired) {
		t.Errorf("at expiry: %v, want ErrExpired", err)
	}
	if _, pass, _ := Check([]byte("other"), c.Username, now); pass == c.Password {
		t.Error("another secret gives the same password")
	}
	forged := strings.Replace(c.Username, "1800003600", "1900000000", 1) // a later expiry, same password
	if _, pass, err := Check(secret, forged, now); err != nil || pass == c.Password {
		t.Errorf("a user name with its expiry changed keeps its password (%v)", err)
	}
	for _, bad := range []string{"", "p1", ":p1", "1800003600:", "18e9:p1", "-1:p1", "1800003600" + strings.Repeat("9", 20) + ":p1", "1800003600:" + strings.Repeat("x", 200)} {
		if _, _, err := Check(secret, bad, now); !errors.Is(err, ErrMalformedUsername) {
			t.Errorf("%q: %v, want ErrMalformedUsername", bad, err)
		}
	}
}

// FuzzCredentials: any user name is parsed without panic; one that parses is checked against
// its expiry, and its password is the one Issue gives.
func FuzzCredentials(f *testing.F) {
	f.Add("1800003600:p1")
	f.Add("0:x")
	f.Add("999999999999:" + strings.Repeat("a", 128))
	f.Add(":")
	f.Fuzz(func(t *testing.T, username string) {
		secret := []byte("secret")
		exp, user, err := ParseUsername(username)
		if err != nil {
			if !errors.Is(err, ErrMalformedUsername) {
				t.Fatalf("%q: %v, not ErrMalformedUsername", username, err)
			}
			return
		}
		if user == "" || len(user) > maxUserLen {
			t.Fatalf("%q: user %q accepted", username, user)
		}
		_, pass, err := Check(secret, username, exp.Add(-time.Second))
		if err != nil {
			t.Fatalf("%q: refused before its expiry: %v", username, err)
		}
		if pass != password(secret, username) {
			t.Fatalf("%q: password differs", username)
		}
		if _, _, err := Check(secret, username, exp); !errors.Is(err, ErrExpired) {
			t.Fatalf("%q: at its expiry: %v", username, err)
		}
	})
}

// FuzzDemux: whatever a client sends first on the HTTPS port, it is sorted without panic, and a
// connection goes to the relay only if it asked for TURN by ALPN or begins with a STUN header.
func FuzzDemux(f *testing.F) {
	f.Add("", []byte("GET / HTTP/1.1\r\n"))
	f.Add("", []byte{0x00, 0x03, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42})
	f.Add("stun.turn", []byte{})
	f.Add("h2", []byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42})
	f.Add("", []byte("PRI * HTTP/2.0"))
	f.Fuzz(func(t *testing.T, alpn string, first []byte) {
		turn := isTURN(alpn, first)
		switch {
		case alpn == alpnTURN && !turn, (alpn == "h2" || alpn == "http/1.1") && turn:
			t.Fatalf("ALPN %q sorted to the relay: %v", alpn, turn)
		case needsSniff(alpn) && turn && (len(first) < 8 || first[0]&0xC0 != 0 || string(first[4:8]) != "\x21\x12\xa4\x42"):
			t.Fatalf("%x sorted to the relay without a STUN header", first)
		}
	})
}
