package config

import (
	"strings"
	"testing"
	"time"
)

// TestSocketLimits: the join deadline and the socket caps have defaults, are set from the
// environment, and are refused with the setting's name when they cannot work.
func TestSocketLimits(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	c, err := Load(nil, getenv)
	if err != nil || c.Signal.JoinTimeout.D() != 10*time.Second || c.Signal.MaxSocketsPerAddress != 256 || c.Signal.MaxSockets != 10000 {
		t.Fatalf("defaults: %+v, %v", c.Signal, err)
	}
	env["VISIO_SIGNAL_JOIN_TIMEOUT"] = "3s"
	env["VISIO_SIGNAL_MAX_SOCKETS_PER_ADDRESS"] = "20"
	env["VISIO_SIGNAL_MAX_SOCKETS"] = "50"
	if c, err = Load(nil, getenv); err != nil || c.Signal.JoinTimeout.D() != 3*time.Second || c.Signal.MaxSocketsPerAddress != 20 || c.Signal.MaxSockets != 50 {
		t.Fatalf("environment: %+v, %v", c.Signal, err)
	}
	for _, tt := range []struct{ key, value, want string }{
		{"VISIO_SIGNAL_JOIN_TIMEOUT", "1ms", "signal.join_timeout"},
		{"VISIO_SIGNAL_MAX_SOCKETS_PER_ADDRESS", "0", "signal.max_sockets_per_address"},
		{"VISIO_SIGNAL_MAX_SOCKETS", "10", "signal.max_sockets"},
	} {
		bad := map[string]string{"VISIO_SIGNAL_MAX_SOCKETS_PER_ADDRESS": "20", tt.key: tt.value}
		_, err := Load(nil, func(k string) string { return bad[k] })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s=%s: %v; want an error naming %s", tt.key, tt.value, err, tt.want)
		}
	}
}
