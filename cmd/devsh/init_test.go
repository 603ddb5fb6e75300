package main

import (
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The tests of init, doctor, completion and the untracked warning run run()
// in-process with the real git, nix and direnv. The ic* helpers below are
// theirs: they isolate HOME, the XDG directories (direnv's allow list, nix's
// and devsh's caches), git's configuration and nix's flake registry.

// icFixtureNixpkgs is the fake nixpkgs flake shared with package nixsearch.
const icFixtureNixpkgs = "../../nixsearch/testdata/fixture/nixpkgs"

// icFlake is a project flake whose nixpkgs is the fixture copied into the
// project, so that flake.lock pins it without a network. It reads
// devshell.toml as a devshell flake does (devsh never builds the shell).
const icFlake = `{
  inputs.nixpkgs.url = "path:./fakepkgs";
  outputs = { self, nixpkgs }: {
    devshellConfig = builtins.fromTOML (builtins.readFile ./devshell.toml);
  };
}
`

// icRequire fails the test when a tool is missing: the tests run the real
// ones, and .ci/run installs them.
func icRequire(t *testing.T, tools ...string) {
	t.Helper()
	for _, name := range tools {
		if _, err := exec.LookPath(name); err != nil {
			t.Fatalf("%s is not on PATH (.ci/run installs it): %v", name, err)
		}
	}
}

// icEnv isolates the test's environment and returns the isolated HOME. nix
// gets an empty flake registry (never online) and, when flakes is set, the
// flake features in its configuration (as a user who enabled them has).
func icEnv(t *testing.T, flakes bool) string {
	t.Helper()
	icRequire(t, "git", "nix", "direnv")
	base := t.TempDir()
	for k, sub := range map[string]string{
		"HOME": "home", "XDG_CACHE_HOME": "cache", "XDG_DATA_HOME": "data", "XDG_CONFIG_HOME": "config",
	} {
		dir := filepath.Join(base, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv(k, dir)
	}
	t.Setenv("DIRENV_CONFIG", filepath.Join(base, "config", "direnv"))
	registry := filepath.Join(base, "registry.json")
	icWrite(t, registry, `{"flakes":[],"version":2}`)
	config := "flake-registry = " + registry
	if flakes {
		config += "\nexperimental-features = nix-command flakes"
	}
	t.Setenv("NIX_CONFIG", config)
	t.Setenv("NIX_CONF_DIR", filepath.Join(base, "etc-nix")) // no system nix.conf
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CEILING_DIRECTORIES", base) // no repository above the temp dirs
	t.Setenv("SHELL", "/bin/bash")
	for _, k := range []string{
		"DEVSH_NIXPKGS", "DEVSH_CACHE_DIR", "NO_COLOR", "ZDOTDIR",
		"DIRENV_DIR", "DIRENV_FILE", "DIRENV_DIFF", "DIRENV_WATCHES", "DIRENV_LOG_FORMAT",
	} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	return filepath.Join(base, "home")
}

// icProject creates a flake project in the isolated environment: the fixture
// nixpkgs in ./fakepkgs, flake.nix, the given files, all in a new git
// repository with everything but untracked added, locked with nix flake
// lock. It returns the project directory.
func icProject(t *testing.T, files map[string]string, untracked ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "proj")
	if err := os.CopyFS(filepath.Join(dir, "fakepkgs"), os.DirFS(icFixtureNixpkgs)); err != nil {
		t.Fatalf("copy fixture nixpkgs: %v", err)
	}
	icWrite(t, filepath.Join(dir, "flake.nix"), icFlake)
	for name, content := range files {
		icWrite(t, filepath.Join(dir, filepath.FromSlash(name)), content)
	}
	icExec(t, dir, "git", "init", "-q")
	icExec(t, dir, "git", "add", "-A")
	if len(untracked) > 0 {
		icExec(t, dir, append([]string{"git", "rm", "-q", "--cached", "--"}, untracked...)...)
	}
	icExec(t, dir, "nix", "--extra-experimental-features", "nix-command flakes", "flake", "lock")
	return dir
}

// icExec runs a setup command in dir and fails the test if it fails.
func icExec(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func icWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// icResult is one in-process run of devsh.
type icResult struct {
	code           int
	stdout, stderr string
}

// icRun runs devsh in-process with args, no terminal, os.Getenv.
func icRun(t *testing.T, args ...string) icResult {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code := run(context.Background(), args, ios, os.Getenv)
	r := icResult{code: code, stdout: out.String(), stderr: errOut.String()}
	t.Logf("devsh %s -> exit %d\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

// want fails the test unless r exited with code.
func (r icResult) want(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// icPathOnly replaces PATH with a directory holding only the named tools,
// so that every other program (nix, say) is missing for the rest of the test.
func icPathOnly(t *testing.T, tools ...string) {
	t.Helper()
	bin := t.TempDir()
	for _, name := range tools {
		target, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("%s is not on PATH: %v", name, err)
		}
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
}

// icSnapshot reads every file below dir except .git.
func icSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestInitFreshGitRepo(t *testing.T) {
	icEnv(t, false)
	icRequire(t, "nix-instantiate")
	dir := filepath.Join(t.TempDir(), "flynix")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	icExec(t, dir, "git", "init", "-q")

	r := icRun(t, "-C", dir, "init")
	r.want(t, exitOK)
	wantOut := "created flake.nix\ncreated devshell.toml\ncreated .envrc\ncreated .gitignore\n" +
		"staged flake.nix devshell.toml .envrc .gitignore (git add --intent-to-add)\n"
	if r.stdout != wantOut {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, wantOut)
	}
	if want := "next: cd " + dir + " && direnv allow"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q lacks %q", r.stderr, want)
	}

	files := icSnapshot(t, dir)
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
	tracked := strings.Fields(icExec(t, dir, "git", "ls-files"))
	if want := []string{".envrc", ".gitignore", "devshell.toml", "flake.nix"}; !slices.Equal(slices.Sorted(slices.Values(tracked)), want) {
		t.Errorf("git ls-files = %q, want %q", tracked, want)
	}
	icExec(t, dir, "nix-instantiate", "--parse", "flake.nix")

	// A second init changes nothing and says everything was kept.
	r = icRun(t, "-C", dir, "init")
	r.want(t, exitOK)
	wantOut = "kept flake.nix (already there)\nkept devshell.toml (already there)\nkept .envrc (already there)\nkept .gitignore (already there)\n"
	if r.stdout != wantOut {
		t.Errorf("second init stdout:\n%s\nwant:\n%s", r.stdout, wantOut)
	}
	if after := icSnapshot(t, dir); !maps.Equal(after, files) {
		t.Errorf("second init changed files:\n%q\nwas\n%q", after, files)
	}
	if again := strings.Fields(icExec(t, dir, "git", "ls-files")); !slices.Equal(again, tracked) {
		t.Errorf("second init changed the index: %q, was %q", again, tracked)
	}

	// The new project works with the other commands: a package goes into
	// the [devshell] list init wrote.
	r = icRun(t, "-C", dir, "--no-direnv", "add", "--no-verify", "cargo")
	r.want(t, exitOK)
	if got := icSnapshot(t, dir)["devshell.toml"]; got != "[devshell]\nname = \"flynix\"\npackages = [\"cargo\"]\n" {
		t.Errorf("devshell.toml after add:\n%s", got)
	}
}

func TestInitOutsideGit(t *testing.T) {
	icEnv(t, false)
	dir := t.TempDir()
	r := icRun(t, "-C", dir, "init")
	r.want(t, exitOK)
	if strings.Contains(r.stdout, "staged") {
		t.Errorf("stdout %q: nothing can be staged outside git", r.stdout)
	}
	want := "not a git repository: a flake belongs in one"
	fix := "run: cd " + dir + " && git init && git add --intent-to-add flake.nix devshell.toml .envrc .gitignore\n"
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, fix) {
		t.Errorf("stderr %q lacks %q and %q", r.stderr, want, fix)
	}
	if len(icSnapshot(t, dir)) != 4 {
		t.Errorf("files: %v", icSnapshot(t, dir))
	}
}

func TestInitKeepsAndReports(t *testing.T) {
	icEnv(t, false)
	dir := t.TempDir()
	icExec(t, dir, "git", "init", "-q")
	icWrite(t, filepath.Join(dir, "devshell.toml"), "[devshell]\npackages = [\"go\"]\n")
	icWrite(t, filepath.Join(dir, ".gitignore"), "result\n")

	r := icRun(t, "-C", dir, "init")
	r.want(t, exitOK)
	for _, want := range []string{"created flake.nix\n", "created .envrc\n", "added .direnv to .gitignore\n", "kept devshell.toml (already there)\n", "staged flake.nix .envrc (git add --intent-to-add)\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	// The kept devshell.toml is not tracked: the flake could not see it.
	if want := "the flake cannot see files git does not track; run: git add --intent-to-add " + filepath.Join(dir, "devshell.toml"); !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q lacks %q", r.stderr, want)
	}
	files := icSnapshot(t, dir)
	if files["devshell.toml"] != "[devshell]\npackages = [\"go\"]\n" || files[".gitignore"] != "result\n.direnv\n" {
		t.Errorf("files after init: %q", files)
	}
}

func TestInitRefusesFile(t *testing.T) {
	icEnv(t, false)
	dir := t.TempDir()
	r := icRun(t, "-C", dir, "--file", "other.toml", "init")
	r.want(t, exitUsage)
	if len(icSnapshot(t, dir)) != 0 {
		t.Errorf("init --file wrote files: %v", icSnapshot(t, dir))
	}
	icRun(t, "-C", dir, "init", "extra").want(t, exitUsage)
}
