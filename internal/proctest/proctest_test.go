package proctest

import (
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
)

// TestLiveAndGroup starts a real sleep in a group of its own, finds it by
// marker and by group, kills it and waits until it is gone.
func TestLiveAndGroup(t *testing.T) {
	const marker = "2718.31"
	cmd := exec.Command("sleep", marker)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if got := AwaitLive(t, marker, 1); !slices.Contains(got, pid) {
		t.Fatalf("Live(%q) = %v; want it to hold %d", marker, got, pid)
	}
	if got := GroupMembers(t, pid); !slices.Equal(got, []int{pid}) {
		t.Fatalf("GroupMembers(%d) = %v", pid, got)
	}
	if got := Survivors(t, pid); !slices.Equal(got, []int{pid}) {
		t.Fatalf("Survivors(%d) = %v", pid, got)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	AwaitNone(t, marker)
	if members := GroupMembers(t, pid); len(members) != 0 {
		t.Fatalf("group %d still has %v after the kill", pid, members)
	}
}

// TestParseStat reads the fields the tests use from stat lines (the tail
// numbers the fields 6 to 22, utime field 14 set to 42), comm with
// spaces and parentheses included, and rejects lines that are not stat lines.
func TestParseStat(t *testing.T) {
	tail := " 6 7 8 9 10 11 12 13 42 15 16 17 18 19 20 21 22"
	tests := []struct {
		name    string
		line    string
		want    Stat
		wantErr bool
	}{
		{"plain", "123 (sleep) S 1 123" + tail, Stat{State: "S", Pgrp: 123, Utime: 42}, false},
		{"comm with ') ('", "77 (a) (b c) Z 1 70" + tail, Stat{State: "Z", Pgrp: 70, Utime: 42}, false},
		{"no comm", "123 sleep S 1 123" + tail, Stat{}, true},
		{"too short", "123 (sleep) S 1 123 4 5", Stat{}, true},
		{"pgrp not a number", "123 (sleep) S 1 x" + tail, Stat{}, true},
	}
	for _, tc := range tests {
		got, err := parseStat("stat", []byte(tc.line+"\n"))
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s: parseStat(%q) = %+v, %v; want %+v, error %v", tc.name, tc.line, got, err, tc.want, tc.wantErr)
		}
	}
}

// TestReadStatSelf reads this test's own stat: running, in some group.
func TestReadStatSelf(t *testing.T) {
	s, err := ReadStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.State != "R" && s.State != "S" || s.Pgrp != syscall.Getpgrp() || !s.Live() {
		t.Errorf("ReadStat(self) = %+v; want state R or S, pgrp %d, live", s, syscall.Getpgrp())
	}
	if _, err := ReadStat(-1); err == nil {
		t.Error("ReadStat(-1) succeeded")
	}
}
