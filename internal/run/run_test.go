package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devsh/devsh/internal/proctest"
)

// requireTool fails the test when a program the test runs for real is
// missing: CI installs it, so a missing tool is a broken setup, not a skip.
func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not on PATH (.ci/run installs it): %v", name, err)
	}
}

func TestExecStreamsAndExitCode(t *testing.T) {
	requireTool(t, "sh")
	var stdout, stderr bytes.Buffer
	err := Exec{}.Run(context.Background(), Command{
		Args:   []string{"sh", "-c", `echo "out $DEVSH_TEST_VAR"; echo err >&2; pwd; exit 3`},
		Dir:    t.TempDir(),
		Env:    []string{"DEVSH_TEST_VAR=set"},
		Stdout: &stdout,
		Stderr: &stderr,
	})
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 3 {
		t.Fatalf("Run error = %v, want exit status 3", err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 || lines[0] != "out set" {
		t.Errorf("stdout = %q", stdout.String())
	}
	if stderr.String() != "err\n" {
		t.Errorf("stderr = %q, want %q", stderr.String(), "err\n")
	}
}

func TestExecInheritsEnvWhenNil(t *testing.T) {
	requireTool(t, "sh")
	t.Setenv("DEVSH_TEST_INHERITED", "yes")
	var stdout bytes.Buffer
	if err := (Exec{}).Run(context.Background(), Command{
		Args:   []string{"sh", "-c", `echo "$DEVSH_TEST_INHERITED"`},
		Stdout: &stdout,
	}); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "yes\n" {
		t.Errorf("stdout = %q, want %q", stdout.String(), "yes\n")
	}
}

func TestExecMissingProgram(t *testing.T) {
	for _, prog := range []string{"devsh-no-such-program", filepath.Join(t.TempDir(), "no-such-program")} {
		err := Exec{}.Run(context.Background(), Command{Args: []string{prog}})
		if !errors.Is(err, exec.ErrNotFound) {
			t.Errorf("Run(%q) error = %v, want exec.ErrNotFound", prog, err)
		}
	}
	if err := (Exec{}).Run(context.Background(), Command{}); err == nil {
		t.Error("Run with no args succeeded")
	}
}

// signalWriter closes ready the first time a write contains want.
type signalWriter struct {
	want  string
	ready chan struct{}
	once  sync.Once
	mu    sync.Mutex
	buf   bytes.Buffer
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func TestExecCancelKillsProcessGroup(t *testing.T) {
	requireTool(t, "sh")
	requireTool(t, "sleep")
	marker := fmt.Sprintf("devsh-runner-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	// The outer shell starts a grandchild shell (whose command line holds
	// the marker and which cannot exec-optimise its sleep away), then
	// waits. Cancelling must kill both, not only the direct child.
	script := fmt.Sprintf(`sh -c 'sleep 600; : %s' & echo started; wait`, marker)
	out := &signalWriter{want: "started", ready: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- Exec{}.Run(ctx, Command{Args: []string{"sh", "-c", script, marker}, Stdout: out})
	}()
	select {
	case <-out.ready:
	case err := <-errc:
		t.Fatalf("command ended before it started its child: %v", err)
	}
	// The grandchild may still be between fork and exec when "started" is
	// read: wait for both (bounded, to fail rather than hang).
	proctest.AwaitLive(t, marker, 2)
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run error = %v, want context.Canceled", err)
	}
	proctest.AwaitNone(t, marker)
}

func TestOutputOutputAndExitStatus(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	stdout, stderr, err := Output(ctx, Exec{}, Command{
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

	_, stderr, err = Output(ctx, Exec{}, Command{Args: []string{"sh", "-c", "echo boom >&2; exit 3"}})
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 3 {
		t.Fatalf("Run exit 3: err = %v, want *exec.ExitError with code 3", err)
	}
	if string(stderr) != "boom\n" {
		t.Errorf("stderr on failure = %q, want %q", stderr, "boom\n")
	}
}

func TestOutputMissingBinary(t *testing.T) {
	_, _, err := Output(context.Background(), Exec{}, Command{Args: []string{"devsh-test-no-such-program"}})
	if !errors.Is(err, exec.ErrNotFound) {
		t.Fatalf("err = %v, want one wrapping exec.ErrNotFound", err)
	}
	_, _, err = Output(context.Background(), Exec{}, Command{})
	if err == nil {
		t.Fatal("empty command: err = nil, want an error")
	}
}

// TestOutputCancelKillsGroup starts a shell that leaves a background
// grandchild, cancels, and checks that no live process of the group is left.
func TestOutputCancelKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	done := make(chan error, 1)
	go func() {
		// The background sleep is forked before the pid file is written, so
		// once the file exists the group has at least two members.
		_, _, err := Output(ctx, Exec{}, Command{Args: []string{"sh", "-c",
			`sleep 60 & echo $$ > "$1.tmp" && mv "$1.tmp" "$1"; sleep 60`, "sh", pidFile}})
		done <- err
	}()

	pgid := waitPID(t, pidFile, done)
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

// waitPID waits until the child wrote its pid to path.
func waitPID(t *testing.T, path string, done <-chan error) int {
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
