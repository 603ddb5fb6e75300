// Package run is devsh's one way to run an external program (nix, direnv,
// git): a Command (argv, directory, extra environment, streams), a Runner
// interface that tests can replace, the default Exec, and Output, the
// buffered helper for programs whose whole output is read at the end.
//
// Flow: a caller builds the argv in a pure function, wraps it in a Command
// and hands it to a Runner. Exec starts it with procgroup.Command (its own
// process group, killed whole when the context ends) and streams stdout and
// stderr to the Command's writers as the program writes them; Output passes
// buffers instead and returns their bytes.
package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/devsh/devsh/internal/procgroup"
)

// Command is one run of an external program. Args[0] is the program, looked
// up in PATH unless it holds a separator. Env entries ("KEY=value") are added
// to the current environment (nil means the environment is inherited
// unchanged). Stdout and Stderr are streamed as the program writes them,
// never buffered whole by the runner; nil discards the stream.
type Command struct {
	Args   []string
	Dir    string
	Env    []string
	Stdout io.Writer
	Stderr io.Writer
}

// Runner runs external programs.
type Runner interface {
	// Run runs c to completion. A non-zero exit is an error that has an
	// ExitCode() int method (as *exec.ExitError has); when ctx ends first
	// the program is stopped and ctx's error is returned, wrapped. A
	// missing program is an error wrapping exec.ErrNotFound.
	Run(ctx context.Context, c Command) error
}

// Exec is the default Runner: os/exec with procgroup.Command, so each
// program gets its own process group, and when the context ends the whole
// group is killed: no program (or child of one) outlives a cancelled run.
type Exec struct{}

// Run implements Runner.
func (Exec) Run(ctx context.Context, c Command) error {
	if len(c.Args) == 0 {
		return errors.New("run: empty command")
	}
	name := c.Args[0]
	if strings.ContainsRune(name, filepath.Separator) {
		// exec only reports a missing program as exec.ErrNotFound when it
		// searched $PATH; a path that does not exist is "not found" too.
		if _, err := exec.LookPath(name); err != nil {
			return fmt.Errorf("run %s: %w: %w", name, exec.ErrNotFound, err)
		}
	}
	cmd := procgroup.Command(ctx, c.Args)
	if cmd.Err != nil {
		return fmt.Errorf("run %s: %w", name, cmd.Err)
	}
	cmd.Dir = c.Dir
	if c.Env != nil {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	cmd.Stdout = c.Stdout
	cmd.Stderr = c.Stderr
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var exitErr *exec.ExitError
	if ctx.Err() != nil && (!errors.As(err, &exitErr) || exitErr.ExitCode() == -1) {
		// Killed because the context ended (ExitCode -1 means "by a signal").
		return fmt.Errorf("run %s: %w", name, ctx.Err())
	}
	return fmt.Errorf("run %s: %w", name, err)
}

// Output runs c through r with its stdout and stderr collected in buffers
// (c's own writers are replaced) and returns them; they are returned on
// failure too, so the caller can quote the program's message.
func Output(ctx context.Context, r Runner, c Command) (stdout, stderr []byte, err error) {
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	err = r.Run(ctx, c)
	return out.Bytes(), errOut.Bytes(), err
}
