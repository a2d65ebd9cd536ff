package cli

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system) this process has used. Timings are taken in CPU
// time, not wall time, so a busy machine does not inflate real-time factors.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
