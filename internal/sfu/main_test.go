package sfu

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: a closed engine, room or peer has
// stopped all of its own and pion's.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
