package app

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"visio/internal/config"
)

// TestDataFilesPrivate: the SQLite database is created 0600 even under a permissive umask, in a
// data directory that already exists; a database and key that others could read are made
// private at start.
func TestDataFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	mode := func(p string) os.FileMode {
		t.Helper()
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}

	fresh := t.TempDir() // exists already, as a packaged service's state directory does
	_, stop := startApp(t, func(c *config.Config) { c.Store.DataDir = fresh })
	stop()
	for _, f := range []string{"visio.db", "auth.key"} {
		if m := mode(filepath.Join(fresh, f)); m != 0o600 {
			t.Errorf("new %s: mode %#o, want 0600", f, m)
		}
	}

	loose := t.TempDir()
	for _, f := range []string{"visio.db", "auth.key"} {
		src, err := os.ReadFile(filepath.Join(fresh, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(loose, f), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, stop = startApp(t, func(c *config.Config) { c.Store.DataDir = loose })
	stop()
	for _, f := range []string{"visio.db", "auth.key"} {
		if m := mode(filepath.Join(loose, f)); m != 0o600 {
			t.Errorf("existing %s left at mode %#o, want 0600", f, m)
		}
	}
}
