// Package procgroup starts external programs in their own process group so
// that ending a run ends everything the program started. The runners of both
// devshell (direnv, git) and nixsearch (nix) build their exec.Cmd with
// Command; data flows in as a context and an argv, out as a ready *exec.Cmd
// the caller wires up and runs.
package procgroup

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// WaitDelay bounds how long Wait waits for the child's output pipes after
// the context is cancelled and the group killed: a grandchild that escaped
// the group must not hold Wait open forever.
const WaitDelay = 2 * time.Second

// Command returns an exec.Cmd running args[0] with args[1:] in its own
// process group. When ctx ends, the whole group is killed, not just the
// direct child, so nothing it started outlives a cancelled run; Wait then
// waits at most WaitDelay for the output pipes. On Linux the child is also
// killed when devsh itself dies (SIGKILL included), so it is never orphaned.
func Command(ctx context.Context, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
	cmd.Cancel = func() error {
		// The negative pid addresses the whole group, whose id is the child's pid.
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	cmd.WaitDelay = WaitDelay
	return cmd
}
