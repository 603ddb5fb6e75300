package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	runner "github.com/devsh/devsh/internal/run"
)

// cliRecorder is the Runner of GlobalOptions for tests of the seam: it
// records the argv of every program a command runs and runs it for real
// (runner.Exec), except that when instead returns an argv for a run, that
// argv runs in its place — for failures the real tool cannot be made to
// produce.
type cliRecorder struct {
	mu      sync.Mutex
	runs    [][]string
	instead func(args []string) []string
}

func (r *cliRecorder) Run(ctx context.Context, c runner.Command) error {
	r.mu.Lock()
	r.runs = append(r.runs, slices.Clone(c.Args))
	r.mu.Unlock()
	if r.instead != nil {
		if alt := r.instead(c.Args); alt != nil {
			c.Args = alt
		}
	}
	return runner.Exec{}.Run(ctx, c)
}

// programs lists the programs run, in order.
func (r *cliRecorder) programs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.runs {
		out = append(out, a[0])
	}
	return out
}

// cliRunWith runs devsh in-process like cliRun, with r as the runner of
// every external program.
func cliRunWith(t *testing.T, r runner.Runner, args ...string) cliResult {
	t.Helper()
	var out, errOut cliBuffer
	g := &GlobalOptions{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Getenv: os.Getenv, Runner: r}
	code := runWith(context.Background(), args, g)
	res := cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
	t.Logf("devsh %s -> exit %d\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	return res
}

// TestCLIRunnerSeamAddNoVerify: every program a command runs goes through
// GlobalOptions.Runner; `add --no-verify` runs no nix at all (git does run,
// for real).
func TestCLIRunnerSeamAddNoVerify(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = []\n")
	rec := &cliRecorder{}
	r := cliRunWith(t, rec, "-C", dir, "add", "--no-verify", "jq")
	r.cliWant(t, exitOK)
	cliWantTOML(t, dir, "[devshell]\npackages = [\"jq\"]\n")
	progs := rec.programs()
	if slices.Contains(progs, "nix") {
		t.Errorf("add --no-verify ran nix: %v", rec.runs)
	}
	if !slices.Contains(progs, "git") {
		t.Errorf("programs run = %v, want git (the untracked check) through the runner", progs)
	}
}

// TestCLIRunnerNixKilled: nix killed half-way by a signal (the OOM killer,
// say), which the real nix cannot be made to do on cue: a fake in its place
// writes a line of progress and then dies of SIGKILL. Only the index
// build's evaluations (nix eval, nix search) are replaced; resolving the
// lock runs the real nix (nix ≥ 2.26 needs `nix flake metadata` for a
// relative path input). The search fails with one line that names nix and
// the likely cause, and no index is cached.
func TestCLIRunnerNixKilled(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = []\n")
	rec := &cliRecorder{instead: func(args []string) []string {
		if args[0] == "nix" && (slices.Contains(args, "eval") || slices.Contains(args, "search")) {
			return []string{"sh", "-c", `echo "evaluating 'cargo'..." >&2; kill -KILL $$`}
		}
		return nil
	}}
	r := cliRunWith(t, rec, "-C", dir, "search", "cargo")
	r.cliWant(t, exitError)
	// A progress line may come first; the error is the last line, one line.
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "devsh: nix ") || !strings.Contains(last, "was stopped by a signal (killed)") || !strings.Contains(last, "out of memory?") {
		t.Errorf("last stderr line = %q, want nix stopped by a signal, with the likely cause", last)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	if !slices.Contains(rec.programs(), "nix") {
		t.Fatalf("nix did not go through the runner: %v", rec.runs)
	}
	entries, _ := os.ReadDir(cliCacheDir()) // absent: nothing cached either
	if slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasSuffix(e.Name(), ".bin") }) {
		t.Errorf("cache dir holds %v after a failed build", entries)
	}
}
