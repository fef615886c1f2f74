package loadgen

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// clockTicks is USER_HZ, 100 on Linux.
const clockTicks = 100

// procCPU returns the user+system CPU time of pid from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, nil
	}
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	return ticks(f[11], f[12]), nil
}

// procStat returns the fields of /proc/<pid>/stat after the command name
// (f[0] is the state, f[1] the parent pid, f[11]–f[14] utime, stime,
// cutime, cstime).
func procStat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	// The command name is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, fmt.Errorf("unexpected /proc stat format")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 15 {
		return nil, fmt.Errorf("unexpected /proc stat format")
	}
	return f, nil
}

func ticks(fields ...string) time.Duration {
	var n int64
	for _, f := range fields {
		v, _ := strconv.ParseInt(f, 10, 64)
		n += v
	}
	return time.Duration(n) * time.Second / clockTicks
}

// treeCPU returns the CPU time of pid and of its children, live and
// exited: a PostgreSQL server's postmaster with its backends. A child that
// exits between two readings moves from the live sum to the parent's
// cutime/cstime, so differences of readings stay right.
func treeCPU(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, nil
	}
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	total := ticks(f[11], f[12], f[13], f[14])
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	parent := strconv.Itoa(pid)
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cf, err := procStat(child); err == nil && cf[1] == parent {
			total += ticks(cf[11], cf[12], cf[13], cf[14])
		}
	}
	return total, nil
}

// cpuOf returns the CPU time of the server pid and of the process trees
// of more (treeCPU).
func cpuOf(pid int, more []int) time.Duration {
	t, _ := procCPU(pid)
	for _, p := range more {
		d, _ := treeCPU(p)
		t += d
	}
	return t
}

// procRSS returns the resident set size of pid in bytes.
func procRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// watchRSS samples the RSS of pid every 100 ms until stopped and reports
// the maximum.
func watchRSS(pid int) (stop func(), max func() int64) {
	var m atomic.Int64
	if pid <= 0 {
		return func() {}, m.Load
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if r := procRSS(pid); r > m.Load() {
				m.Store(r)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }, m.Load
}
