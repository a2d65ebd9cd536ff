package config

import (
	"strings"
	"testing"
)

// TestProcs: the scheduler follows the load by default; a number fixes it; anything else is
// refused with the setting's name.
func TestProcs(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	c, err := Load(nil, getenv)
	if n, ferr := c.Media.FixedProcs(); err != nil || c.Media.Procs != "auto" || n != 0 || ferr != nil {
		t.Fatalf("default: %q (%d), %v; want auto", c.Media.Procs, n, err)
	}
	env["VISIO_MEDIA_PROCS"] = "3"
	c, err = Load(nil, getenv)
	if n, _ := c.Media.FixedProcs(); err != nil || n != 3 {
		t.Fatalf("environment 3: %d, %v", n, err)
	}
	for _, bad := range []string{"0", "-1", "many", "2.5"} {
		env["VISIO_MEDIA_PROCS"] = bad
		if _, err := Load(nil, getenv); err == nil || !strings.Contains(err.Error(), "media.procs") {
			t.Errorf("%q: %v; want an error naming media.procs", bad, err)
		}
	}
}
