package procgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devsh/devsh/internal/proctest"
)

// procgroupTestHelperEnv makes the test binary a helper process: it starts
// a long sleep with Command, prints the sleep's pid and waits to be killed.
const procgroupTestHelperEnv = "DEVSH_TEST_PROCGROUP_HELPER"

// TestHelperProcess is not a test on its own; see TestChildDiesWithParent.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(procgroupTestHelperEnv) == "" {
		t.Skip("helper process for TestChildDiesWithParent")
	}
	// The child ignores SIGPIPE and has no pipe to the parent, so nothing
	// but the parent-death signal ends it when the parent is killed.
	cmd := Command(context.Background(), []string{"sh", "-c", `trap "" PIPE; exec sleep 600`})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("child %d\n", cmd.Process.Pid)
	_ = cmd.Wait()
}

// TestChildDiesWithParent SIGKILLs a process that started a child with
// Command (no handler can run) and checks that the child dies too.
func TestChildDiesWithParent(t *testing.T) {
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	helper.Env = append(os.Environ(), procgroupTestHelperEnv+"=1")
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(string(buf[:n]), "child ")))
	if err != nil {
		_ = helper.Process.Kill()
		t.Fatalf("helper said %q", buf[:n])
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("child %d not running before the kill: %v", pid, err)
	}
	_ = helper.Process.Kill()
	_ = helper.Wait()
	const attempts = 500 // × 10 ms: a bound to fail instead of hanging
	for range attempts {
		// The child is not ours, so it is reaped by init; a zombie counts
		// as dead.
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) || procgroupTestZombie(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	t.Fatalf("child %d still alive after its parent was killed", pid)
}

// procgroupTestZombie reports whether pid is a zombie (dead, not reaped).
func procgroupTestZombie(pid int) bool {
	stat, err := proctest.ReadStat(pid)
	return err != nil || stat.State == "Z"
}
