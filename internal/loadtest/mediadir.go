package loadtest

import (
	"os"
	"path/filepath"
)

// defaultMediaDir is where made media is cached: $XDG_CACHE_HOME/visio/loadtest-media or the
// system's equivalent.
func defaultMediaDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "visio", "loadtest-media")
	}
	return filepath.Join(os.TempDir(), "visio-loadtest-media")
}
