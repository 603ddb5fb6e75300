package nixsearch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devsh/devsh/internal/proctest"
)

// nixRequireTool fails the test when a program the test runs for real is
// missing: CI installs it, so a missing tool is a broken setup, not a skip.
func nixRequireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not on PATH (.ci/run installs it): %v", name, err)
	}
}

func TestExecRunnerStreamsAndExitCode(t *testing.T) {
	nixRequireTool(t, "sh")
	var stdout, stderr bytes.Buffer
	err := ExecRunner{}.Run(context.Background(), Command{
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

func TestExecRunnerInheritsEnvWhenNil(t *testing.T) {
	nixRequireTool(t, "sh")
	t.Setenv("DEVSH_TEST_INHERITED", "yes")
	var stdout bytes.Buffer
	if err := (ExecRunner{}).Run(context.Background(), Command{
		Args:   []string{"sh", "-c", `echo "$DEVSH_TEST_INHERITED"`},
		Stdout: &stdout,
	}); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "yes\n" {
		t.Errorf("stdout = %q, want %q", stdout.String(), "yes\n")
	}
}

func TestExecRunnerMissingProgram(t *testing.T) {
	for _, prog := range []string{"devsh-no-such-program", filepath.Join(t.TempDir(), "no-such-program")} {
		err := ExecRunner{}.Run(context.Background(), Command{Args: []string{prog}})
		if !errors.Is(err, exec.ErrNotFound) {
			t.Errorf("Run(%q) error = %v, want exec.ErrNotFound", prog, err)
		}
	}
	if err := (ExecRunner{}).Run(context.Background(), Command{}); err == nil {
		t.Error("Run with no args succeeded")
	}
}

// nixSignalWriter closes ready the first time a write contains want.
type nixSignalWriter struct {
	want  string
	ready chan struct{}
	once  sync.Once
	mu    sync.Mutex
	buf   bytes.Buffer
}

func (w *nixSignalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func TestExecRunnerCancelKillsProcessGroup(t *testing.T) {
	nixRequireTool(t, "sh")
	nixRequireTool(t, "sleep")
	marker := fmt.Sprintf("devsh-runner-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	// The outer shell starts a grandchild shell (whose command line holds
	// the marker and which cannot exec-optimise its sleep away), then
	// waits. Cancelling must kill both, not only the direct child.
	script := fmt.Sprintf(`sh -c 'sleep 600; : %s' & echo started; wait`, marker)
	out := &nixSignalWriter{want: "started", ready: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- ExecRunner{}.Run(ctx, Command{Args: []string{"sh", "-c", script, marker}, Stdout: out})
	}()
	select {
	case <-out.ready:
	case err := <-errc:
		t.Fatalf("command ended before it started its child: %v", err)
	}
	if len(proctest.Live(t, marker)) < 2 {
		t.Fatalf("expected the shell and its grandchild running, found %v", proctest.Live(t, marker))
	}
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run error = %v, want context.Canceled", err)
	}
	proctest.AwaitNone(t, marker)
}
