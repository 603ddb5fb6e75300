package devshell

import (
	"bytes"
	"fmt"

	"github.com/devsh/devsh/internal/run"
	"github.com/devsh/devsh/internal/termtext"
)

// Command, Runner and ExecRunner are package internal/run's: direnv and git
// run through the same runner as nix. Their output is small and read whole,
// so devshell runs them with run.Output.
type (
	Command    = run.Command
	Runner     = run.Runner
	ExecRunner = run.Exec
)

// runnerOrDefault returns r, or ExecRunner when r is nil.
func runnerOrDefault(r Runner) Runner {
	if r == nil {
		return ExecRunner{}
	}
	return r
}

// runnerStderrTail returns the last non-empty line of a program's stderr,
// sanitised (termtext.Line: no colour codes or other escapes), for one-line
// error messages.
func runnerStderrTail(stderr []byte) string {
	lines := bytes.Split(bytes.TrimSpace(stderr), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if line := termtext.Line(string(lines[i])); line != "" {
			return line
		}
	}
	return ""
}

// runnerError builds a one-line error for a failed run: what was being done,
// the cause, and the program's last stderr line when it has one.
func runnerError(what string, err error, stderr []byte) error {
	if tail := runnerStderrTail(stderr); tail != "" {
		return fmt.Errorf("%s: %w: %s", what, err, tail)
	}
	return fmt.Errorf("%s: %w", what, err)
}
