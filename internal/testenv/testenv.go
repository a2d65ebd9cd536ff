// Package testenv is the one rule for tests that need something from outside the repository (a
// program such as ffmpeg, a Debian package's data, a database server, the shared speech
// recordings): when it is missing, the test fails under CI=true, where everything is installed
// (.ci/run), and is skipped elsewhere with a message saying what to install.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// CI reports whether the tests run in CI (the environment variable CI is "true").
func CI() bool { return os.Getenv("CI") == "true" }

// Missing ends t because what it needs is missing: a failure under CI, a skip elsewhere. why
// says what is missing and how to get it.
func Missing(t testing.TB, why string) {
	t.Helper()
	if CI() {
		t.Fatalf("missing in CI: %s", why)
	}
	t.Skipf("skipped: %s", why)
}

// Program returns the path of the program name, or ends t (Missing) saying which Debian
// package installs it.
func Program(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed (apt-get install "+debianPackage+")")
	}
	return p
}

// File returns path if it exists, or ends t (Missing) saying which Debian package provides it.
func File(t testing.TB, path, debianPackage string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(t, path+" is missing (apt-get install "+debianPackage+")")
	}
	return path
}
