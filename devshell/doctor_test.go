package devshell

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/devsh/devsh/internal/run/runtest"
)

func TestCheckString(t *testing.T) {
	tests := []struct {
		c    Check
		want string
	}{
		{Check{Name: "nix", Detail: "2.8.0"}, "✓ nix: 2.8.0"},
		{Check{Name: "index", State: CheckWarn, Detail: "not built", Fix: "devsh index"}, "! index: not built; fix: devsh index"},
		{Check{Name: ".envrc", State: CheckFail, Detail: "not allowed", Fix: "direnv allow"}, "✗ .envrc: not allowed; fix: direnv allow"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// doctorExitErr is a real *exec.ExitError with status code, from running sh.
func doctorExitErr(t *testing.T, code int) error {
	t.Helper()
	err := exec.Command("sh", "-c", fmt.Sprintf("exit %d", code)).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("sh exit %d: %v", code, err)
	}
	return fmt.Errorf("run nix: %w", err)
}

func TestDoctorNixCheck(t *testing.T) {
	notFound := fmt.Errorf("run nix: %w", &exec.Error{Name: "nix", Err: exec.ErrNotFound})
	tests := []struct {
		name   string
		run    doctorRun
		state  CheckState
		detail string
	}{
		// The whole line (issue 9: it names Lix and Determinate Nix; the
		// detail was the bare version before).
		{"2.8", doctorRun{stdout: []byte("nix (Nix) 2.8.0\n")}, CheckOK, "nix (Nix) 2.8.0"},
		{"lix", doctorRun{stdout: []byte("nix (Lix, like Nix) 2.91.1\n")}, CheckOK, "nix (Lix, like Nix) 2.91.1"},
		{"determinate", doctorRun{stdout: []byte("nix (Determinate Nix 3.6.2) 2.29.0\n")}, CheckOK, "nix (Determinate Nix 3.6.2) 2.29.0"},
		{"verbose", doctorRun{stdout: []byte("nix (Nix) 2.24.15\nSystem type: x86_64-linux\n")}, CheckOK, "nix (Nix) 2.24.15"},
		{"missing", doctorRun{err: notFound}, CheckFail, "not found"},
		{"broken", doctorRun{stderr: []byte("error: cannot open store\n"), err: doctorExitErr(t, 1)}, CheckFail, "nix --version failed: error: cannot open store"},
		{"silent", doctorRun{}, CheckFail, "nix --version printed nothing"},
	}
	for _, tt := range tests {
		c, _ := doctorNixCheck(tt.run)
		if c.State != tt.state || c.Detail != tt.detail || c.Name != "nix" {
			t.Errorf("%s: got %+v, want state %v detail %q", tt.name, c, tt.state, tt.detail)
		}
		if tt.state == CheckFail && c.Fix == "" {
			t.Errorf("%s: a failure without a fix", tt.name)
		}
	}
}

func TestDoctorFlakesCheck(t *testing.T) {
	yes := doctorRun{stdout: []byte("true\n")}
	no := doctorRun{stdout: []byte("false\n")}
	noCommand := doctorRun{stderr: []byte("error: experimental Nix feature 'nix-command' is disabled; use '--extra-experimental-features nix-command' to override\n"), err: doctorExitErr(t, 1)}
	old := doctorRun{stderr: []byte("error: unrecognised flag '--extra-experimental-features'\n"), err: doctorExitErr(t, 1)}
	// Captured from nix 2.8 (`store = bogus://x` in NIX_CONFIG), its JSON
	// log coloured despite NO_COLOR.
	store := doctorRun{stderr: []byte(`@nix {"action":"msg","column":null,"file":null,"level":0,"line":null,"msg":"\u001b[31;1merror:\u001b[0m don't know how to open Nix store '\u001b[35;1mbogus://x\u001b[0m'","raw_msg":"don't know how to open Nix store '\u001b[35;1mbogus://x\u001b[0m'"}` + "\n"), err: doctorExitErr(t, 1)}
	tests := []struct {
		name            string
		withFlags, bare doctorRun
		state           CheckState
		detailHas       string
	}{
		{"enabled", yes, yes, CheckOK, "enabled in your nix configuration"},
		{"only nix-command", yes, no, CheckFail, "but flakes are off"},
		{"nothing enabled", yes, noCommand, CheckFail, "but nix-command and flakes are off"},
		{"too old", old, noCommand, CheckFail, "cannot evaluate flakes: unrecognised flag '--extra-experimental-features'"},
		{"json error event", store, noCommand, CheckFail, "cannot evaluate flakes: don't know how to open Nix store 'bogus://x'"},
		{"flags without flakes", no, no, CheckFail, "cannot evaluate flakes"},
	}
	for _, tt := range tests {
		c := doctorFlakesCheck(parseDoctorNixVersion("nix (Nix) 2.8.0"), tt.withFlags, tt.bare)
		if c.State != tt.state || !strings.Contains(c.Detail, tt.detailHas) || strings.ContainsAny(c.Detail, "\x1b\n") {
			t.Errorf("%s: got %+v, want state %v, detail with %q", tt.name, c, tt.state, tt.detailHas)
		}
		if tt.state == CheckFail && c.Fix == "" {
			t.Errorf("%s: a failure without a fix", tt.name)
		}
	}
}

func TestParseDoctorNixVersion(t *testing.T) {
	tests := []struct {
		out  string
		want doctorNixVersion
	}{
		{"nix (Nix) 2.8.0\n", doctorNixVersion{Line: "nix (Nix) 2.8.0", Impl: doctorImplNix, Version: "2.8.0", Major: 2, Minor: 8}},
		{"nix (Nix) 2.3.16", doctorNixVersion{Line: "nix (Nix) 2.3.16", Impl: doctorImplNix, Version: "2.3.16", Major: 2, Minor: 3}},
		{"nix (Lix, like Nix) 2.93.0\n", doctorNixVersion{Line: "nix (Lix, like Nix) 2.93.0", Impl: doctorImplLix, Version: "2.93.0", Major: 2, Minor: 93}},
		{"nix (Determinate Nix 3.11.2) 2.31.1\n", doctorNixVersion{Line: "nix (Determinate Nix 3.11.2) 2.31.1", Impl: doctorImplDeterminate, Version: "2.31.1", Major: 2, Minor: 31}},
		{"\x1b[1mnix (Nix) 2.35.2pre\x1b[0m", doctorNixVersion{Line: "nix (Nix) 2.35.2pre", Impl: doctorImplNix, Version: "2.35.2pre", Major: 2, Minor: 35}},
		{"nix (Tvix) dev", doctorNixVersion{Line: "nix (Tvix) dev", Impl: "Tvix", Version: "dev"}},
	}
	for _, tt := range tests {
		if got := parseDoctorNixVersion(tt.out); got != tt.want {
			t.Errorf("parseDoctorNixVersion(%q) = %+v, want %+v", tt.out, got, tt.want)
		}
	}
}

// TestDoctorFlakesPerImplementation: the verdict and the fix depend on
// which nix it is.
func TestDoctorFlakesPerImplementation(t *testing.T) {
	if c, ok := doctorFlakesByVersion(parseDoctorNixVersion("nix (Nix) 2.3.16")); !ok || c.State != CheckFail ||
		!strings.Contains(c.Detail, "too old for flakes") || !strings.Contains(c.Fix, "2.4 or later") {
		t.Errorf("nix 2.3: %+v, %v; want too old, without a probe", c, ok)
	}
	for _, line := range []string{"nix (Nix) 2.4.1", "nix (Nix) 2.8.0", "nix (Lix, like Nix) 2.90.0", "nix (Determinate Nix 3.0.0) 2.26.3"} {
		if c, ok := doctorFlakesByVersion(parseDoctorNixVersion(line)); ok {
			t.Errorf("%s decided without a probe: %+v", line, c)
		}
	}
	yes := doctorRun{stdout: []byte("true\n")}
	no := doctorRun{stdout: []byte("false\n")}
	old := doctorRun{stderr: []byte("error: unrecognised flag '--extra-experimental-features'\n"), err: doctorExitErr(t, 1)}
	det := parseDoctorNixVersion("nix (Determinate Nix 3.11.2) 2.31.1")
	if c := doctorFlakesCheck(det, yes, yes); c.State != CheckOK || !strings.Contains(c.Detail, "Determinate Nix has them on by default") {
		t.Errorf("Determinate, on: %+v", c)
	}
	if c := doctorFlakesCheck(det, yes, no); c.State != CheckFail || !strings.Contains(c.Detail, "although Determinate Nix enables them") || c.Fix == "" {
		t.Errorf("Determinate, turned off: %+v", c)
	}
	if c := doctorFlakesCheck(parseDoctorNixVersion("nix (Lix, like Nix) 2.93.0"), old, old); c.State != CheckFail || !strings.Contains(c.Fix, "update Lix") {
		t.Errorf("Lix that cannot evaluate flakes: %+v", c)
	}
}

func TestDoctorFlakeProbeArgs(t *testing.T) {
	if got, want := doctorFlakeProbeArgs(true), []string{"nix", "--extra-experimental-features", "nix-command flakes", "eval", "--log-format", "internal-json", "--expr", "builtins ? getFlake"}; !slices.Equal(got, want) {
		t.Errorf("with flags: %q, want %q", got, want)
	}
	if got, want := doctorFlakeProbeArgs(false), []string{"nix", "eval", "--log-format", "internal-json", "--expr", "builtins ? getFlake"}; !slices.Equal(got, want) {
		t.Errorf("without flags: %q, want %q", got, want)
	}
}

// doctorNixEnv isolates nix's configuration: no user or system nix.conf,
// only NIX_CONFIG.
func doctorNixEnv(t *testing.T, config string) {
	t.Helper()
	if _, err := exec.LookPath("nix"); err != nil {
		t.Fatalf("nix is not on PATH (.ci/run installs it): %v", err)
	}
	base := t.TempDir()
	t.Setenv("HOME", base)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(base, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(base, "cache"))
	t.Setenv("NIX_CONF_DIR", filepath.Join(base, "etc-nix"))
	t.Setenv("NIX_CONFIG", config)
}

// TestDoctorNixReal runs the probes against the real nix with flakes on and
// off in its configuration.
func TestDoctorNixReal(t *testing.T) {
	tests := []struct {
		config    string
		flakes    CheckState
		detailHas string
	}{
		{"experimental-features = nix-command flakes", CheckOK, "enabled"},
		{"experimental-features = nix-command", CheckFail, "but flakes are off"},
		{"", CheckFail, "but nix-command and flakes are off"},
		// A real failure of the probe with devsh's flags: its detail is
		// nix's message from its JSON log, not an `@nix {…}` line.
		{"experimental-features = nix-command flakes\nstore = bogus://x", CheckFail, "this nix cannot evaluate flakes: don't know how to open Nix store"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.config), func(t *testing.T) {
			doctorNixEnv(t, tt.config)
			checks := DoctorNix(context.Background(), nil)
			if len(checks) != 2 {
				t.Fatalf("DoctorNix = %v, want two checks", checks)
			}
			if checks[0].State != CheckOK || !regexp.MustCompile(`^nix \(.*\) 2\.\d+`).MatchString(checks[0].Detail) {
				t.Errorf("nix check = %+v, want nix's whole version line, nix 2.x", checks[0])
			}
			if checks[1].State != tt.flakes || !strings.Contains(checks[1].Detail, tt.detailHas) ||
				strings.Contains(checks[1].Detail, "@nix") || strings.ContainsAny(checks[1].Detail, "\x1b\n") {
				t.Errorf("flakes check = %+v, want %v with %q", checks[1], tt.flakes, tt.detailHas)
			}
		})
	}
}

func TestDoctorToolsMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	checks := DoctorNix(context.Background(), nil)
	if len(checks) != 2 || checks[0].State != CheckFail || checks[0].Detail != "not found" || checks[1].State != CheckFail {
		t.Errorf("DoctorNix without nix = %+v", checks)
	}
	checks = DoctorDirenv(context.Background(), Direnv{}, func(string) string { return "" }, os.ReadFile)
	// direnv is optional (README: "direnv is optional"): a warning, not a failure.
	if len(checks) != 1 || checks[0].State != CheckWarn || !strings.HasPrefix(checks[0].Detail, "not found (optional") ||
		checks[0].String() != "! direnv: not found (optional: devsh still keeps .envrc in sync, but nothing loads the shell on cd); fix: install direnv (https://direnv.net) and hook it into your shell, or enter the shell with nix develop" {
		t.Errorf("DoctorDirenv without direnv = %+v", checks)
	}
}

func TestDirenvHookCheck(t *testing.T) {
	files := map[string]string{
		"/h/.bashrc":                  "export EDITOR=vi\n",
		"/h/.bash_profile":            "eval \"$(/nix/store/abc-direnv-2.34/bin/direnv hook bash)\"\n",
		"/z/.zshrc":                   "eval \"$(direnv hook zsh)\"\n",
		"/h/.config/fish/config.fish": "direnv hook fish | source\n",
		"/x/fish/config.fish":         "set -x A b\n",
		"/other/.zshrc":               "# nothing\n",
		"/h/.profile":                 "",
	}
	readFile := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
	tests := []struct {
		name   string
		env    map[string]string
		state  CheckState
		detail string
		fix    string
	}{
		{"loaded", map[string]string{"DIRENV_DIR": "-/src/p", "SHELL": "/bin/sh"}, CheckOK, "active in this shell (loaded /src/p)", ""},
		{"bash profile", map[string]string{"SHELL": "/bin/bash", "HOME": "/h"}, CheckOK, "set up in ~/.bash_profile", ""},
		{"zsh zdotdir", map[string]string{"SHELL": "/usr/bin/zsh", "HOME": "/h", "ZDOTDIR": "/z"}, CheckOK, "set up in /z/.zshrc", ""},
		{"zsh home", map[string]string{"SHELL": "/usr/bin/zsh", "HOME": "/other"}, CheckFail,
			"no direnv hook in the zsh start-up files, so .envrc files are never loaded",
			`add 'eval "$(direnv hook zsh)"' to ~/.zshrc, then open a new shell`},
		{"fish default config", map[string]string{"SHELL": "/usr/bin/fish", "HOME": "/h"}, CheckOK, "set up in ~/.config/fish/config.fish", ""},
		{"fish xdg config", map[string]string{"SHELL": "/usr/bin/fish", "HOME": "/h", "XDG_CONFIG_HOME": "/x"}, CheckFail,
			"no direnv hook in the fish start-up files, so .envrc files are never loaded",
			"add 'direnv hook fish | source' to /x/fish/config.fish, then open a new shell"},
		{"unknown shell", map[string]string{"SHELL": "/bin/tcsh", "HOME": "/h"}, CheckFail, "cannot tell for shell tcsh", "hook direnv into your shell: https://direnv.net/docs/hook.html"},
		{"no shell", map[string]string{"HOME": "/h"}, CheckFail, "cannot tell for shell (SHELL is not set)", "hook direnv into your shell: https://direnv.net/docs/hook.html"},
	}
	for _, tt := range tests {
		c := direnvHookCheck(func(k string) string { return tt.env[k] }, readFile)
		if c.State != tt.state || c.Detail != tt.detail || c.Fix != tt.fix || c.Name != "direnv hook" {
			t.Errorf("%s: got %+v\nwant state %v detail %q fix %q", tt.name, c, tt.state, tt.detail, tt.fix)
		}
	}
}

func TestGitAddCommand(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	tests := []struct {
		paths []string
		want  string
	}{
		{[]string{filepath.Join(wd, "devshell.toml")}, "git add --intent-to-add devshell.toml"},
		{[]string{filepath.Join(wd, "nix", "my tools.nix"), filepath.Join(wd, "-x.toml")}, "git add --intent-to-add 'nix/my tools.nix' ./-x.toml"},
		{[]string{"/elsewhere/devshell.toml"}, "git add --intent-to-add /elsewhere/devshell.toml"},
	}
	for _, tt := range tests {
		if got := GitAddCommand(tt.paths); got != tt.want {
			t.Errorf("GitAddCommand(%q) = %q, want %q", tt.paths, got, tt.want)
		}
	}
}

// doctorTestEnv isolates git and direnv (allow list, config) in temp dirs.
func doctorTestEnv(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"git", "direnv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH (.ci/run installs it): %v", tool, err)
		}
	}
	base := t.TempDir()
	for k, sub := range map[string]string{"HOME": "home", "XDG_DATA_HOME": "data", "XDG_CONFIG_HOME": "config", "XDG_CACHE_HOME": "cache"} {
		dir := filepath.Join(base, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv(k, dir)
	}
	t.Setenv("DIRENV_CONFIG", filepath.Join(base, "config", "direnv"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(base))
	for _, k := range []string{"DIRENV_DIR", "DIRENV_FILE", "DIRENV_DIFF", "DIRENV_WATCHES"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// doctorTestProject writes files into a new git repository and tracks those
// named in track.
func doctorTestProject(t *testing.T, files map[string]string, track ...string) *Project {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "proj")
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	scaffoldGit(t, dir, "init", "-q")
	if len(track) > 0 {
		scaffoldGit(t, dir, append([]string{"add", "--"}, track...)...)
	}
	p, err := Find(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// doctorByName returns the project check called name.
func doctorByName(t *testing.T, checks []Check, name string) Check {
	t.Helper()
	for _, c := range checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %q check in %v", name, checks)
	return Check{}
}

const doctorTestFlake = "{ outputs = { self }: { devShells = import ./devshell.toml; }; }\n"

func TestProjectDoctor(t *testing.T) {
	doctorTestEnv(t)
	ctx := context.Background()
	good := map[string]string{
		"flake.nix":      doctorTestFlake,
		"devshell.toml":  "imports = [\"nix/tools.toml\"]\n[devshell]\npackages = [\"cargo\"]\n",
		"nix/tools.toml": "[[commands]]\npackage = \"jq\"\n",
		".envrc":         "watch_file devshell.toml nix/tools.toml\nuse flake\n",
	}
	all := []string{"flake.nix", "devshell.toml", "nix/tools.toml", ".envrc"}

	t.Run("all good", func(t *testing.T) {
		p := doctorTestProject(t, good, all...)
		scaffoldRun(t, p.Root, "direnv", "allow", p.EnvrcPath)
		rec := &runtest.Recorder{}
		checks := p.Doctor(ctx, DoctorOptions{Runner: rec})
		revParses := 0
		for _, args := range rec.Runs() {
			if slices.Contains(args, "rev-parse") {
				revParses++
			}
		}
		if revParses != 1 {
			t.Errorf("git rev-parse ran %d times, want once: %q", revParses, rec.Runs())
		}
		for _, c := range checks {
			if c.State != CheckOK {
				t.Errorf("%s", c)
			}
		}
		if got := doctorByName(t, checks, "devshell.toml").Detail; got != "1 package" {
			t.Errorf("devshell.toml detail %q", got)
		}
		if c := doctorByName(t, checks, ".envrc"); c.State != CheckOK {
			t.Errorf(".envrc check = %+v", c)
		}
		if got := doctorByName(t, checks, "watches").Detail; got != "the .envrc watches devshell.toml nix/tools.toml" {
			t.Errorf("watches detail %q", got)
		}
	})

	t.Run("untracked import", func(t *testing.T) {
		p := doctorTestProject(t, good, "flake.nix", "devshell.toml", ".envrc")
		c := doctorByName(t, p.Doctor(ctx, DoctorOptions{}), "git")
		if c.State != CheckFail || !strings.Contains(c.Detail, "cannot see nix/tools.toml") || !strings.Contains(c.Fix, "git add --intent-to-add") || !strings.HasSuffix(c.Fix, "nix/tools.toml") {
			t.Errorf("git check = %+v", c)
		}
		untracked, err := p.UntrackedFiles(ctx, nil)
		if want := []string{filepath.Join(p.Root, "nix", "tools.toml")}; err != nil || !slices.Equal(untracked, want) {
			t.Errorf("UntrackedFiles = %q, %v; want %q", untracked, err, want)
		}
		// Intent-to-add is enough.
		scaffoldGit(t, p.Root, "add", "--intent-to-add", "nix/tools.toml")
		if untracked, err := p.UntrackedFiles(ctx, nil); err != nil || len(untracked) != 0 {
			t.Errorf("after git add -N: UntrackedFiles = %q, %v", untracked, err)
		}
	})

	t.Run("missing watch and not allowed", func(t *testing.T) {
		files := doctorWith(good, ".envrc", "watch_file devshell.toml\nuse flake\n")
		p := doctorTestProject(t, files, all...)
		checks := p.Doctor(ctx, DoctorOptions{})
		w := doctorByName(t, checks, "watches")
		if w.State != CheckFail || !strings.Contains(w.Detail, "does not watch nix/tools.toml before 'use flake'") || w.Fix != "devsh sync" {
			t.Errorf("watches check = %+v", w)
		}
		e := doctorByName(t, checks, ".envrc")
		if e.State != CheckFail || !strings.HasPrefix(e.Detail, "not allowed") || !strings.Contains(e.Fix, "direnv allow "+p.EnvrcPath) {
			t.Errorf(".envrc check = %+v", e)
		}
	})

	t.Run("watched after use flake", func(t *testing.T) {
		files := doctorWith(good, ".envrc", "use flake\nwatch_file devshell.toml nix/tools.toml\n")
		p := doctorTestProject(t, files, all...)
		w := doctorByName(t, p.Doctor(ctx, DoctorOptions{}), "watches")
		if w.State != CheckFail || !strings.Contains(w.Detail, "devshell.toml nix/tools.toml") {
			t.Errorf("watches check = %+v", w)
		}
	})

	t.Run("missing import", func(t *testing.T) {
		files := doctorWith(good, "devshell.toml", "imports = [\"nix/tools.toml\", \"nix/gone.nix\"]\n")
		p := doctorTestProject(t, files, all...)
		w := doctorByName(t, p.Doctor(ctx, DoctorOptions{}), "watches")
		if w.State != CheckFail || w.Detail != "imported but missing: nix/gone.nix" {
			t.Errorf("watches check = %+v", w)
		}
	})

	t.Run("no envrc, no toml", func(t *testing.T) {
		p := doctorTestProject(t, map[string]string{"flake.nix": doctorTestFlake}, "flake.nix")
		checks := p.Doctor(ctx, DoctorOptions{})
		if c := doctorByName(t, checks, "devshell.toml"); c.State != CheckFail || c.Fix != "devsh init" {
			t.Errorf("devshell.toml check = %+v", c)
		}
		if c := doctorByName(t, checks, ".envrc"); c.State != CheckFail || !strings.HasPrefix(c.Detail, "missing") {
			t.Errorf(".envrc check = %+v", c)
		}
		if len(checks) != 3 {
			t.Errorf("checks = %v, want flake, devshell.toml, .envrc only", checks)
		}
	})

	t.Run("packagesFrom and commands", func(t *testing.T) {
		files := doctorWith(good, "devshell.toml", "imports = [\"nix/tools.toml\"]\n[devshell]\npackages = [\"cargo\"]\npackagesFrom = [\"openssl\", \"zlib\"]\n")
		p := doctorTestProject(t, files, all...)
		c := doctorByName(t, p.Doctor(ctx, DoctorOptions{}), "devshell.toml")
		if c.State != CheckOK || c.Detail != "1 package, the build inputs of openssl, zlib (packagesFrom)" {
			t.Errorf("devshell.toml check = %+v", c)
		}
		files = doctorWith(good, "devshell.toml", "[devshell]\npackages = [\"cargo\"]\n[[commands]]\npackage = \"jq\"\n")
		p = doctorTestProject(t, files, all...)
		if c := doctorByName(t, p.Doctor(ctx, DoctorOptions{}), "devshell.toml"); c.Detail != "1 package, 1 more from [[commands]]" {
			t.Errorf("devshell.toml check = %+v", c)
		}
	})

	t.Run("packages not a list", func(t *testing.T) {
		p := doctorTestProject(t, doctorWith(good, "devshell.toml", "[devshell]\npackages = \"jq\"\n"), all...)
		c := doctorByName(t, p.Doctor(ctx, DoctorOptions{}), "devshell.toml")
		if c.State != CheckFail || !strings.HasPrefix(c.Detail, p.TOMLPath+":2:1: devshell.packages is a string, not an array") {
			t.Errorf("devshell.toml check = %+v", c)
		}
	})

	t.Run("invalid toml", func(t *testing.T) {
		p := doctorTestProject(t, doctorWith(good, "devshell.toml", "[devshell\n"), all...)
		c := doctorByName(t, p.Doctor(ctx, DoctorOptions{}), "devshell.toml")
		if c.State != CheckFail || !strings.HasPrefix(c.Detail, p.TOMLPath+":1:") {
			t.Errorf("devshell.toml check = %+v", c)
		}
	})

	t.Run("flake without devshell.toml", func(t *testing.T) {
		p := doctorTestProject(t, doctorWith(good, "flake.nix", "{ outputs = { self }: { }; }\n"), all...)
		c := doctorByName(t, p.Doctor(ctx, DoctorOptions{}), "flake")
		if c.State != CheckWarn || c.Detail != "flake.nix does not mention devshell.toml" {
			t.Errorf("flake check = %+v", c)
		}
	})

	t.Run("no flake", func(t *testing.T) {
		p := doctorTestProject(t, map[string]string{"devshell.toml": "[devshell]\n"})
		checks := p.Doctor(ctx, DoctorOptions{})
		if c := doctorByName(t, checks, "flake"); c.State != CheckFail || c.Fix != "devsh init" {
			t.Errorf("flake check = %+v", c)
		}
		// devsh sync would leave .envrc alone here: init is the fix.
		if c := doctorByName(t, checks, ".envrc"); c.State != CheckFail || c.Fix != "devsh init (writes flake.nix and .envrc)" {
			t.Errorf(".envrc check without a flake = %+v", c)
		}
		if untracked, err := p.UntrackedFiles(ctx, nil); err != nil || untracked != nil {
			t.Errorf("UntrackedFiles without a flake = %q, %v; want none", untracked, err)
		}
	})

	t.Run("file outside the project", func(t *testing.T) {
		// The project's own devshell.toml is untracked and unwatched: the
		// checks of an outside --file must not report the project's files.
		p := doctorTestProject(t, doctorWith(good, ".envrc", "use flake\n"), "flake.nix")
		outside := filepath.Join(t.TempDir(), "shared.toml")
		if err := os.WriteFile(outside, []byte("imports = [\"more.toml\"]\n[devshell]\npackages = [\"go\"]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := Find(p.Root, outside)
		if err != nil {
			t.Fatal(err)
		}
		checks := p.Doctor(ctx, DoctorOptions{})
		var names []string
		for _, c := range checks {
			names = append(names, c.Name)
		}
		if want := []string{"flake", "shared.toml", ".envrc", "--file"}; !slices.Equal(names, want) {
			t.Errorf("checks %q, want %q (no watches or git advice for a file the flake cannot read)", names, want)
		}
		if c := doctorByName(t, checks, "flake"); c.State != CheckOK {
			t.Errorf("flake check = %+v, want no import advice for an outside file", c)
		}
		if c := doctorByName(t, checks, "shared.toml"); c.State != CheckOK || c.Detail != "1 package" {
			t.Errorf("shared.toml check = %+v", c)
		}
		want := Check{Name: "--file", State: CheckWarn, Detail: outside + " is outside the project " + p.Root + ": its flake cannot read it, so .envrc watches and git tracking do not apply to it"}
		if c := doctorByName(t, checks, "--file"); c != want {
			t.Errorf("--file check = %+v, want %+v", c, want)
		}
	})

	t.Run("not a git repository", func(t *testing.T) {
		p := doctorTestProject(t, good, all...)
		if err := os.RemoveAll(filepath.Join(p.Root, ".git")); err != nil {
			t.Fatal(err)
		}
		c := doctorByName(t, p.Doctor(ctx, DoctorOptions{}), "git")
		if c.State != CheckOK || !strings.HasPrefix(c.Detail, "not a git repository") {
			t.Errorf("git check = %+v", c)
		}
	})
}

// doctorWith returns a copy of m with name set to content.
func doctorWith(m map[string]string, name, content string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	out[name] = content
	return out
}

// scaffoldRun runs a real tool in dir for test setup.
func scaffoldRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

func TestDoctorNixConfFix(t *testing.T) {
	const add = `add "experimental-features = nix-command flakes" to `
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HOME": "/home/u"}, add + "~/.config/nix/nix.conf"},
		{map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg"}, add + "/cfg/nix/nix.conf"},
		{map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/home/u/cfg"}, add + "~/cfg/nix/nix.conf"},
		{map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg", "NIX_USER_CONF_FILES": "/a.conf:/b.conf"}, add + "/a.conf"},
		// extra-experimental-features adds to nix.conf's, it does not override it.
		{map[string]string{"HOME": "/home/u", "NIX_CONFIG": "extra-experimental-features = ca-derivations"}, add + "~/.config/nix/nix.conf"},
		{map[string]string{"HOME": "/home/u", "NIX_CONFIG": "substituters = x\n experimental-features = nix-command"},
			`NIX_CONFIG sets experimental-features and overrides nix.conf: add "nix-command flakes" to that line of NIX_CONFIG`},
	} {
		if got := doctorNixConfFix(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %q, want %q", c.env, got, c.want)
		}
	}
}
