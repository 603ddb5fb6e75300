package proctest

import (
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
