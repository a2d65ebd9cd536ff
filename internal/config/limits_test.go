package config

import (
	"io"
	"os"
	"strings"
	"testing"
)

// TestRoomLimits: room creation limits have defaults, come from the environment, and negative
// values are refused naming the setting.
func TestRoomLimits(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	c, err := Load(nil, getenv)
	if err != nil || c.Room.MaxPerUser != 100 || c.Room.CreationsPerMinute != 30 {
		t.Fatalf("defaults: %d, %g, %v", c.Room.MaxPerUser, c.Room.CreationsPerMinute, err)
	}
	env["VISIO_ROOM_MAX_PER_USER"] = "3"
	env["VISIO_ROOM_CREATIONS_PER_MINUTE"] = "0.5"
	if c, err = Load(nil, getenv); err != nil || c.Room.MaxPerUser != 3 || c.Room.CreationsPerMinute != 0.5 {
		t.Fatalf("environment: %d, %g, %v", c.Room.MaxPerUser, c.Room.CreationsPerMinute, err)
	}
	env["VISIO_ROOM_MAX_PER_USER"] = "-1"
	if _, err = Load(nil, getenv); err == nil || !strings.Contains(err.Error(), "room.max_per_user") {
		t.Fatalf("negative quota: %v", err)
	}
}

// TestMetricsAddr: off by default, from the environment, malformed refused.
func TestMetricsAddr(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if c, err := Load(nil, getenv); err != nil || c.HTTP.MetricsAddr != "" {
		t.Fatalf("default: %q, %v", c.HTTP.MetricsAddr, err)
	}
	env["VISIO_HTTP_METRICS_ADDR"] = "127.0.0.1:9090"
	if c, err := Load(nil, getenv); err != nil || c.HTTP.MetricsAddr != "127.0.0.1:9090" {
		t.Fatalf("environment: %q, %v", c.HTTP.MetricsAddr, err)
	}
	env["VISIO_HTTP_METRICS_ADDR"] = "9090"
	if _, err := Load(nil, getenv); err == nil || !strings.Contains(err.Error(), "http.metrics_addr") {
		t.Fatalf("malformed: %v", err)
	}
}

// TestHelpOneDefault: each flag's help states its default once (the UDP port's said "7882" and
// then "(default -1)").
func TestHelpOneDefault(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	_, _ = Load([]string{"-h"}, func(string) string { return "" })
	os.Stderr = stderr
	w.Close()
	out, _ := io.ReadAll(r)
	if !strings.Contains(string(out), "udp-port") {
		t.Fatalf("help does not list udp-port:\n%s", out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Count(line, "default") > 1 || strings.Contains(line, "(default -1)") {
			t.Errorf("help line states its default twice or wrongly: %q", line)
		}
	}
	if c, err := Load([]string{"--udp-port", "0"}, func(string) string { return "" }); err != nil || c.Media.UDPPort != 0 {
		t.Errorf("--udp-port 0: %d, %v", c.Media.UDPPort, err)
	}
}
