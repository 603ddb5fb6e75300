package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devsh/devsh/devshell"
)

// untrackedWarningLine is the start of the warning for an untracked
// devshell.toml.
const untrackedWarningLine = "warning: git does not track devshell.toml, so the flake cannot see it; run: git add --intent-to-add "

// TestUntrackedWarningAddRemoveSync: add, remove and sync warn once, on
// stderr, while git does not track devshell.toml, and stop once it does.
func TestUntrackedWarningAddRemoveSync(t *testing.T) {
	dir := cliProjectFiles(t, cliDevshellFlake, map[string]string{
		"devshell.toml": "[devshell]\npackages = [\"rustc\"]\n",
		".envrc":        "watch_file devshell.toml\nuse flake\n",
	}, "devshell.toml")
	want := untrackedWarningLine + filepath.Join(dir, "devshell.toml") + "\n"

	for _, args := range [][]string{
		{"add", "--no-verify", "cargo", "jq"},
		{"remove", "cargo", "jq"},
		{"sync"},
	} {
		r := cliRun(t, append([]string{"-C", dir}, args...)...)
		r.cliWant(t, exitOK)
		if n := strings.Count(r.stderr, "warning: git does not track"); n != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("%q: stderr has %d warnings, want once %q:\n%s", args, n, want, r.stderr)
		}
		if strings.Contains(r.stdout, "warning") {
			t.Errorf("%q: the warning went to stdout:\n%s", args, r.stdout)
		}
	}

	// From the project directory, the command names the file relatively.
	t.Chdir(dir)
	r := cliRun(t, "--no-direnv", "add", "--no-verify", "cargo")
	r.cliWant(t, exitOK)
	if !strings.Contains(r.stderr, untrackedWarningLine+"devshell.toml\n") {
		t.Errorf("stderr %q lacks the relative git command", r.stderr)
	}

	cliExec(t, dir, "git", "add", "--intent-to-add", "devshell.toml")
	r = cliRun(t, "--no-direnv", "remove", "cargo")
	r.cliWant(t, exitOK)
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("tracked devshell.toml still warned:\n%s", r.stderr)
	}
}

// TestUntrackedWarningImportsAndNoGit: an untracked import is named too;
// outside git nothing is said (the flake sees every file).
func TestUntrackedWarningImportsAndNoGit(t *testing.T) {
	dir := cliProjectFiles(t, cliDevshellFlake, map[string]string{
		"devshell.toml":  "imports = [\"nix/tools.toml\"]\n[devshell]\npackages = []\n",
		"nix/tools.toml": "[devshell]\n",
	}, "nix/tools.toml")
	r := cliRun(t, "-C", dir, "--no-direnv", "add", "--no-verify", "cargo")
	r.cliWant(t, exitOK)
	want := "warning: git does not track nix/tools.toml, so the flake cannot see it; run: git add --intent-to-add " + filepath.Join(dir, "nix", "tools.toml") + "\n"
	if r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}

	if err := os.RemoveAll(filepath.Join(dir, ".git")); err != nil {
		t.Fatal(err)
	}
	r = cliRun(t, "-C", dir, "--no-direnv", "remove", "cargo")
	r.cliWant(t, exitOK)
	if r.stderr != "" {
		t.Errorf("outside git: stderr = %q, want nothing", r.stderr)
	}
}

// TestUntrackedWarningTUI: the TUI backend's Warning carries the
// warning (the status line shows it when the TUI opens); edits carry none.
func TestUntrackedWarningTUI(t *testing.T) {
	dir := cliProjectFiles(t, cliDevshellFlake, map[string]string{"devshell.toml": "[devshell]\npackages = []\n"}, "devshell.toml")
	proj, err := devshell.Find(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	g := &GlobalOptions{IO: &IOStreams{}, Getenv: os.Getenv}
	b := &tuiBackend{g: g, proj: proj}
	ctx := context.Background()

	want := untrackedWarningLine + filepath.Join(dir, "devshell.toml")
	if got := b.Warning(ctx); got != want {
		t.Errorf("Warning() = %q, want %q", got, want)
	}
	c, err := b.Add(ctx, "cargo")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.String(); got != "+ cargo added" {
		t.Errorf("change = %q, want \"+ cargo added\"", got)
	}
}
