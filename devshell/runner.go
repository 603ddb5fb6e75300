package devshell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/devsh/devsh/internal/procgroup"
)

// Command is one external program run.
type Command struct {
	// Dir is the working directory; empty means the current one.
	Dir string
	// Args is the program followed by its arguments; Args[0] is looked up in PATH.
	Args []string
	// Env holds extra KEY=VALUE entries appended to os.Environ().
	Env []string
}

// Runner runs external programs; tests may inject failures through it.
type Runner interface {
	// Run runs c to completion and returns what it wrote to stdout and stderr.
	// A non-zero exit is an error (wrapping *exec.ExitError) and the output is
	// still returned.
	Run(ctx context.Context, c Command) (stdout, stderr []byte, err error)
}

// ExecRunner is the default Runner: procgroup.Command: the child in its own
// process group, the whole group killed on cancel, WaitDelay set. A missing
// binary gives an error wrapping exec.ErrNotFound.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, c Command) ([]byte, []byte, error) {
	if len(c.Args) == 0 {
		return nil, nil, errors.New("run: empty command")
	}
	name := c.Args[0]
	cmd := procgroup.Command(ctx, c.Args)
	cmd.Dir = c.Dir
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return stdout.Bytes(), stderr.Bytes(), fmt.Errorf("run %s: %w", name, ctxErr)
		}
		return stdout.Bytes(), stderr.Bytes(), fmt.Errorf("run %s: %w", name, err)
	}
	return stdout.Bytes(), stderr.Bytes(), nil
}

// runnerOrDefault returns r, or ExecRunner when r is nil.
func runnerOrDefault(r Runner) Runner {
	if r == nil {
		return ExecRunner{}
	}
	return r
}

// runnerStderrTail returns the last non-empty line of a program's stderr,
// without terminal colour codes, for one-line error messages.
func runnerStderrTail(stderr []byte) string {
	lines := bytes.Split(bytes.TrimSpace(stderr), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		line := bytes.TrimSpace(runnerStripANSI(lines[i]))
		if len(line) > 0 {
			return string(line)
		}
	}
	return ""
}

// runnerStripANSI removes CSI escape sequences (colours) and other control
// characters from b.
func runnerStripANSI(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == 0x1b && i+1 < len(b) && b[i+1] == '[' {
			// Skip parameters and intermediates up to the final byte 0x40–0x7e.
			j := i + 2
			for j < len(b) && (b[j] < 0x40 || b[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		if (c < 0x20 && c != '\t') || c == 0x7f {
			continue
		}
		out = append(out, c)
	}
	return out
}

// runnerError builds a one-line error for a failed run: what was being done,
// the cause, and the program's last stderr line when it has one.
func runnerError(what string, err error, stderr []byte) error {
	if tail := runnerStderrTail(stderr); tail != "" {
		return fmt.Errorf("%s: %w: %s", what, err, tail)
	}
	return fmt.Errorf("%s: %w", what, err)
}
