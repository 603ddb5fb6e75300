package devshell

import (
	"bytes"
	"fmt"

	"github.com/devsh/devsh/internal/run"
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
