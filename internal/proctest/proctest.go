// Package proctest reads Linux's /proc for the tests that check that no
// program devsh started outlives it: one process's stat line (ReadStat:
// state, process group, CPU time), the processes whose command line holds a
// marker, the members of a process group, and which of them still run
// without a SIGKILL pending. It is imported by tests only.
package proctest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// awaitAttempts × awaitStep bounds AwaitNone: far beyond the time a killed
// process takes to exit, so a survivor fails the test instead of hanging it.
const (
	awaitAttempts = 500
	awaitStep     = 10 * time.Millisecond
)

// Stat is what /proc/PID/stat says of one process: the fields the tests
// read.
type Stat struct {
	// State is the one-letter state: "R", "S", "Z" (zombie), "X" (dead)…
	State string
	// Pgrp is the process group id.
	Pgrp int
	// Utime is the user CPU time in clock ticks (field 14).
	Utime int
}

// statFields is how many fields after comm ReadStat needs: state (field 3)
// through utime (field 14).
const statFields = 12

// ReadStat parses /proc/PID/stat: "pid (comm) state ppid pgrp ... utime ...";
// comm may contain spaces and parentheses, so the fields are split after the
// last ')'. An error means the process is gone (it exited meanwhile) or the
// line is not a stat line.
func ReadStat(pid int) (Stat, error) {
	path := filepath.Join("/proc", strconv.Itoa(pid), "stat")
	b, err := os.ReadFile(path)
	if err != nil {
		return Stat{}, fmt.Errorf("read stat of %d: %w", pid, err)
	}
	return parseStat(path, b)
}

// parseStat parses the contents b of the stat file at path.
func parseStat(path string, b []byte) (Stat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Stat{}, fmt.Errorf("%s: no ')' after comm in %q", path, b)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < statFields {
		return Stat{}, fmt.Errorf("%s: %d fields after comm, want at least %d", path, len(fields), statFields)
	}
	pgrp, err := strconv.Atoi(fields[2])
	if err != nil {
		return Stat{}, fmt.Errorf("%s: pgrp: %w", path, err)
	}
	utime, err := strconv.Atoi(fields[11])
	if err != nil {
		return Stat{}, fmt.Errorf("%s: utime: %w", path, err)
	}
	return Stat{State: fields[0], Pgrp: pgrp, Utime: utime}, nil
}

// Live reports whether a process in state s still runs (is not a zombie).
func (s Stat) Live() bool { return s.State != "Z" && s.State != "X" }

// pids lists the numeric entries of /proc other than this process.
func pids() ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("read /proc: %w", err)
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		out = append(out, pid)
	}
	return out, nil
}

// live returns the pids of running (not zombie) processes, other than this
// one, whose command line contains marker.
func live(marker string) ([]int, error) {
	all, err := pids()
	if err != nil {
		return nil, err
	}
	var out []int
	for _, pid := range all {
		cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(marker)) {
			continue // gone meanwhile, or not ours
		}
		if s, err := ReadStat(pid); err == nil && s.Live() {
			out = append(out, pid)
		}
	}
	return out, nil
}

// groupMembers returns the pids of running (not zombie) processes whose
// process group is pgid.
func groupMembers(pgid int) ([]int, error) {
	all, err := pids()
	if err != nil {
		return nil, err
	}
	var out []int
	for _, pid := range all {
		if s, err := ReadStat(pid); err == nil && s.Pgrp == pgid && s.Live() {
			out = append(out, pid)
		}
	}
	return out, nil
}

// survivors returns the members of group pgid that have no SIGKILL pending
// (read from /proc/PID/status SigPnd and ShdPnd).
func survivors(pgid int) ([]int, error) {
	members, err := groupMembers(pgid)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, pid := range members {
		status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
		if err != nil {
			continue // gone meanwhile
		}
		killPending := false
		for _, line := range strings.Split(string(status), "\n") {
			key, val, ok := strings.Cut(line, ":")
			if !ok || (key != "SigPnd" && key != "ShdPnd") {
				continue
			}
			mask, err := strconv.ParseUint(strings.TrimSpace(val), 16, 64)
			if err != nil {
				return nil, fmt.Errorf("/proc/%d/status %s: %w", pid, key, err)
			}
			if mask&(1<<(9-1)) != 0 { // bit n-1 stands for signal n; SIGKILL is 9
				killPending = true
			}
		}
		if !killPending {
			out = append(out, pid)
		}
	}
	return out, nil
}

// AwaitNone fails t unless, within a bounded wait, no live process carries
// marker in its command line. SIGKILL reaches processes that are not our
// children asynchronously, so it polls; it measures nothing.
func AwaitNone(t testing.TB, marker string) {
	t.Helper()
	var left []int
	for range awaitAttempts {
		var err error
		if left, err = live(marker); err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(awaitStep)
	}
	t.Fatalf("processes with %q in their command line still running: %v", marker, left)
}

// AwaitLive returns the live processes whose command line holds marker once
// there are at least n of them, polling within the same bound as AwaitNone.
// It polls because a child's /proc/PID/cmdline is empty for a moment after
// exec has begun: os/exec's Start returns once the exec is past its point of
// no return, before the kernel has set up the new command line.
func AwaitLive(t testing.TB, marker string, n int) []int {
	t.Helper()
	var found []int
	for range awaitAttempts {
		var err error
		if found, err = live(marker); err != nil {
			t.Fatal(err)
		}
		if len(found) >= n {
			return found
		}
		time.Sleep(awaitStep)
	}
	t.Fatalf("want %d processes with %q in their command line, found %v", n, marker, found)
	return nil
}

// must fails t on err and returns pids.
func must(t testing.TB, pids []int, err error) []int {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// Live returns the pids of running (not zombie) processes, other than this
// one, whose command line contains marker; reading /proc failing fails t.
func Live(t testing.TB, marker string) []int {
	t.Helper()
	pids, err := live(marker)
	return must(t, pids, err)
}

// GroupMembers returns the pids of running (not zombie) processes whose
// process group is pgid.
func GroupMembers(t testing.TB, pgid int) []int {
	t.Helper()
	pids, err := groupMembers(pgid)
	return must(t, pids, err)
}

// Survivors returns the members of group pgid that have no SIGKILL pending.
func Survivors(t testing.TB, pgid int) []int {
	t.Helper()
	pids, err := survivors(pgid)
	return must(t, pids, err)
}
