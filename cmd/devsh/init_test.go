package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestInitFreshGitRepo(t *testing.T) {
	cliEnv(t)
	cliRequireTool(t, "nix-instantiate")
	dir := filepath.Join(t.TempDir(), "flynix")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cliExec(t, dir, "git", "init", "-q")

	r := cliRun(t, "-C", dir, "init")
	r.cliWant(t, exitOK)
	wantOut := "created flake.nix\ncreated devshell.toml\ncreated .envrc\ncreated .gitignore\n" +
		"added to git with --intent-to-add: flake.nix devshell.toml .envrc .gitignore\n"
	if r.stdout != wantOut {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, wantOut)
	}
	if want := "next: cd " + dir + " && direnv allow"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q lacks %q", r.stderr, want)
	}

	files := cliSnapshot(t, dir)
	want := map[string]string{
		"devshell.toml": "[devshell]\nname = \"flynix\"\npackages = []\n",
		".envrc":        "watch_file devshell.toml\nuse flake\n",
		".gitignore":    ".direnv\n",
		"flake.nix":     files["flake.nix"],
	}
	if !maps.Equal(files, want) {
		t.Errorf("files after init:\n%q\nwant\n%q", files, want)
	}
	if !strings.Contains(files["flake.nix"], "(pkgs.devshell.importTOML ./devshell.toml)") {
		t.Errorf("flake.nix does not import devshell.toml:\n%s", files["flake.nix"])
	}
	tracked := strings.Fields(string(cliExec(t, dir, "git", "ls-files")))
	if want := []string{".envrc", ".gitignore", "devshell.toml", "flake.nix"}; !slices.Equal(slices.Sorted(slices.Values(tracked)), want) {
		t.Errorf("git ls-files = %q, want %q", tracked, want)
	}
	cliExec(t, dir, "nix-instantiate", "--parse", "flake.nix")

	// A second init changes nothing and says everything was kept.
	r = cliRun(t, "-C", dir, "init")
	r.cliWant(t, exitOK)
	wantOut = "kept flake.nix (already there)\nkept devshell.toml (already there)\nkept .envrc (already there)\nkept .gitignore (already there)\n"
	if r.stdout != wantOut {
		t.Errorf("second init stdout:\n%s\nwant:\n%s", r.stdout, wantOut)
	}
	if after := cliSnapshot(t, dir); !maps.Equal(after, files) {
		t.Errorf("second init changed files:\n%q\nwas\n%q", after, files)
	}
	if again := strings.Fields(string(cliExec(t, dir, "git", "ls-files"))); !slices.Equal(again, tracked) {
		t.Errorf("second init changed the index: %q, was %q", again, tracked)
	}

	// The new project works with the other commands: a package goes into
	// the [devshell] list init wrote.
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "--no-verify", "cargo")
	r.cliWant(t, exitOK)
	if got := cliSnapshot(t, dir)["devshell.toml"]; got != "[devshell]\nname = \"flynix\"\npackages = [\"cargo\"]\n" {
		t.Errorf("devshell.toml after add:\n%s", got)
	}
}

func TestInitOutsideGit(t *testing.T) {
	cliEnv(t)
	dir := t.TempDir()
	r := cliRun(t, "-C", dir, "init")
	r.cliWant(t, exitOK)
	if strings.Contains(r.stdout, "staged") {
		t.Errorf("stdout %q: nothing can be staged outside git", r.stdout)
	}
	want := "not a git repository: a flake belongs in one"
	fix := "run: cd " + dir + " && git init && git add --intent-to-add flake.nix devshell.toml .envrc .gitignore\n"
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, fix) {
		t.Errorf("stderr %q lacks %q and %q", r.stderr, want, fix)
	}
	if len(cliSnapshot(t, dir)) != 4 {
		t.Errorf("files: %v", cliSnapshot(t, dir))
	}
}

func TestInitKeepsAndReports(t *testing.T) {
	cliEnv(t)
	dir := t.TempDir()
	cliExec(t, dir, "git", "init", "-q")
	cliWrite(t, filepath.Join(dir, "devshell.toml"), "[devshell]\npackages = [\"go\"]\n")
	cliWrite(t, filepath.Join(dir, ".gitignore"), "result\n")

	r := cliRun(t, "-C", dir, "init")
	r.cliWant(t, exitOK)
	for _, want := range []string{"created flake.nix\n", "created .envrc\n", "added .direnv to .gitignore\n", "kept devshell.toml (already there)\n",
		// The kept devshell.toml was not tracked, so the flake could not see
		// it: init adds it too (issue 11; it used to print the git command).
		"added to git with --intent-to-add: flake.nix .envrc devshell.toml\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if strings.Count(r.stderr, "--intent-to-add") != 1 || !strings.Contains(r.stderr, initIntentToAddNote+"\n") || strings.Contains(r.stderr, "cannot see") {
		t.Errorf("stderr %q: want the intent-to-add note once and no git advice", r.stderr)
	}
	status := string(cliExec(t, dir, "git", "status", "--porcelain"))
	for _, f := range []string{"flake.nix", ".envrc", "devshell.toml"} {
		if !strings.Contains(status, " A "+f+"\n") {
			t.Errorf("git status --porcelain = %q, want %s intent-to-add (\" A\")", status, f)
		}
	}
	files := cliSnapshot(t, dir)
	if files["devshell.toml"] != "[devshell]\npackages = [\"go\"]\n" || files[".gitignore"] != "result\n.direnv\n" {
		t.Errorf("files after init: %q", files)
	}
}

func TestInitRefusesFile(t *testing.T) {
	cliEnv(t)
	dir := t.TempDir()
	r := cliRun(t, "-C", dir, "--file", "other.toml", "init")
	r.cliWant(t, exitUsage)
	if len(cliSnapshot(t, dir)) != 0 {
		t.Errorf("init --file wrote files: %v", cliSnapshot(t, dir))
	}
	cliRun(t, "-C", dir, "init", "extra").cliWant(t, exitUsage)
}
