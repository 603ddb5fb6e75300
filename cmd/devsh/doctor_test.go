package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// doctorLines splits doctor's stdout into its check lines by name ("nix",
// ".envrc", …).
func doctorLines(t *testing.T, stdout string) map[string]string {
	t.Helper()
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		mark, rest, ok := strings.Cut(l, " ")
		name, _, ok2 := strings.Cut(rest, ": ")
		if !ok || !ok2 || (mark != "✓" && mark != "!" && mark != "✗") {
			t.Fatalf("doctor line %q is not \"<mark> <name>: <detail>\"", l)
		}
		lines[name] = l
	}
	want := []string{"nix", "flakes", "direnv", "direnv hook", "flake", "devshell.toml", ".envrc", "watches", "git", "index"}
	if len(lines) != len(want) {
		t.Errorf("doctor printed %d checks, want %d: %q", len(lines), len(want), stdout)
	}
	for _, n := range want {
		if _, ok := lines[n]; !ok {
			t.Errorf("doctor printed no %q check", n)
		}
	}
	return lines
}

// doctorOnlyFailure checks that the named check failed with every one of
// wants in its line, and that every other check passed.
func doctorOnlyFailure(t *testing.T, r cliResult, name string, wants ...string) {
	t.Helper()
	r.cliWant(t, exitError)
	lines := doctorLines(t, r.stdout)
	for n, l := range lines {
		if n == name {
			if !strings.HasPrefix(l, "✗ ") {
				t.Errorf("%q: want ✗", l)
			}
			for _, w := range wants {
				if !strings.Contains(l, w) {
					t.Errorf("%q lacks %q", l, w)
				}
			}
		} else if !strings.HasPrefix(l, "✓ ") {
			t.Errorf("%q: want ✓ (only %s should fail)", l, name)
		}
	}
	if r.stderr != "1 of 10 checks failed\n" {
		t.Errorf("stderr = %q, want the count of failed checks", r.stderr)
	}
}

// TestDoctor starts from a project where every check passes, then breaks
// one thing at a time: devshell.toml untracked by git, a watch missing from
// the .envrc, an .envrc direnv has not approved; and removes the index.
func TestDoctor(t *testing.T) {
	envrc := "watch_file devshell.toml\nuse flake\n"
	dir := cliProjectFiles(t, cliDevshellFlake, map[string]string{
		"devshell.toml": "[devshell]\npackages = [\"cargo\"]\n",
		".envrc":        envrc,
	})
	cliEnableFlakes(t)
	// This shell's start-up file runs direnv's hook, as a set-up user's does.
	home := os.Getenv("HOME") // isolated by cliProjectFiles
	cliWrite(t, filepath.Join(home, ".bashrc"), "eval \"$(direnv hook bash)\"\n")
	cliExec(t, dir, "direnv", "allow", ".")
	cliRun(t, "-C", dir, "index").cliWant(t, exitOK)

	r := cliRun(t, "-C", dir, "doctor")
	r.cliWant(t, exitOK)
	lines := doctorLines(t, r.stdout)
	for _, l := range lines {
		if !strings.HasPrefix(l, "✓ ") {
			t.Errorf("%q: want ✓ in a healthy project", l)
		}
	}
	for name, want := range map[string]string{
		"flakes":      "✓ flakes: enabled in your nix configuration",
		"direnv hook": "✓ direnv hook: set up in ~/.bashrc",
		".envrc":      "✓ .envrc: allowed by direnv",
		"watches":     "✓ watches: the .envrc watches devshell.toml",
		"git":         "✓ git: flake.nix, devshell.toml and its imports are tracked",
	} {
		if lines[name] != want {
			t.Errorf("%s line = %q, want %q", name, lines[name], want)
		}
	}
	if !strings.HasPrefix(lines["index"], "✓ index: ") || !strings.Contains(lines["index"], "packages for nixpkgs ") {
		t.Errorf("index line = %q", lines["index"])
	}

	t.Run("untracked devshell.toml", func(t *testing.T) {
		cliExec(t, dir, "git", "rm", "-q", "--cached", "devshell.toml")
		defer cliExec(t, dir, "git", "add", "devshell.toml")
		r := cliRun(t, "-C", dir, "doctor")
		doctorOnlyFailure(t, r, "git", "cannot see devshell.toml", "fix: git add --intent-to-add "+filepath.Join(dir, "devshell.toml"))
	})

	t.Run("missing watch", func(t *testing.T) {
		// The .envrc approved as it is, so only the watch is missing.
		cliWrite(t, filepath.Join(dir, ".envrc"), "use flake\n")
		cliExec(t, dir, "direnv", "allow", ".")
		defer func() {
			cliWrite(t, filepath.Join(dir, ".envrc"), envrc)
			cliExec(t, dir, "direnv", "allow", ".")
		}()
		r := cliRun(t, "-C", dir, "doctor")
		doctorOnlyFailure(t, r, "watches", "does not watch devshell.toml before 'use flake'", "fix: devsh sync")
	})

	t.Run("unapproved .envrc", func(t *testing.T) {
		// Approval is per content: an edit revokes it.
		cliWrite(t, filepath.Join(dir, ".envrc"), "# edited\n"+envrc)
		defer func() {
			cliWrite(t, filepath.Join(dir, ".envrc"), envrc)
			cliExec(t, dir, "direnv", "allow", ".")
		}()
		r := cliRun(t, "-C", dir, "doctor")
		doctorOnlyFailure(t, r, ".envrc", "not allowed by direnv", "fix: review it, then run: direnv allow "+filepath.Join(dir, ".envrc"))
	})

	t.Run("no index", func(t *testing.T) {
		// A missing index is a warning: search builds it on first use.
		r := cliRun(t, "-C", dir, "--cache-dir", t.TempDir(), "doctor")
		r.cliWant(t, exitOK)
		l := doctorLines(t, r.stdout)["index"]
		if !strings.HasPrefix(l, "! index: not built yet for nixpkgs ") || !strings.HasSuffix(l, "fix: devsh index (one nix evaluation, 30–90 s on real nixpkgs)") {
			t.Errorf("index line = %q", l)
		}
	})

	t.Run("--file outside the project", func(t *testing.T) {
		// Said once, as a warning; no watch, git or import advice for a file
		// the flake cannot read (sync and add leave .envrc and git alone).
		other := filepath.Join(t.TempDir(), "shared.toml")
		cliWrite(t, other, "[devshell]\npackages = [\"go\"]\n")
		r := cliRun(t, "-C", dir, "--file", other, "doctor")
		r.cliWant(t, exitOK)
		want := "! --file: " + other + " is outside the project " + dir + ": its flake cannot read it, so .envrc watches and git tracking do not apply to it"
		var got []string
		for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
			if strings.Contains(l, "outside") {
				got = append(got, l)
			}
			if strings.Contains(l, "watches:") || strings.Contains(l, "git:") || strings.Contains(l, "importTOML") || strings.Contains(l, "intent-to-add") {
				t.Errorf("doctor --file outside printed %q", l)
			}
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("lines about the outside file %q, want only %q", got, want)
		}
		if !strings.Contains(r.stdout, "✓ shared.toml: 1 package\n") || !strings.Contains(r.stdout, "✓ flake: ") {
			t.Errorf("stdout = %q, want the outside file read and the flake fine", r.stdout)
		}
	})

	t.Run("no hook, flakes off", func(t *testing.T) {
		if err := os.Remove(filepath.Join(home, ".bashrc")); err != nil {
			t.Fatal(err)
		}
		t.Setenv("NIX_CONFIG", "")
		r := cliRun(t, "-C", dir, "doctor")
		r.cliWant(t, exitError)
		lines := doctorLines(t, r.stdout)
		if l := lines["flakes"]; !strings.HasPrefix(l, "✗ flakes: devsh passes the flags itself, but nix-command and flakes are off") {
			t.Errorf("flakes line = %q", l)
		}
		// /etc start-up files are the machine's: only check when they have
		// no hook either.
		if l := lines["direnv hook"]; strings.HasPrefix(l, "✗ ") && !strings.Contains(l, `fix: add 'eval "$(direnv hook bash)"' to ~/.bashrc`) {
			t.Errorf("direnv hook line = %q", l)
		}
	})
}

// TestDoctorFreshInit: right after init (nothing locked or approved yet)
// doctor says what is left: approve the .envrc, lock the flake.
func TestDoctorFreshInit(t *testing.T) {
	cliEnv(t)
	cliEnableFlakes(t)
	dir := t.TempDir()
	cliExec(t, dir, "git", "init", "-q")
	cliRun(t, "-C", dir, "init").cliWant(t, exitOK)
	r := cliRun(t, "-C", dir, "doctor")
	r.cliWant(t, exitError)
	lines := doctorLines(t, r.stdout)
	if l := lines[".envrc"]; !strings.HasPrefix(l, "✗ .envrc: not allowed by direnv") {
		t.Errorf(".envrc line = %q", l)
	}
	if l := lines["index"]; !strings.HasPrefix(l, "! index: no flake.lock yet") {
		t.Errorf("index line = %q", l)
	}
	for _, n := range []string{"flake", "devshell.toml", "watches", "git"} {
		if !strings.HasPrefix(lines[n], "✓ ") {
			t.Errorf("%q: want ✓ after init", lines[n])
		}
	}
}

// TestDoctorWithoutDirenv: direnv is optional, so a healthy project without
// it passes doctor (exit 0) with warnings, never ✗ (issue 11: it was ✗).
func TestDoctorWithoutDirenv(t *testing.T) {
	dir := cliProjectFiles(t, cliDevshellFlake, map[string]string{
		"devshell.toml": "[devshell]\npackages = [\"cargo\"]\n",
		".envrc":        "watch_file devshell.toml\nuse flake\n",
	})
	cliEnableFlakes(t)
	cliRun(t, "-C", dir, "index").cliWant(t, exitOK)
	cliPathOnly(t, "nix", "git")
	r := cliRun(t, "-C", dir, "doctor")
	r.cliWant(t, exitOK)
	for _, want := range []string{
		"! direnv: not found (optional: devsh still keeps .envrc in sync, but nothing loads the shell on cd); fix: install direnv (https://direnv.net) and hook it into your shell, or enter the shell with nix develop\n",
		"! .envrc: approval not checked: direnv not found",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "✗") || strings.Contains(r.stdout, "direnv hook") {
		t.Errorf("doctor without direnv: want no ✗ and no hook check:\n%s", r.stdout)
	}
}

// TestDoctorNoFlake: without flake.nix, every fix doctor names is devsh init
// (devsh sync leaves .envrc alone when there is no flake to use, and there is
// no flake.nix to add a nixpkgs input to).
func TestDoctorNoFlake(t *testing.T) {
	cliEnv(t)
	dir := t.TempDir()
	cliExec(t, dir, "git", "init", "-q")
	cliWrite(t, filepath.Join(dir, "devshell.toml"), "[devshell]\npackages = [\"cargo\"]\n")
	r := cliRun(t, "-C", dir, "doctor")
	r.cliWant(t, exitError)
	lines := doctorLines(t, r.stdout)
	for _, n := range []string{"flake", ".envrc", "index"} {
		if !strings.HasPrefix(lines[n], "✗ ") || !strings.Contains(lines[n], "; fix: devsh init") {
			t.Errorf("%s line = %q, want ✗ with fix devsh init", n, lines[n])
		}
	}
	if strings.Contains(r.stdout, "devsh sync") {
		t.Errorf("doctor without a flake names devsh sync:\n%s", r.stdout)
	}
}

// TestDoctorNixConfFix: the nix.conf doctor names is the one nix reads
// ($XDG_CONFIG_HOME, NIX_USER_CONF_FILES, NIX_CONFIG), proven by doing what
// the fix says and running doctor again with the real nix.
func TestDoctorNixConfFix(t *testing.T) {
	cliEnv(t)
	dir := t.TempDir()
	cliExec(t, dir, "git", "init", "-q")
	flakes := func() string {
		t.Helper()
		r := cliRun(t, "-C", dir, "doctor")
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(l, "✓ flakes: ") || strings.HasPrefix(l, "✗ flakes: ") || strings.HasPrefix(l, "! flakes: ") {
				return l
			}
		}
		t.Fatalf("no flakes line in\n%s", r.stdout)
		return ""
	}
	const line = "experimental-features = nix-command flakes"
	fixOf := func(l string) string {
		_, fix, ok := strings.Cut(l, "; fix: ")
		if !strings.HasPrefix(l, "✗ ") || !ok {
			t.Fatalf("flakes line %q, want ✗ with a fix", l)
		}
		return fix
	}
	follow := func(fix, file string) {
		t.Helper()
		if want := `add "` + line + `" to ` + file; fix != want {
			t.Fatalf("fix = %q, want %q", fix, want)
		}
		cliWrite(t, file, line+"\n")
		if l := flakes(); l != "✓ flakes: enabled in your nix configuration" {
			t.Errorf("after doing what the fix says (%s): %q", fix, l)
		}
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
	}

	xdg := filepath.Join(t.TempDir(), "xdg")
	t.Setenv("XDG_CONFIG_HOME", xdg)
	follow(fixOf(flakes()), filepath.Join(xdg, "nix", "nix.conf"))

	t.Setenv("XDG_CONFIG_HOME", "")
	os.Unsetenv("XDG_CONFIG_HOME")
	home := os.Getenv("HOME")
	if fix := fixOf(flakes()); fix != `add "`+line+`" to ~/.config/nix/nix.conf` {
		t.Errorf("fix without XDG_CONFIG_HOME = %q, want ~/.config/nix/nix.conf", fix)
	}
	follow(`add "`+line+`" to `+filepath.Join(home, ".config", "nix", "nix.conf"), filepath.Join(home, ".config", "nix", "nix.conf"))

	confs := t.TempDir()
	first, second := filepath.Join(confs, "first.conf"), filepath.Join(confs, "second.conf")
	t.Setenv("NIX_USER_CONF_FILES", first+":"+second)
	follow(fixOf(flakes()), first)
	t.Setenv("NIX_USER_CONF_FILES", "")
	os.Unsetenv("NIX_USER_CONF_FILES")

	// NIX_CONFIG overrides every file: the fix is there.
	base := os.Getenv("NIX_CONFIG")
	t.Setenv("NIX_CONFIG", base+"\nexperimental-features = nix-command")
	if fix := fixOf(flakes()); fix != `NIX_CONFIG sets experimental-features and overrides nix.conf: add "nix-command flakes" to that line of NIX_CONFIG` {
		t.Errorf("fix with NIX_CONFIG = %q", fix)
	}
	t.Setenv("NIX_CONFIG", base+"\nexperimental-features = nix-command flakes")
	if l := flakes(); l != "✓ flakes: enabled in your nix configuration" {
		t.Errorf("after fixing NIX_CONFIG: %q", l)
	}
}
