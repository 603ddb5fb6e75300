package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	runner "github.com/devsh/devsh/internal/run"
	"github.com/devsh/devsh/internal/run/runtest"
)

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
	rec := &runtest.Recorder{}
	r := cliRunWith(t, rec, "-C", dir, "add", "--no-verify", "jq")
	r.cliWant(t, exitOK)
	cliWantTOML(t, dir, "[devshell]\npackages = [\"jq\"]\n")
	progs := rec.Programs()
	if slices.Contains(progs, "nix") {
		t.Errorf("add --no-verify ran nix: %v", rec.Runs())
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
	rec := &runtest.Recorder{Instead: func(args []string) []string {
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
	if !slices.Contains(rec.Programs(), "nix") {
		t.Fatalf("nix did not go through the runner: %v", rec.Runs())
	}
	entries, _ := os.ReadDir(cliCacheDir()) // absent: nothing cached either
	if slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasSuffix(e.Name(), ".bin") }) {
		t.Errorf("cache dir holds %v after a failed build", entries)
	}
}

// cliProjectNoNix is cliProject for tests where nix is not the point: the
// same flake project and git repository, but not locked, so that no nix
// runs to create it (and the project has no flake.lock).
func cliProjectNoNix(t *testing.T, toml string) string {
	t.Helper()
	files := map[string]string{}
	if toml != "" {
		files["devshell.toml"] = toml
	}
	return cliProjectUnlocked(t, cliProjectFlake, files)
}

// cliRunNoNix runs devsh in-process like cliRun, with the runner seam set to
// run git and direnv for real and refuse nix (runtest.Refuse: a nix run
// fails at once, without running), and fails the test if the command tried
// to run nix: for commands whose behaviour is not nix's.
func cliRunNoNix(t *testing.T, args ...string) cliResult {
	t.Helper()
	rec := &runtest.Recorder{Inner: runtest.Refuse{Programs: []string{"nix"}}}
	r := cliRunWith(t, rec, args...)
	if slices.Contains(rec.Programs(), "nix") {
		t.Errorf("devsh %s tried to run nix: %q", strings.Join(args, " "), rec.Runs())
	}
	return r
}

// TestCLIRunnerNoNixRefused: the seam really refuses nix, so cliRunNoNix
// tests cannot pass by running it. With nix refused, a verified add (which
// must run nix) fails as nix failing does and leaves devshell.toml alone.
func TestCLIRunnerNoNixRefused(t *testing.T) {
	dir := cliProjectNoNix(t, cliOneCargo)
	rec := &runtest.Recorder{Inner: runtest.Refuse{Programs: []string{"nix"}}}
	r := cliRunWith(t, rec, "-C", dir, "--no-direnv", "add", "jq")
	r.cliWant(t, exitError)
	r.cliWantNoEdit(t, dir, cliOneCargo)
	if !slices.Contains(rec.Programs(), "nix") {
		t.Errorf("programs run = %q, want nix tried (and refused)", rec.Programs())
	}
}
