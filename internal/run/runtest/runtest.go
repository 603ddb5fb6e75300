// Package runtest holds the run.Runner wrappers the tests of devshell,
// nixsearch and cmd/devsh share: Recorder, which records the argv of every
// program a test makes devsh run (and runs it for real), and Refuse, which
// runs nothing of the programs a test is not about. It is imported by tests
// only.
package runtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/devsh/devsh/internal/run"
)

// ErrRefused is the error of a run that Refuse did not start.
var ErrRefused = errors.New("runtest: program refused")

// Recorder is a run.Runner that records the argv of every command and runs
// it through Inner. It is not a fake: with Inner nil (run.Exec) the commands
// really run. Instead, when set, is asked for every command: a non-nil argv
// it returns runs in the command's place (the original argv is what is
// recorded), for failures the real tool cannot be made to produce. A
// Recorder is safe for concurrent runs.
type Recorder struct {
	Inner   run.Runner
	Instead func(args []string) []string

	mu   sync.Mutex
	runs [][]string
}

// Run implements run.Runner.
func (r *Recorder) Run(ctx context.Context, c run.Command) error {
	r.mu.Lock()
	r.runs = append(r.runs, slices.Clone(c.Args))
	r.mu.Unlock()
	if r.Instead != nil {
		if alt := r.Instead(c.Args); alt != nil {
			c.Args = alt
		}
	}
	inner := r.Inner
	if inner == nil {
		inner = run.Exec{}
	}
	return inner.Run(ctx, c)
}

// Runs returns the argv of every command run so far, in order.
func (r *Recorder) Runs() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.runs)
}

// Take returns the argv of every command run so far, in order, and forgets
// them.
func (r *Recorder) Take() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	runs := r.runs
	r.runs = nil
	return runs
}

// Count returns how many commands ran.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.runs)
}

// Programs returns the program (argv[0]) of every command run so far, in
// order.
func (r *Recorder) Programs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.runs {
		if len(a) > 0 {
			out = append(out, a[0])
		}
	}
	return out
}

// Refuse is a run.Runner for tests that a program is not the point of: a
// command whose program (argv[0]) is one of Programs fails at once with an
// error wrapping ErrRefused, without running; any other runs for real
// (run.Exec). Such a test needs neither the program nor its time, and a
// Recorder around Refuse shows whether the command tried it.
type Refuse struct {
	Programs []string
}

// Run implements run.Runner.
func (f Refuse) Run(ctx context.Context, c run.Command) error {
	if len(c.Args) > 0 && slices.Contains(f.Programs, c.Args[0]) {
		return fmt.Errorf("run %s: %w", c.Args[0], ErrRefused)
	}
	return run.Exec{}.Run(ctx, c)
}
