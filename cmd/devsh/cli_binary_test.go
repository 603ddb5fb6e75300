package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCLIBinary builds the real binary and runs it as a user would, to check
// main(): its streams, its terminal detection and its exit codes.
func TestCLIBinary(t *testing.T) {
	devsh := cliBinary(t)
	dir := cliProject(t, cliOneCargo)

	if code, out, _ := devsh("-C", dir, "--no-direnv", "add", "cargo-edit", "python3Packages.requests"); code != 0 || out != "+ cargo-edit added\n+ python3Packages.requests added\n" {
		t.Errorf("add: exit %d, stdout %q", code, out)
	}
	if code, out, _ := devsh("-C", dir, "list", "--json"); code != 0 ||
		out != `[{"attr":"cargo","table":"devshell"},{"attr":"cargo-edit","table":"devshell"},{"attr":"python3Packages.requests","table":"devshell"}]`+"\n" {
		t.Errorf("list --json: exit %d, stdout %q", code, out)
	}
	if code, out, errOut := devsh("-C", dir, "add", "nodejs-16_x"); code != 1 || out != "" || !strings.Contains(errOut, "nodejs-16_x") {
		t.Errorf("add of a removed alias: exit %d, stdout %q, stderr %q; want exit 1", code, out, errOut)
	}
	if code, _, errOut := devsh("-C", dir, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q; want exit 2", code, errOut)
	}
	if code, out, errOut := devsh("-C", dir); code != 2 || out != "" || !strings.Contains(errOut, "Usage:") {
		t.Errorf("no terminal: exit %d, stdout %q, stderr %q; want help on stderr, exit 2", code, out, errOut)
	}
	if got := cliRead(t, filepath.Join(dir, "devshell.toml")); got != "[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"cargo-edit\", \"python3Packages.requests\"]\n" {
		t.Errorf("devshell.toml = %q", got)
	}
}

// cliBinary builds the real binary (call it before cliProject isolates HOME
// and XDG_CACHE_HOME, where the go command keeps its caches) and returns a
// function running it with stdin /dev/null (no terminal), giving its exit
// code and streams. In a git checkout the build is stamped with the commit
// (-buildvcs=true, whatever GOFLAGS says), as go install does.
func cliBinary(t *testing.T) func(args ...string) (code int, stdout, stderr string) {
	t.Helper()
	run, _ := cliBinaryPath(t)
	return run
}

// cliBinaryPath is cliBinary that also returns the binary's path.
func cliBinaryPath(t *testing.T) (run func(args ...string) (code int, stdout, stderr string), bin string) {
	t.Helper()
	goTool := cliRequireTool(t, "go")
	bin = filepath.Join(t.TempDir(), "devsh")
	build := []string{"build", "-o", bin}
	if exec.Command("git", "rev-parse", "HEAD").Run() == nil {
		build = append(build, "-buildvcs=true")
	}
	if out, err := exec.Command(goTool, append(build, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return func(args ...string) (code int, stdout, stderr string) {
		t.Helper()
		code, stdout, stderr = cliSafetyRun(t, bin, args...)
		t.Logf("devsh %s -> exit %d\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
		return code, stdout, stderr
	}, bin
}

// TestCLIBinaryVersion checks that --version names the module and the commit
// the binary was built from: what `go version -m` reads from the same
// binary. (The go command stamps a commit only in a checkout whose .git is a
// directory, not in a git worktree; the formatting of both cases is
// TestVersionLine's.)
func TestCLIBinaryVersion(t *testing.T) {
	devsh, bin := cliBinaryPath(t)
	meta, err := exec.Command(cliRequireTool(t, "go"), "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	code, out, errOut := devsh("--version")
	if code != 0 || errOut != "" || strings.Count(out, "\n") != 1 {
		t.Fatalf("--version: exit %d, stdout %q, stderr %q; want one line on stdout, exit 0", code, out, errOut)
	}
	if !strings.HasPrefix(out, "devsh ") || !strings.Contains(out, "github.com/devsh/devsh") {
		t.Errorf("--version = %q, want devsh, its version and the module path", out)
	}
	_, rev, stamped := strings.Cut(string(meta), "vcs.revision=")
	if stamped {
		if rev = rev[:12]; !strings.Contains(out, "git commit "+rev) {
			t.Errorf("--version = %q, want it to name git commit %s (go version -m:\n%s)", out, rev, meta)
		}
	} else if !strings.Contains(out, "no VCS information") {
		t.Errorf("--version = %q for a build without VCS stamps, want \"no VCS information\"", out)
	}
}

// TestCLIBinaryUsageExit checks the argument errors through the real
// binary: devsh's own words on stderr, nothing on stdout, exit 2.
func TestCLIBinaryUsageExit(t *testing.T) {
	devsh := cliBinary(t)
	dir := cliProject(t, cliOneCargo)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"add"}, "devsh: name at least one package, e.g. devsh add cargo-edit\nRun 'devsh add --help' for usage.\n"},
		{[]string{"search", "--limit", "abc", "cargo"}, "devsh: --limit wants a number, got \"abc\"\nRun 'devsh search --help' for usage.\n"},
		{[]string{"list", "extra"}, "devsh: devsh list takes no arguments, got \"extra\" (usage: devsh list [flags])\nRun 'devsh list --help' for usage.\n"},
		{[]string{"ad", "jq"}, "devsh: unknown command \"ad\" (did you mean add?)\nRun 'devsh --help' for usage.\n"},
	} {
		code, out, errOut := devsh(append([]string{"-C", dir}, c.args...)...)
		if code != 2 || out != "" || errOut != c.want {
			t.Errorf("devsh %s: exit %d, stdout %q, stderr %q; want exit 2, stderr %q", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
	}
	// The aliases run the commands they stand for.
	if code, out, _ := devsh("-C", dir, "--no-direnv", "install", "--no-verify", "jq"); code != 0 || out != "+ jq added\n" {
		t.Errorf("install: exit %d, stdout %q", code, out)
	}
	if code, out, _ := devsh("-C", dir, "--no-direnv", "uninstall", "jq"); code != 0 || out != "- jq removed\n" {
		t.Errorf("uninstall: exit %d, stdout %q", code, out)
	}
	cliWantTOML(t, dir, cliOneCargo)
}

// TestCLIBinaryWriteErrorNamesTheFile makes the write of devshell.toml fail
// for real (a file-size limit the shell sets, which fails the temp file's
// write with EFBIG, for root too) and checks the one-line error names
// devshell.toml, never the temp file, and that nothing is left behind.
func TestCLIBinaryWriteErrorNamesTheFile(t *testing.T) {
	_, bin := cliBinaryPath(t)
	sh := cliRequireTool(t, "sh")
	toml := "# " + strings.Repeat("padding ", 2048) + "\n" + cliOneCargo // 16 KiB, over the limit
	dir := cliProject(t, toml)
	before := cliDirEntries(t, dir)
	// ulimit -f counts 512- or 1024-byte blocks depending on the shell: 4 is
	// under 16 KiB either way. Go ignores SIGXFSZ, so the write gets EFBIG.
	cmd := exec.Command(sh, "-c", `ulimit -f 4 && exec "$0" "$@"`, bin, "-C", dir, "--no-direnv", "add", "--no-verify", "jq")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 {
		t.Fatalf("add under a file-size limit: %v, stdout %q, stderr %q; want exit 1", err, out.String(), errOut.String())
	}
	want := "devsh: write " + filepath.Join(dir, "devshell.toml") + ": file too large\n"
	if errOut.String() != want || out.String() != "" {
		t.Errorf("stdout %q, stderr %q; want stderr %q", out.String(), errOut.String(), want)
	}
	cliWantTOML(t, dir, toml)
	if after := cliDirEntries(t, dir); !slices.Equal(after, before) {
		t.Errorf("directory %v after the failed write, want %v (no temp file left)", after, before)
	}
}

// TestCLIBinaryAddStreams: through the real binary, a refused package is
// one line on stderr and exit 1 with nothing on stdout; an unfree one is
// written (stdout says so, exit 0) after its warning on stderr.
func TestCLIBinaryAddStreams(t *testing.T) {
	devsh := cliBinary(t)
	dir := cliProject(t, cliOneCargo)
	code, out, errOut := devsh("-C", dir, "--no-direnv", "add", "fd")
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "devsh: fd is marked broken in nixpkgs ") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("add fd: exit %d, stdout %q, stderr %q; want one error line, exit 1", code, out, errOut)
	}
	code, out, errOut = devsh("-C", dir, "--no-direnv", "add", "terraform")
	if code != 0 || out != "+ terraform added\n" || !strings.HasPrefix(errOut, "warning: terraform is unfree (BUSL-1.1)") {
		t.Errorf("add terraform: exit %d, stdout %q, stderr %q; want the warning, then the add", code, out, errOut)
	}
	cliWantTOML(t, dir, "[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"terraform\"]\n")
}
