package main

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
	"syscall"
	"testing"
	"time"

	"github.com/devsh/devsh/internal/atomicfile"
	"github.com/devsh/devsh/internal/proctest"
)

// cliSafetyBound bounds each devsh run of these tests: the refusals are
// immediate and the concurrent edits take milliseconds each, so reaching it
// means a hang, which the test reports instead of blocking the run.
const cliSafetyBound = 60 * time.Second

// cliSafetyBinary builds devsh once per test (before cliProject isolates
// HOME, where the go command keeps its caches).
func cliSafetyBinary(t *testing.T) string {
	t.Helper()
	goTool := cliRequireTool(t, "go")
	bin := filepath.Join(t.TempDir(), "devsh")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cliSafetyRun runs the binary with a bound (a hang fails the test instead
// of blocking the run) and returns its exit code and output; cliBinary's
// runner is this one plus a log line.
func cliSafetyRun(t *testing.T, bin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliSafetyBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("devsh %v: still running after %v (hung)", args, cliSafetyBound)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	default:
		t.Fatalf("devsh %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// TestCLIConcurrentAddsLoseNothing runs many `devsh add` processes at once on
// one devshell.toml, then adds and removes at once; every name a process
// reported added (and not removed since) must be in the file. The cases are
// the attacks: 20 and 50 processes at once (each run bounded by
// cliSafetyBound); the counts are logged for the notes.
func TestCLIConcurrentAddsLoseNothing(t *testing.T) {
	bin := cliSafetyBinary(t)
	for _, c := range []struct{ procs, namesEach int }{{20, 3}, {50, 12}} {
		t.Run(fmt.Sprintf("%d processes", c.procs), func(t *testing.T) {
			cliConcurrentAdds(t, bin, c.procs, c.namesEach)
		})
	}
}

// cliConcurrentAdds is one case of TestCLIConcurrentAddsLoseNothing: procs
// processes adding namesEach names each, then a mixed round of procs/2
// removes and procs/2 adds.
func cliConcurrentAdds(t *testing.T, bin string, procs, namesEach int) {
	dir := cliProject(t, cliOneCargo)
	toml := filepath.Join(dir, "devshell.toml")

	type outcome struct {
		code           int
		stdout, stderr string
	}
	runAll := func(argvs [][]string) []outcome {
		out := make([]outcome, len(argvs))
		var wg sync.WaitGroup
		for i, argv := range argvs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, o, e := cliSafetyRun(t, bin, append([]string{"-C", dir, "--no-direnv"}, argv...)...)
				out[i] = outcome{code, o, e}
			}()
		}
		wg.Wait()
		return out
	}
	inFile := func() map[string]bool {
		m := map[string]bool{}
		for _, f := range strings.FieldsFunc(cliRead(t, toml), func(r rune) bool { return strings.ContainsRune("[]\", \n=", r) }) {
			m[f] = true
		}
		return m
	}

	var argvs [][]string
	for p := range procs {
		argv := []string{"add", "--no-verify"}
		for n := range namesEach {
			argv = append(argv, fmt.Sprintf("pkg%02d-%d", p, n))
		}
		argvs = append(argvs, argv)
	}
	tried, reported, lost, failed := procs*namesEach, 0, 0, 0
	added := map[string]bool{}
	for i, o := range runAll(argvs) {
		if o.code != 0 {
			failed++
			t.Errorf("%v: exit %d, stderr %q", argvs[i], o.code, o.stderr)
		}
		for _, line := range strings.Split(strings.TrimSpace(o.stdout), "\n") {
			if name, ok := strings.CutSuffix(strings.TrimPrefix(line, "+ "), " added"); ok {
				added[name] = true
			}
		}
	}
	have := inFile()
	for name := range added {
		reported++
		if !have[name] {
			lost++
			t.Errorf("%s was reported added and is not in devshell.toml", name)
		}
	}
	if reported != tried {
		t.Errorf("%d adds reported, want %d", reported, tried)
	}

	// Mixed: half the processes remove a name each of the first round,
	// the other half add new ones.
	argvs = nil
	var removed, added2 []string
	for p := range procs {
		if p%2 == 0 {
			name := fmt.Sprintf("pkg%02d-0", p)
			removed = append(removed, name)
			argvs = append(argvs, []string{"remove", name})
		} else {
			name := fmt.Sprintf("new%02d", p)
			added2 = append(added2, name)
			argvs = append(argvs, []string{"add", "--no-verify", name})
		}
	}
	for i, o := range runAll(argvs) {
		if o.code != 0 {
			failed++
			t.Errorf("%v: exit %d, stderr %q", argvs[i], o.code, o.stderr)
		}
	}
	have = inFile()
	mixedLost := 0
	for _, n := range removed {
		if have[n] {
			mixedLost++
			t.Errorf("%s was reported removed and is still in devshell.toml", n)
		}
	}
	for _, n := range added2 {
		if !have[n] {
			mixedLost++
			t.Errorf("%s was reported added and is not in devshell.toml", n)
		}
	}
	for name := range added {
		if !have[name] && !strings.HasSuffix(name, "-0") {
			mixedLost++
			t.Errorf("%s (first round) was undone by the mixed round", name)
		}
	}
	t.Logf("concurrent adds: %d processes × %d names: %d adds tried, %d reported added, %d lost; mixed round: %d removes + %d adds, %d lost or undone; %d runs exited non-zero",
		procs, namesEach, tried, reported, lost, len(removed), len(added2), mixedLost, failed)
	if names := cliDirEntries(t, dir); cliHasTemp(names) {
		t.Errorf("temp files left: %v", names)
	}
}

// cliHasTemp reports whether a listing holds a devsh temp file.
func cliHasTemp(names []string) bool {
	for _, n := range names {
		if strings.Contains(n, ".devsh-") {
			return true
		}
	}
	return false
}

// cliHasDirOpen reports whether process pid has dir open (readlink of its
// /proc/PID/fd entries): a devsh waiting for the edit lock holds the
// directory it flocks.
func cliHasDirOpen(pid int, dir string) bool {
	fds := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fds)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join(fds, e.Name())); err == nil && target == dir {
			return true
		}
	}
	return false
}

// TestCLIDelayedRenameKeepsBothAdds is the strace attack without
// strace: one writer is held between its read and its rename (strace
// delayed devsh's renameat2 by a second) while a second `devsh add pkgB`
// runs. The held writer is this test, taking devsh's own edit lock
// (atomicfile.Acquire) as a devsh process does, reading devshell.toml, and
// renaming its version with pkgA into place only once the devsh process is
// waiting for the lock: a process that did not wait would have read the
// file without pkgA and written pkgB before the rename threw it away. Both
// names must be in the file, and devsh must still be running (waiting)
// when the held rename happens.
func TestCLIDelayedRenameKeepsBothAdds(t *testing.T) {
	bin := cliSafetyBinary(t)
	dir := cliProject(t, cliOneCargo)
	toml := filepath.Join(dir, "devshell.toml")
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := atomicfile.Acquire(context.Background(), toml)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	old := cliRead(t, toml)
	withA := strings.Replace(old, `packages = ["cargo"]`, `packages = ["cargo", "pkgA"]`, 1)
	if withA == old {
		t.Fatalf("devshell.toml %q has no packages line to edit", old)
	}

	cmd := exec.Command(bin, "-C", dir, "--no-direnv", "add", "--no-verify", "pkgB")
	var stdout, stderr cliBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	exited := func() bool {
		select {
		case err := <-done:
			done <- err
			return true
		default:
			return false
		}
	}
	// Waiting: the directory open in three polls in a row (a brief
	// ReadDir of it earlier is not the lock).
	const attempts = 6000 // × 10 ms: a bound to fail instead of hanging
	seen := 0
	for i := 0; seen < 3; i++ {
		if i == attempts {
			_ = cmd.Process.Kill()
			t.Fatalf("devsh add pkgB never waited for the edit lock (stderr %q)", stderr.String())
		}
		if exited() {
			t.Fatalf("devsh add pkgB ended while another writer held the edit lock: stdout %q, stderr %q", stdout.String(), stderr.String())
		}
		if cliHasDirOpen(cmd.Process.Pid, realDir) {
			seen++
		} else {
			seen = 0
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The held writer's delayed rename, then its lock released.
	tmp := filepath.Join(dir, ".devshell.toml.held")
	cliWrite(t, tmp, withA)
	if err := os.Rename(tmp, toml); err != nil {
		t.Fatal(err)
	}
	if exited() {
		t.Errorf("devsh add pkgB ended before the held writer's rename: it did not wait for the lock")
	}
	lock.Release()

	select {
	case err = <-done:
	case <-time.After(cliSafetyBound):
		_ = cmd.Process.Kill()
		t.Fatalf("devsh add pkgB still running %v after the lock was released", cliSafetyBound)
	}
	if err != nil || stdout.String() != "+ pkgB added\n" {
		t.Errorf("devsh add pkgB: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	got := cliRead(t, toml)
	if !strings.Contains(got, `"pkgA"`) || !strings.Contains(got, `"pkgB"`) {
		t.Errorf("devshell.toml = %q, want both pkgA (the delayed rename) and pkgB", got)
	}
	t.Logf("delayed rename: devsh add pkgB waited for the held writer's lock, then added on top of its rename:\n%s", got)
}

// TestCLINotRegularFiles: a FIFO as devshell.toml, as an import, as .envrc,
// or devshell.toml as a symlink to /dev/zero, is a one-line error at once
// (exit 1), and nothing is replaced; a FIFO flake.nix, which add reads for
// an unfree package's warning, is named in the warning at once.
func TestCLINotRegularFiles(t *testing.T) {
	bin := cliSafetyBinary(t)
	oneLine := func(t *testing.T, stderr string, wants ...string) {
		t.Helper()
		// Warnings (git does not track the file) may come first; the
		// error is the last line, and one line.
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		stderr = lines[len(lines)-1]
		if !strings.HasPrefix(stderr, "devsh: ") {
			t.Errorf("last stderr line %q is not devsh's error", stderr)
		}
		for _, w := range wants {
			if !strings.Contains(stderr, w) {
				t.Errorf("stderr %q does not contain %q", stderr, w)
			}
		}
	}

	t.Run("fifo devshell.toml", func(t *testing.T) {
		dir := cliProject(t, "")
		toml := filepath.Join(dir, "devshell.toml")
		if err := syscall.Mkfifo(toml, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"list"}, {"--no-direnv", "add", "--no-verify", "jq"}, {"sync"}} {
			code, _, stderr := cliSafetyRun(t, bin, append([]string{"-C", dir}, args...)...)
			if code != 1 {
				t.Errorf("%v: exit %d, want 1 (stderr %q)", args, code, stderr)
			}
			oneLine(t, stderr, "named pipe (FIFO)", "devshell.toml")
		}
		if fi, err := os.Lstat(toml); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("the FIFO was replaced: %v %v", fi, err)
		}
	})
	t.Run("symlink to /dev/zero", func(t *testing.T) {
		dir := cliProject(t, "")
		toml := filepath.Join(dir, "devshell.toml")
		if err := os.Symlink("/dev/zero", toml); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := cliSafetyRun(t, bin, "-C", dir, "--no-direnv", "add", "--no-verify", "jq")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		oneLine(t, stderr, "character device")
		if fi, err := os.Stat("/dev/zero"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			t.Errorf("/dev/zero replaced: %v %v", fi, err)
		}
	})
	t.Run("fifo import", func(t *testing.T) {
		dir := cliProject(t, "imports = [\"./more.toml\"]\n[devshell]\npackages = [\"cargo\"]\n")
		if err := syscall.Mkfifo(filepath.Join(dir, "more.toml"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := cliSafetyRun(t, bin, "-C", dir, "sync")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		oneLine(t, stderr, "more.toml", "named pipe (FIFO)")
	})
	t.Run("fifo flake.nix, unfree add", func(t *testing.T) {
		// add reads flake.nix to say whether it allows unfree packages:
		// a FIFO there is named in the warning, and the add goes on.
		dir := cliProject(t, cliOneCargo)
		flake := filepath.Join(dir, "flake.nix")
		if err := os.Remove(flake); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(flake, 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := cliSafetyRun(t, bin, "-C", dir, "--no-direnv", "add", "terraform")
		if code != 0 || stdout != "+ terraform added\n" {
			t.Errorf("exit %d, stdout %q, stderr %q; want 0 and the add", code, stdout, stderr)
		}
		if want := "warning: terraform is unfree (BUSL-1.1): nix builds it only when the flake imports nixpkgs with config.allowUnfree = true; flake.nix is a named pipe (FIFO), not a regular file, so it was not checked\n"; !strings.HasPrefix(stderr, want) {
			t.Errorf("stderr %q, want it to start with %q", stderr, want)
		}
		if fi, err := os.Lstat(flake); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("the FIFO was replaced: %v %v", fi, err)
		}
	})
	t.Run("fifo .envrc after the edit", func(t *testing.T) {
		dir := cliProject(t, cliOneCargo)
		if err := syscall.Mkfifo(filepath.Join(dir, ".envrc"), 0o644); err != nil {
			t.Fatal(err)
		}
		// doctor reports the FIFO instead of blocking on it (or letting
		// direnv block on it).
		code, stdout, _ := cliSafetyRun(t, bin, "-C", dir, "doctor")
		if code != 1 || !strings.Contains(stdout, "named pipe (FIFO)") {
			t.Errorf("doctor: exit %d, stdout %q; want 1 and the FIFO named", code, stdout)
		}
		if err := syscall.Mkfifo(filepath.Join(os.Getenv("HOME"), ".bashrc"), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, stdout, _ := cliSafetyRun(t, bin, "-C", dir, "doctor"); code != 1 || !strings.Contains(stdout, "direnv hook") {
			t.Errorf("doctor with a FIFO ~/.bashrc: exit %d, stdout %q", code, stdout)
		}
		code, stdout, stderr := cliSafetyRun(t, bin, "-C", dir, "add", "--no-verify", "jq")
		// devshell.toml was written; the .envrc step failed: exit 3, and
		// the message says both.
		if code != exitPartial {
			t.Errorf("exit %d, want %d", code, exitPartial)
		}
		if stdout != "+ jq added\n" {
			t.Errorf("stdout = %q", stdout)
		}
		oneLine(t, stderr, "devshell.toml was updated", ".envrc", "named pipe (FIFO)", "devsh sync")
		if got := cliRead(t, filepath.Join(dir, "devshell.toml")); !strings.Contains(got, `"jq"`) {
			t.Errorf("devshell.toml = %q", got)
		}
	})
}

// TestCLIReadOnlyManifestRefused: a 0444 devshell.toml in a writable
// directory is not replaced.
func TestCLIReadOnlyManifestRefused(t *testing.T) {
	bin := cliSafetyBinary(t)
	dir := cliProject(t, cliOneCargo)
	toml := filepath.Join(dir, "devshell.toml")
	if err := os.Chmod(toml, 0o444); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cliSafetyRun(t, bin, "-C", dir, "--no-direnv", "add", "--no-verify", "jq")
	if code != 1 || !strings.Contains(stderr, "read-only") || !strings.Contains(stderr, "chmod u+w") {
		t.Errorf("exit %d, stderr %q; want 1 and a read-only error naming the fix", code, stderr)
	}
	if got := cliRead(t, toml); got != cliOneCargo {
		t.Errorf("devshell.toml = %q", got)
	}
	if fi, _ := os.Stat(toml); fi.Mode().Perm() != 0o444 {
		t.Errorf("mode = %v", fi.Mode())
	}
}

// cliSafetySignal starts the binary with args, waits (bounded) until
// ready(pid) says it is at work, sends sig and waits (bounded) for it to
// end. It returns the run's stderr and error; early is set when the
// process ended before it was ready (no signal was sent).
func cliSafetySignal(t *testing.T, bin string, args []string, ready func(pid int) bool, sig os.Signal) (stderr string, early bool, err error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var errOut cliBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	const attempts = 6000 // × 10 ms: a bound to fail instead of hanging
	isReady := false
	for range attempts {
		select {
		case err := <-done:
			return errOut.String(), true, err
		default:
		}
		if isReady = ready(cmd.Process.Pid); isReady {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !isReady {
		_ = cmd.Process.Kill()
		t.Fatalf("devsh %q never got to work", args)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err = <-done:
	case <-time.After(cliSafetyBound):
		_ = cmd.Process.Kill()
		t.Fatalf("devsh still running %v after %v", cliSafetyBound, sig)
	}
	return errOut.String(), false, err
}

// cliSafetyWantInterrupted checks that a run ended like an interrupted one:
// exit 130 and "devsh: interrupted" last on stderr.
func cliSafetyWantInterrupted(t *testing.T, err error, stderr string) {
	t.Helper()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != exitInterrupted {
		t.Errorf("devsh: %v, want exit %d (stderr %q)", err, exitInterrupted, stderr)
	}
	if !strings.HasSuffix(stderr, "devsh: interrupted\n") {
		t.Errorf("stderr = %q, want it to end with the interruption", stderr)
	}
}

// cliSafetyNixHeap is the GC_INITIAL_HEAP_SIZE the SIGKILL case gives nix:
// nix's own default lets the heap of the silent fixture's long evaluation
// grow to hundreds of MB before it collects, on a machine other tests share.
const cliSafetyNixHeap = "33554432"

// TestCLISignalsEndNix: SIGHUP (terminal closed) and SIGTERM end devsh the
// way Ctrl-C does — its context is cancelled, it kills nix's process group,
// says "interrupted" and exits 130 — instead of dying at once with nix left
// to notice its closed pipes. SIGKILL, which devsh cannot handle, still
// leaves no nix running: nix is started with a parent-death signal
// (procgroup). That case runs against testdata/silent, whose evaluation
// writes nothing for minutes, and signals once nix has spent 0.3 s of CPU
// in it, so only that signal, not a failed write to devsh's closed pipes,
// can end nix within the bounded wait. Each case is `devsh index` with a
// real nix.
func TestCLISignalsEndNix(t *testing.T) {
	bin := cliSafetyBinary(t)
	for _, c := range []struct {
		sig     syscall.Signal
		fixture string
		cpu     int // clock ticks of CPU nix must have spent before the signal
	}{
		{syscall.SIGHUP, filepath.Join(cliFixtureDir, "slow"), 0},
		{syscall.SIGTERM, filepath.Join(cliFixtureDir, "slow"), 0},
		{syscall.SIGKILL, filepath.Join("testdata", "silent"), 30},
	} {
		t.Run(c.sig.String(), func(t *testing.T) {
			dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
			nixpkgs := filepath.Join(t.TempDir(), filepath.Base(c.fixture))
			if err := os.CopyFS(nixpkgs, os.DirFS(c.fixture)); err != nil {
				t.Fatal(err)
			}
			if c.sig == syscall.SIGKILL {
				t.Setenv("GC_INITIAL_HEAP_SIZE", cliSafetyNixHeap)
			}
			// A nix that outlived a failed case is not left running.
			t.Cleanup(func() {
				for _, pid := range proctest.Live(t, nixpkgs) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			})
			var nixPids []int
			nixRunning := func(devsh int) bool {
				// devsh's own command line holds the marker too: wait
				// for another process, its nix.
				nixPids = nixPids[:0]
				for _, pid := range proctest.Live(t, nixpkgs) {
					if pid != devsh && cliSafetyCPUTicks(pid) >= c.cpu {
						nixPids = append(nixPids, pid)
					}
				}
				return len(nixPids) > 0
			}
			stderr, early, err := cliSafetySignal(t, bin, []string{"-C", dir, "--nixpkgs", "path:" + nixpkgs, "index"}, nixRunning, c.sig)
			if early {
				t.Fatalf("devsh index ended before nix ran: %v %q", err, stderr)
			}
			if c.sig == syscall.SIGKILL {
				var exitErr *exec.ExitError
				if !errors.As(err, &exitErr) || exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Errorf("devsh: %v, want it killed by SIGKILL", err)
				}
			} else {
				cliSafetyWantInterrupted(t, err, stderr)
			}
			proctest.AwaitNone(t, nixpkgs)
			t.Logf("%v: nix processes running when the signal was sent: %v; none left", c.sig, nixPids)
		})
	}
}

// TestCLISanitisesTerminalOutput: names, versions and descriptions from a
// hostile nixpkgs (testdata/escapes) and package and import names from the
// user's devshell.toml reach the terminal without any escape or control
// character, in search, list, sync, doctor, shell completion (add and
// remove) and error output.
func TestCLISanitisesTerminalOutput(t *testing.T) {
	bin := cliSafetyBinary(t)
	toml := "imports = [\"./x\\u001b]52;c;aGk=\\u0007.toml\"]\n[devshell]\npackages = [\"cargo\", \"evil\\u001b[31m\\u001b]0;t\\u0007\"]\n"
	dir := cliProject(t, toml)
	nixpkgs := filepath.Join(t.TempDir(), "escapes")
	if err := os.CopyFS(nixpkgs, os.DirFS(filepath.Join("testdata", "escapes"))); err != nil {
		t.Fatal(err)
	}
	clean := func(t *testing.T, what, s string) {
		t.Helper()
		for _, r := range s {
			if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
				t.Errorf("%s holds %U: %q", what, r, s)
				return
			}
		}
	}
	for _, args := range [][]string{
		{"--nixpkgs", "path:" + nixpkgs, "search", "evil"},
		{"--nixpkgs", "path:" + nixpkgs, "search", "-d", "red"},
		{"list"},
		{"sync"},
		{"doctor"},
		{"--no-direnv", "add", "--no-verify", "bad\x1b]52;c;aGk=\x07name"},
		{"--no-direnv", "remove", "absent"},
		// Completion: the shell prints candidates raw. add completes from
		// the index the project searched last (the escapes one, above).
		{"__complete", "add", "ev"},
		{"__complete", "remove", ""},
	} {
		code, stdout, stderr := cliSafetyRun(t, bin, append([]string{"-C", dir}, args...)...)
		t.Logf("devsh %q: exit %d\nstdout %q\nstderr %q", args, code, stdout, stderr)
		if args[0] == "__complete" {
			// One candidate a line, a tab before its description: the
			// first tab is cobra's separator, any other is the name's or
			// the description's.
			var fields []string
			for _, line := range strings.Split(stdout, "\n") {
				name, desc, _ := strings.Cut(line, "\t")
				fields = append(fields, name, desc)
			}
			clean(t, fmt.Sprintf("stdout of %q", args), strings.Join(fields, "\n"))
		} else {
			clean(t, fmt.Sprintf("stdout of %q", args), stdout)
		}
		clean(t, fmt.Sprintf("stderr of %q", args), stderr)
		if len(args) > 2 && args[2] == "search" && !strings.Contains(stdout, "evil") {
			t.Errorf("search %q found nothing: %q", args, stdout)
		}
		// The clean names are still offered (the run did complete).
		if args[0] == "__complete" {
			want := map[string]string{"add": "evilcolour\t", "remove": "cargo\n"}[args[1]]
			if !strings.Contains(stdout, want) {
				t.Errorf("%q does not offer %q: %q", args, want, stdout)
			}
		}
	}
}

// cliSafetyCPUTicks returns the user CPU time of pid in clock ticks
// (/proc/PID/stat field 14), or -1 when it cannot be read.
func cliSafetyCPUTicks(pid int) int {
	stat, err := proctest.ReadStat(pid)
	if err != nil {
		return -1
	}
	return stat.Utime
}

// TestCLIInterruptLongEdit: Ctrl-C during a long edit (removing 10,000 names; a
// devshell.toml of 1,000,000 tables, 15 MB: Parse is linear now, so 100,000
// tables took too little time to interrupt) and during a long read (`list`
// of a file twice that size) ends devsh with exit 130 and "interrupted", and the file is
// unchanged, with no temp file left.
func TestCLIInterruptLongEdit(t *testing.T) {
	bin := cliSafetyBinary(t)
	dir := cliProject(t, cliOneCargo)
	toml := filepath.Join(dir, "devshell.toml")
	var tables strings.Builder
	tables.WriteString(cliOneCargo)
	for i := range 1_000_000 {
		fmt.Fprintf(&tables, "[t%d]\nx = 1\n", i)
	}
	// list ignores the interrupt until it has read the file, and main
	// waits interruptGrace (2 s) for it: the read must outlast that by
	// far, or a fast machine finishes it within the grace (1,000,000
	// tables take ~2.3 s), so the list case reads twice as many.
	var more strings.Builder
	more.WriteString(tables.String())
	for i := 1_000_000; i < 2_000_000; i++ {
		fmt.Fprintf(&more, "[t%d]\nx = 1\n", i)
	}
	// Adding 10,000 names takes milliseconds (one pass); removing them
	// re-reads the list around each removal, a second or more.
	many := []string{"--no-direnv", "remove"}
	var list strings.Builder
	list.WriteString("[devshell]\nname = \"demo\"\npackages = [\n")
	for i := range 10_000 {
		many = append(many, fmt.Sprintf("p%d", i))
		fmt.Fprintf(&list, "  \"p%d\",\n", i)
	}
	list.WriteString("]\n")
	cases := []struct {
		name    string
		content string
		args    []string
	}{
		{"10000 names removed", list.String(), many},
		{"1000000 tables add", tables.String(), []string{"--no-direnv", "add", "--no-verify", "jq"}},
		{"2000000 tables list", more.String(), []string{"list"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cliWrite(t, toml, c.content)
			// Interrupt once devsh has spent 0.2 s of CPU (it is past
			// its start-up and working).
			working := func(pid int) bool { return cliSafetyCPUTicks(pid) >= 20 }
			stderr, early, err := cliSafetySignal(t, bin, append([]string{"-C", dir}, c.args...), working, os.Interrupt)
			if early {
				// The input is meant to take seconds; if devsh got
				// that fast, the input must grow for this test to test.
				if os.Getenv("CI") == "true" {
					t.Fatalf("devsh finished before it could be interrupted (%v): make the input larger", err)
				}
				t.Skipf("devsh finished before it could be interrupted (%v): make the input larger", err)
			}
			cliSafetyWantInterrupted(t, err, stderr)
			if got := cliRead(t, toml); got != c.content {
				t.Errorf("devshell.toml changed after Ctrl-C (%d bytes, want %d)", len(got), len(c.content))
			}
			if cliHasTemp(cliDirEntries(t, dir)) {
				t.Errorf("temp file left: %v", cliDirEntries(t, dir))
			}
		})
	}
}

// TestCLIEditorSaveNeverReverted: an editor saves devshell.toml over and
// over (read, write a temp file, rename: how editors save) while devsh
// processes add packages. devsh must never undo one of the editor's saves:
// every line the editor wrote is in the final file. (The editor, which takes
// no lock, may undo devsh's adds in its own read-to-rename window; those are
// counted, not asserted.) When what the editor reads lacks its own previous
// save, it reads again (bounded, up to half a second) before saving: when a
// save lands between devsh's last re-read and its swap, devsh's version is
// at the path for the microseconds until devsh swaps the save back; a
// revert that lasts is still read at the bound, and then is missing from
// the final file.
func TestCLIEditorSaveNeverReverted(t *testing.T) {
	bin := cliSafetyBinary(t)
	dir := cliProject(t, cliOneCargo)
	toml := filepath.Join(dir, "devshell.toml")
	const saves, procs = 300, 20
	editor := exec.Command("sh", "-c", `f=$1; n=$2; i=1; nl='
'
while [ "$i" -le "$n" ]; do
	c=$(cat "$f") || exit 1
	k=0
	while [ "$i" -gt 1 ] && [ "$k" -lt 500 ]; do
		case "$c$nl" in *"# editor save $((i-1))$nl"*) break ;; esac
		sleep 0.001
		c=$(cat "$f") || exit 1
		k=$((k+1))
	done
	printf '%s\n# editor save %d\n' "$c" "$i" > "$f.editor" && mv "$f.editor" "$f"
	i=$((i+1))
done`, "sh", toml, fmt.Sprint(saves))
	var editorErr cliBuffer
	editor.Stderr = &editorErr
	if err := editor.Start(); err != nil {
		t.Fatal(err)
	}
	editorDone := make(chan error, 1)
	go func() { editorDone <- editor.Wait() }()
	var wg sync.WaitGroup
	reported := make([]bool, procs)
	gaveUp := make([]bool, procs)
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, stdout, stderr := cliSafetyRun(t, bin, "-C", dir, "--no-direnv", "add", "--no-verify", fmt.Sprintf("ed%02d", p))
			switch {
			case code == 0:
			case code == 1 && strings.Contains(stderr, "changed by another writer") && stdout == "":
				// An editor saving every few milliseconds can outrun
				// devsh's retries: it then writes nothing and says so.
				gaveUp[p] = true
			default:
				t.Errorf("add ed%02d: exit %d, stderr %q", p, code, stderr)
			}
			reported[p] = strings.Contains(stdout, "added")
		}()
	}
	wg.Wait()
	select {
	case err := <-editorDone:
		if err != nil {
			t.Fatalf("editor: %v: %s", err, editorErr.String())
		}
	case <-time.After(cliSafetyBound):
		_ = editor.Process.Kill()
		t.Fatal("editor still saving after the bound")
	}
	got := cliRead(t, toml)
	editorLost := 0
	for i := 1; i <= saves; i++ {
		if !strings.Contains(got, fmt.Sprintf("# editor save %d\n", i)) {
			editorLost++
		}
	}
	devshLost := 0
	for p, ok := range reported {
		if ok && !strings.Contains(got, fmt.Sprintf(`"ed%02d"`, p)) {
			devshLost++
		}
	}
	nGaveUp := 0
	for p, g := range gaveUp {
		if g {
			nGaveUp++
			if strings.Contains(got, fmt.Sprintf(`"ed%02d"`, p)) {
				t.Errorf("ed%02d is in the file although its add said nothing was written", p)
			}
		}
	}
	t.Logf("editor saves: %d, reverted by devsh: %d; devsh adds: %d (%d gave up, nothing written), undone by the editor's own saves: %d",
		saves, editorLost, procs, nGaveUp, devshLost)
	if editorLost > 0 {
		t.Errorf("%d of %d editor saves were reverted by devsh", editorLost, saves)
	}
}

// TestCLIIndexRefreshNeverWritesThroughSymlink: in a shared cache
// directory someone replaces the index file with a symlink to another
// file; `devsh index --refresh` must not write through it, and a plain
// `devsh index` treats it as no index (removes the link, rebuilds).
func TestCLIIndexRefreshNeverWritesThroughSymlink(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	r := cliRun(t, "-C", dir, "index")
	r.cliWant(t, 0)
	cache := cliIndexFields(t, r.stdout)["cache"]
	victim := filepath.Join(t.TempDir(), "victim")
	cliWrite(t, victim, "another user's file\n")
	if err := os.Remove(cache); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, cache); err != nil {
		t.Fatal(err)
	}

	r = cliRun(t, "-C", dir, "index", "--refresh")
	if r.code != 1 || !strings.Contains(r.stderr, "symlink") {
		t.Errorf("index --refresh over a symlink: exit %d, stderr %q; want 1 naming the symlink", r.code, r.stderr)
	}
	if got := cliRead(t, victim); got != "another user's file\n" {
		t.Errorf("victim = %q: written through the symlink", got)
	}

	r = cliRun(t, "-C", dir, "index")
	r.cliWant(t, 0)
	if fi, err := os.Lstat(cache); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("index after the symlink: %v %v, want a regular index file", fi, err)
	}
	if got := cliRead(t, victim); got != "another user's file\n" {
		t.Errorf("victim = %q", got)
	}
}
