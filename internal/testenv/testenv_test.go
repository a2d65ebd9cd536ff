package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMissingRule: a missing program fails the test under CI=true and skips it otherwise, with
// the package to install in the message. The rule is checked in a child process, whose own
// failure is the expected outcome.
func TestMissingRule(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		Program(t, "no-such-program-visio", "no-such-package")
		return
	}
	for _, tc := range []struct {
		ci       string
		wantFail bool
		wantText string
	}{{"true", true, "missing in CI"}, {"", false, "skipped"}} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestMissingRule$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "CI="+tc.ci)
		out, err := cmd.CombinedOutput()
		if (err != nil) != tc.wantFail || !strings.Contains(string(out), tc.wantText) || !strings.Contains(string(out), "apt-get install no-such-package") {
			t.Errorf("CI=%q: err %v, output:\n%s", tc.ci, err, out)
		}
	}
}
