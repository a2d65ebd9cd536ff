// Package speechtest finds the shared speech recordings that tests read (../shared/testdata/speech
// beside the repository; never copied into it).
package speechtest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"visio/internal/testenv"
)

// Dir returns the directory of the shared speech recordings. When they are missing the test is
// skipped, or fails under CI=true (testenv).
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "testdata", "speech")
	if _, err := os.Stat(p); err != nil {
		testenv.Missing(t, fmt.Sprintf("shared speech data missing: %v", err))
	}
	return p
}
