package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIBinary builds the real binary and runs it as a user would, to check
// main(): its streams, its terminal detection and its exit codes.
func TestCLIBinary(t *testing.T) {
	goTool := cliRequireTool(t, "go")
	bin := filepath.Join(t.TempDir(), "devsh")
	// Built before cliProject isolates HOME and XDG_CACHE_HOME, where the go
	// command keeps its module and build caches.
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := cliProject(t, cliOneCargo)

	devsh := func(args ...string) (code int, stdout, stderr string) {
		t.Helper()
		cmd := exec.Command(bin, args...) // stdin is /dev/null: no terminal
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exitErr *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &exitErr):
			code = exitErr.ExitCode()
		default:
			t.Fatalf("devsh %v: %v", args, err)
		}
		t.Logf("devsh %s -> exit %d\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), code, out.String(), errOut.String())
		return code, out.String(), errOut.String()
	}

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
