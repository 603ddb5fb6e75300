package devshell

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devsh/devsh/internal/proctest"
)

func TestRunnerExecOutputAndExitStatus(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	stdout, stderr, err := ExecRunner{}.Run(ctx, Command{
		Dir:  dir,
		Args: []string{"sh", "-c", `pwd; echo "$DEVSH_RUNNER_X" >&2`},
		Env:  []string{"DEVSH_RUNNER_X=from-env"},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := strings.TrimSpace(string(stdout)); got != dir {
		t.Errorf("stdout = %q, want working dir %q", got, dir)
	}
	if got := strings.TrimSpace(string(stderr)); got != "from-env" {
		t.Errorf("stderr = %q, want %q", got, "from-env")
	}

	_, stderr, err = ExecRunner{}.Run(ctx, Command{Args: []string{"sh", "-c", "echo boom >&2; exit 3"}})
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 3 {
		t.Fatalf("Run exit 3: err = %v, want *exec.ExitError with code 3", err)
	}
	if string(stderr) != "boom\n" {
		t.Errorf("stderr on failure = %q, want %q", stderr, "boom\n")
	}
}

func TestRunnerExecMissingBinary(t *testing.T) {
	_, _, err := ExecRunner{}.Run(context.Background(), Command{Args: []string{"devsh-test-no-such-program"}})
	if !errors.Is(err, exec.ErrNotFound) {
		t.Fatalf("err = %v, want one wrapping exec.ErrNotFound", err)
	}
	_, _, err = ExecRunner{}.Run(context.Background(), Command{})
	if err == nil {
		t.Fatal("empty command: err = nil, want an error")
	}
}

// TestRunnerExecCancelKillsGroup starts a shell that leaves a background
// grandchild, cancels, and checks that no live process of the group is left.
func TestRunnerExecCancelKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	done := make(chan error, 1)
	go func() {
		// The background sleep is forked before the pid file is written, so
		// once the file exists the group has at least two members.
		_, _, err := ExecRunner{}.Run(ctx, Command{Args: []string{"sh", "-c",
			`sleep 60 & echo $$ > "$1.tmp" && mv "$1.tmp" "$1"; sleep 60`, "sh", pidFile}})
		done <- err
	}()

	pgid := runnerTestWaitPID(t, pidFile, done)
	if n := len(proctest.GroupMembers(t, pgid)); n < 2 {
		t.Fatalf("before cancel: %d live processes in group %d, want >= 2 (sh and sleeps)", n, pgid)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel: err = %v, want one wrapping context.Canceled", err)
	}
	// SIGKILL is delivered asynchronously to the orphaned grandchild, so a
	// member may still be listed for a moment; it must then have SIGKILL
	// pending. A survivor without it is an orphan the runner left behind.
	if survivors := proctest.Survivors(t, pgid); len(survivors) > 0 {
		t.Fatalf("processes of group %d alive after cancel with no SIGKILL pending: %v", pgid, survivors)
	}
}

// runnerTestWaitPID waits until the child wrote its pid to path.
func runnerTestWaitPID(t *testing.T, path string, done <-chan error) int {
	t.Helper()
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatalf("pid file %q: %v", b, err)
			}
			return pid
		}
		select {
		case err := <-done:
			t.Fatalf("child exited before writing its pid: %v", err)
		default:
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunnerStderrTail(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"one line", "fatal: nope\n", "fatal: nope"},
		{"last non-empty", "first\nsecond\n\n  \n", "second"},
		{"direnv colour", "\x1b[31mdirenv: error .envrc file not found\x1b[0m\n", "direnv: error .envrc file not found"},
		{"control chars", "a\x07b\r\n", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runnerStderrTail([]byte(tt.in)); got != tt.want {
				t.Errorf("runnerStderrTail(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
