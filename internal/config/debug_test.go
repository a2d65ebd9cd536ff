package config

import (
	"strings"
	"testing"
)

// TestDebugAddr: the profiling listener is off by default, set by flag or environment, and a
// malformed address is refused with the setting's name.
func TestDebugAddr(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	c, err := Load(nil, getenv)
	if err != nil || c.HTTP.DebugAddr != "" {
		t.Fatalf("default: %q, %v; want off", c.HTTP.DebugAddr, err)
	}
	env["VISIO_HTTP_DEBUG_ADDR"] = "127.0.0.1:6060"
	if c, err = Load(nil, getenv); err != nil || c.HTTP.DebugAddr != "127.0.0.1:6060" {
		t.Fatalf("environment: %q, %v", c.HTTP.DebugAddr, err)
	}
	if c, err = Load([]string{"--debug-addr", "127.0.0.1:6061"}, getenv); err != nil || c.HTTP.DebugAddr != "127.0.0.1:6061" {
		t.Fatalf("flag over environment: %q, %v", c.HTTP.DebugAddr, err)
	}
	if _, err = Load([]string{"--debug-addr", "6060"}, getenv); err == nil || !strings.Contains(err.Error(), "http.debug_addr") {
		t.Fatalf("malformed address: %v; want an error naming http.debug_addr", err)
	}
}

// TestTrustedProxies: none by default, a list from the environment, and an entry that is not an
// address or network is refused with the setting's name.
func TestTrustedProxies(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	c, err := Load(nil, getenv)
	if err != nil || len(c.HTTP.TrustedProxies) != 0 {
		t.Fatalf("default: %q, %v; want none", c.HTTP.TrustedProxies, err)
	}
	env["VISIO_HTTP_TRUSTED_PROXIES"] = "10.0.0.0/8, 192.0.2.1"
	if c, err = Load(nil, getenv); err != nil || len(c.HTTP.TrustedProxies) != 2 {
		t.Fatalf("environment: %q, %v", c.HTTP.TrustedProxies, err)
	}
	env["VISIO_HTTP_TRUSTED_PROXIES"] = "proxy.example"
	if _, err = Load(nil, getenv); err == nil || !strings.Contains(err.Error(), "http.trusted_proxies") {
		t.Fatalf("a host name: %v; want an error naming http.trusted_proxies", err)
	}
}
