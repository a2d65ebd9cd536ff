package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serverSample is the server's state at one instant, from its /metrics and, when its process id
// is known, from /proc.
type serverSample struct {
	at         time.Time
	cpu        float64 // user + system CPU seconds of the process
	rss        float64 // resident memory, bytes
	heapInuse  float64 // Go heap in use, bytes (0 if not exported)
	goroutines float64
	fwdPackets float64
	fwdBytes   float64
	// participants is how many people are in the server's meetings.
	participants float64
}

// sampleServer reads the server's counters. pid may be 0 (a remote server: CPU and memory then
// come from the process collector of /metrics, at 10 ms resolution).
func sampleServer(ctx context.Context, base string, pid int) (serverSample, error) {
	s := serverSample{at: time.Now()}
	m, err := scrape(ctx, base)
	if err != nil {
		return s, err
	}
	s.cpu = m["process_cpu_seconds_total"]
	s.rss = m["process_resident_memory_bytes"]
	s.heapInuse = m["go_memstats_heap_inuse_bytes"]
	s.goroutines = m["go_goroutines"]
	s.fwdPackets = m["visio_sfu_forwarded_packets_total"]
	s.fwdBytes = m["visio_sfu_forwarded_bytes_total"]
	s.participants = m["visio_participants"]
	if pid > 0 {
		cpu, rss, err := procStats(pid)
		if err != nil {
			return s, err
		}
		s.cpu, s.rss = cpu, rss
	}
	return s, nil
}

// scrape returns the metrics of base/metrics, by name with their labels as written
// (visio_cluster_nodes{state="alive"}).
func scrape(ctx context.Context, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read server metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read server metrics: HTTP %d", resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name, val := line[:i], line[i+1:]
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = f
		}
	}
	return out, sc.Err()
}

// clockTick is USER_HZ, the unit of /proc/PID/stat times: 100 on every Linux architecture Go
// supports.
const clockTick = 100

// procStats returns a process's CPU seconds and resident memory (VmRSS of /proc/PID/status).
// The CPU time is the sum of its threads' run time in nanoseconds (/proc/PID/task/*/schedstat)
// when the kernel has schedstats, else user + system time from /proc/PID/stat in 10 ms ticks.
func procStats(pid int) (cpu, rss float64, err error) {
	cpu, err = procCPU(pid)
	if err != nil {
		return 0, 0, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("server process: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			rss = kb * 1024
		}
	}
	return cpu, rss, nil
}

// procCPU returns a process's CPU seconds. Threads that ended are counted only by the /proc/PID/stat
// fallback; Go's runtime seldom ends threads.
func procCPU(pid int) (float64, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err == nil {
		var ns float64
		ok := true
		for _, t := range tasks {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
			if err != nil {
				ok = false
				break
			}
			f := strings.Fields(string(b))
			if len(f) == 0 {
				ok = false
				break
			}
			v, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				ok = false
				break
			}
			ns += v
		}
		if ok {
			return ns / 1e9, nil
		}
	}
	return procStatCPU(pid)
}

// procStatCPU returns user + system time from /proc/PID/stat (fields 14 and 15).
func procStatCPU(pid int) (float64, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("server process: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0, fmt.Errorf("server process: bad /proc/%d/stat", pid)
	}
	f := strings.Fields(string(stat[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return 0, fmt.Errorf("server process: bad /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTick, nil
}

// childServer is a visio server started by the load tester.
type childServer struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// spawnServer starts `bin serve` on loopback with free ports and waits until it listens. env
// adds to the environment it inherits.
func spawnServer(ctx context.Context, bin string, logw io.Writer, env ...string) (*childServer, error) {
	dataDir, err := os.MkdirTemp("", "visio-loadtest-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--http-addr", "127.0.0.1:0", "--udp-port", "0",
		"--tcp-port", "0", "--turn-port", "0", "--ice-loopback-only", "--log-level", "warn")
	// Every participant of a load test comes from one address.
	cmd.Env = append(os.Environ(), "VISIO_STORE_DATA_DIR="+dataDir, "VISIO_SIGNAL_MAX_SOCKETS_PER_ADDRESS=10000")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = logw
	out, err := cmd.StdoutPipe()
	if err != nil {
		_ = os.RemoveAll(dataDir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dataDir)
		return nil, fmt.Errorf("start server %s: %w", bin, err)
	}
	s := &childServer{cmd: cmd, done: make(chan error, 1)}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "visio: listening on "); ok {
				select {
				case urlc <- strings.TrimSpace(u):
				default:
				}
			}
		}
		err := cmd.Wait()
		// Removed before done is sent: the load tester may exit as soon as it has it.
		_ = os.RemoveAll(dataDir)
		s.done <- err
		close(s.done)
	}()
	select {
	case s.base = <-urlc:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("server %s exited before listening: %v", bin, err)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	case <-time.After(20 * time.Second):
		s.stop()
		return nil, fmt.Errorf("server %s did not listen within 20s", bin)
	}
}

func (s *childServer) pid() int { return s.cmd.Process.Pid }

// stop asks the server to shut down (SIGTERM), then kills it after 20 s.
func (s *childServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
