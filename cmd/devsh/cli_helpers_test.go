package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The command-line tests (and those of init, doctor, completion, the
// untracked warning and the TUI backend) run run() in-process against a
// temporary flake project whose nixpkgs is a copy of the fake nixpkgs in
// nixsearch/testdata/fixture, with the real nix, direnv and git. Tests where
// nix is not the point (list, remove, usage errors) use a project that is
// not locked and run with nix refused through the runner seam
// (cliProjectNoNix, cliRunNoNix); git and direnv still run. Every test
// isolates HOME and the XDG directories (direnv's allow list, nix's and
// devsh's caches), git's and nix's configuration, and points nix at an empty
// flake registry so that it never goes online.

// cliFixtureDir holds the fixture flakes shared with package nixsearch.
const cliFixtureDir = "../../nixsearch/testdata/fixture"

// cliProjectFlake is the project's flake.nix: one nixpkgs input, a path
// into the project, and no outputs (devsh only reads flake.lock).
const cliProjectFlake = `{
  inputs.nixpkgs.url = "path:./fakepkgs";
  outputs = { self, nixpkgs }: { };
}
`

// cliDevshellFlake is a project flake.nix that reads devshell.toml as a
// devshell flake does, for doctor's check that the flake imports it (devsh
// never builds the shell, so nix never evaluates these outputs).
const cliDevshellFlake = `{
  inputs.nixpkgs.url = "path:./fakepkgs";
  outputs = { self, nixpkgs }: {
    devshellConfig = builtins.fromTOML (builtins.readFile ./devshell.toml);
  };
}
`

// cliRequireTool fails the test when name is not on PATH: the tests run the
// real tools, and .ci/run installs them.
func cliRequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not on PATH (.ci/run installs it): %v", name, err)
	}
	return p
}

// cliEnv isolates the test from the user's home, caches, direnv state, git
// and nix configuration (no system nix.conf or gitconfig, no repository above
// the test's temp dirs) and flake registry, and clears devsh's own variables.
// nix's flake features stay off in its configuration (devsh passes them
// itself); cliEnableFlakes turns them on.
func cliEnv(t testing.TB) {
	t.Helper()
	cliRequireTool(t, "nix")
	cliRequireTool(t, "direnv")
	cliRequireTool(t, "git")
	base := t.TempDir()
	for k, sub := range map[string]string{
		"HOME":            "home",
		"XDG_CACHE_HOME":  "cache",
		"XDG_DATA_HOME":   "data",
		"XDG_CONFIG_HOME": "config",
	} {
		dir := filepath.Join(base, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv(k, dir)
	}
	t.Setenv("DIRENV_CONFIG", filepath.Join(base, "config", "direnv"))
	registry := filepath.Join(base, "registry.json")
	cliWrite(t, registry, `{"flakes":[],"version":2}`)
	t.Setenv("NIX_CONFIG", "flake-registry = "+registry)
	t.Setenv("NIX_CONF_DIR", filepath.Join(base, "etc-nix")) // no system nix.conf
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	// The test's t.TempDir directories share this parent: git looks for no
	// repository above it (a temp dir outside git stays outside git).
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(base))
	t.Setenv("SHELL", "/bin/bash")
	for _, k := range []string{
		"DEVSH_NIXPKGS", "DEVSH_CACHE_DIR", "NO_COLOR", "ZDOTDIR",
		"DIRENV_DIR", "DIRENV_FILE", "DIRENV_DIFF", "DIRENV_WATCHES", "DIRENV_LOG_FORMAT",
	} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// cliEnableFlakes adds the flake features to the isolated nix configuration
// (after cliEnv), as a user who enabled them has.
func cliEnableFlakes(t *testing.T) {
	t.Helper()
	t.Setenv("NIX_CONFIG", os.Getenv("NIX_CONFIG")+"\nexperimental-features = nix-command flakes")
}

// cliCacheDir is devsh's default index cache under the isolated
// XDG_CACHE_HOME.
func cliCacheDir() string { return filepath.Join(os.Getenv("XDG_CACHE_HOME"), "devsh") }

// cliProject isolates the environment (cliEnv) and creates a flake project
// in a temp dir: ./fakepkgs (the fixture nixpkgs), flake.nix, devshell.toml
// with toml (none when toml is ""), staged in git and locked with
// `nix flake lock`. It returns the project directory.
func cliProject(t testing.TB, toml string) string {
	t.Helper()
	files := map[string]string{}
	if toml != "" {
		files["devshell.toml"] = toml
	}
	return cliProjectFiles(t, cliProjectFlake, files)
}

// cliProjectFiles isolates the environment (cliEnv) and creates a flake
// project in a temp dir: ./fakepkgs (the fixture nixpkgs), flake.nix with
// flake, and files (slash-separated paths relative to the project), all in a
// new git repository with everything but untracked staged, and locked with
// `nix flake lock`. It returns the project directory.
func cliProjectFiles(t testing.TB, flake string, files map[string]string, untracked ...string) string {
	t.Helper()
	dir := cliProjectUnlocked(t, flake, files, untracked...)
	cliExec(t, dir, "nix", "--extra-experimental-features", "nix-command flakes", "flake", "lock")
	if _, err := os.Stat(filepath.Join(dir, "flake.lock")); err != nil {
		t.Fatalf("nix flake lock wrote no flake.lock: %v", err)
	}
	return dir
}

// cliProjectUnlocked is cliProjectFiles without the lock: no nix runs, and
// the project has no flake.lock (for tests where nix is not the point).
func cliProjectUnlocked(t testing.TB, flake string, files map[string]string, untracked ...string) string {
	t.Helper()
	cliEnv(t)
	dir := filepath.Join(t.TempDir(), "proj")
	if err := os.CopyFS(filepath.Join(dir, "fakepkgs"), os.DirFS(filepath.Join(cliFixtureDir, "nixpkgs"))); err != nil {
		t.Fatalf("copy fixture nixpkgs: %v", err)
	}
	cliWrite(t, filepath.Join(dir, "flake.nix"), flake)
	for name, content := range files {
		cliWrite(t, filepath.Join(dir, filepath.FromSlash(name)), content)
	}
	cliExec(t, dir, "git", "init", "-q")
	cliExec(t, dir, "git", "add", "-A")
	if len(untracked) > 0 {
		cliExec(t, dir, append([]string{"git", "rm", "-q", "--cached", "--"}, untracked...)...)
	}
	return dir
}

// cliExec runs a setup command in dir and fails the test if it fails.
func cliExec(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// cliWrite writes content to path, creating its directory.
func cliWrite(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cliRead returns the content of path.
func cliRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cliNotExist fails unless path does not exist.
func cliNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("%s exists (or cannot be checked: %v), want no such file", path, err)
	}
}

// cliSnapshot reads every file below dir except .git, by slash-separated
// relative path.
func cliSnapshot(t *testing.T, dir string) map[string]string {
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
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// cliWantTOML fails unless dir/devshell.toml holds exactly want.
func cliWantTOML(t *testing.T, dir, want string) {
	t.Helper()
	if got := cliRead(t, filepath.Join(dir, "devshell.toml")); got != want {
		t.Errorf("devshell.toml = %q, want %q", got, want)
	}
}

// cliBuffer is a bytes.Buffer safe to read while run writes to it from
// another goroutine.
type cliBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *cliBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *cliBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// cliResult is one in-process run of devsh.
type cliResult struct {
	code           int
	stdout, stderr string
}

// cliRun runs devsh in-process with args, no terminal, os.Getenv.
func cliRun(t *testing.T, args ...string) cliResult {
	t.Helper()
	return cliRunIO(t, context.Background(), &IOStreams{}, args...)
}

// cliRunIO runs devsh with ctx and the terminal flags of ios; its streams
// are replaced with buffers.
func cliRunIO(t *testing.T, ctx context.Context, ios *IOStreams, args ...string) cliResult {
	t.Helper()
	var out, errOut cliBuffer
	ios.In = strings.NewReader("")
	ios.Out = &out
	ios.ErrOut = &errOut
	code := run(ctx, args, ios, os.Getenv)
	r := cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
	t.Logf("devsh %s -> exit %d\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

// cliWant fails the test unless r exited with code.
func (r cliResult) cliWant(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// cliWantOut fails unless r printed exactly want on stdout.
func (r cliResult) cliWantOut(t *testing.T, want string) {
	t.Helper()
	if r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
}

// cliWantNoEdit fails unless r printed nothing on stdout, left
// dir/devshell.toml exactly toml and created no .envrc: what a refused edit
// leaves.
func (r cliResult) cliWantNoEdit(t *testing.T, dir, toml string) {
	t.Helper()
	r.cliWantOut(t, "")
	cliWantTOML(t, dir, toml)
	cliNotExist(t, filepath.Join(dir, ".envrc"))
}

// cliOneLineError fails unless stderr is exactly one "devsh: ..." line
// containing every one of wants.
func (r cliResult) cliOneLineError(t *testing.T, wants ...string) {
	t.Helper()
	if !strings.HasPrefix(r.stderr, "devsh: ") || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("stderr = %q, want one line starting with \"devsh: \"", r.stderr)
	}
	for _, w := range wants {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr = %q, want it to contain %q", r.stderr, w)
		}
	}
}

// cliPathOnly replaces PATH with a fresh directory holding symlinks to the
// named programs (as found on the current PATH), so that every other
// program, nix or direnv say, is missing for the rest of the test.
func cliPathOnly(t *testing.T, tools ...string) {
	t.Helper()
	bin := t.TempDir()
	for _, name := range tools {
		target := cliRequireTool(t, name)
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
}

// cliDirEntries lists the names in dir.
func cliDirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// cliDecodeSearch decodes `devsh search --json` output, checking that every
// element has exactly the documented keys (so that decoding into the
// command's own searchItem can miss none).
func cliDecodeSearch(t *testing.T, stdout string) []searchItem {
	t.Helper()
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("search --json output is not a JSON array of objects: %v\n%s", err, stdout)
	}
	want := []string{"attr", "broken", "description", "homepage", "insecure", "installed", "license", "mainProgram", "pname", "unavailable", "unfree", "version"}
	for i, obj := range raw {
		// "why" is there only when the row did not match by name.
		if w, ok := obj["why"]; ok && string(w) != `""` {
			delete(obj, "why")
		}
		keys := slices.Sorted(maps.Keys(obj))
		if !slices.Equal(keys, want) {
			t.Errorf("search --json element %d has keys %v, want %v", i, keys, want)
		}
	}
	var items []searchItem
	if err := json.Unmarshal([]byte(stdout), &items); err != nil {
		t.Fatalf("search --json: %v", err)
	}
	return items
}
