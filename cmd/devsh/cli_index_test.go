package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devsh/devsh/internal/proctest"
	"github.com/devsh/devsh/nixsearch"
)

// cliIndexFields parses `devsh index` output ("name  value" lines).
func cliIndexFields(t *testing.T, stdout string) map[string]string {
	t.Helper()
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("index output line %q: want \"name  value\"", line)
		}
		fields[name] = strings.TrimSpace(value)
	}
	for _, k := range []string{"packages", "nixpkgs", "system", "key", "built", "cache"} {
		if fields[k] == "" {
			t.Errorf("index output has no %q line:\n%s", k, stdout)
		}
	}
	return fields
}

// cliLastLine is the last line of s, without its newline.
func cliLastLine(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// cliNixSearchCount counts the packages nix itself finds in the flake at
// dir, independently of devsh.
func cliNixSearchCount(t *testing.T, dir string) int {
	t.Helper()
	out := cliExec(t, dir, "nix", "--extra-experimental-features", "nix-command flakes", "search", "path:"+dir, "^", "--json")
	var res map[string]json.RawMessage
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("nix search --json: %v", err)
	}
	return len(res)
}

func TestCLIIndex(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
	r := cliRun(t, "-C", dir, "index")
	r.cliWant(t, 0)
	if !strings.Contains(r.stderr, "indexed nixpkgs") {
		t.Errorf("stderr = %q, want the build's progress lines", r.stderr)
	}
	f := cliIndexFields(t, r.stdout)
	if want := cliNixSearchCount(t, filepath.Join(dir, "fakepkgs")); f["packages"] != strconv.Itoa(want) {
		t.Errorf("packages = %q, want %d (what nix search finds)", f["packages"], want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(f["key"]) {
		t.Errorf("key = %q, want 32 hex digits", f["key"])
	}
	if pre := "path:" + filepath.Join(dir, "fakepkgs") + "?"; !strings.HasPrefix(f["nixpkgs"], pre) || !strings.Contains(f["nixpkgs"], "narHash=") || !strings.HasSuffix(f["nixpkgs"], " (flake.lock)") {
		t.Errorf("nixpkgs = %q, want the locked %s… from flake.lock", f["nixpkgs"], pre)
	}
	system := strings.TrimSpace(string(cliExec(t, dir, "nix", "--extra-experimental-features", "nix-command flakes", "eval", "--impure", "--raw", "--expr", "builtins.currentSystem")))
	if f["system"] != system {
		t.Errorf("system = %q, want %q", f["system"], system)
	}
	cache := f["cache"]
	if filepath.Dir(cache) != cliCacheDir() || !strings.Contains(filepath.Base(cache), f["key"]) {
		t.Errorf("cache = %q, want a file named for key %s in %s", cache, f["key"], cliCacheDir())
	}
	built, err := os.Stat(cache)
	if err != nil {
		t.Fatalf("index file: %v", err)
	}

	// Cached: answered without nix, nothing rebuilt.
	path := os.Getenv("PATH")
	cliPathOnly(t)
	r2 := cliRun(t, "-C", dir, "index")
	r2.cliWant(t, 0)
	if r2.stdout != r.stdout || r2.stderr != "" {
		t.Errorf("cached index: stdout %q stderr %q, want the same report and no build", r2.stdout, r2.stderr)
	}

	// --refresh rebuilds, so it needs nix; failing leaves the index alone.
	r3 := cliRun(t, "-C", dir, "index", "--refresh")
	r3.cliWant(t, 1)
	if !strings.HasSuffix(r3.stderr, "\n") || !strings.HasPrefix(cliLastLine(r3.stderr), "devsh: nix is not installed") ||
		!strings.Contains(cliLastLine(r3.stderr), "install it from https://nixos.org/download") {
		t.Errorf("refresh without nix: stderr = %q, want it to end with one line saying nix is missing", r3.stderr)
	}
	if fi, err := os.Stat(cache); err != nil || !os.SameFile(fi, built) {
		t.Errorf("a failed refresh replaced or removed the index (%v)", err)
	}

	t.Setenv("PATH", path)
	r4 := cliRun(t, "-C", dir, "index", "--refresh")
	r4.cliWant(t, 0)
	if !strings.Contains(r4.stderr, "indexed nixpkgs") {
		t.Errorf("refresh stderr = %q, want a build", r4.stderr)
	}
	f4 := cliIndexFields(t, r4.stdout)
	for _, k := range []string{"packages", "key", "nixpkgs", "cache"} {
		if f4[k] != f[k] {
			t.Errorf("after refresh %s = %q, want %q", k, f4[k], f[k])
		}
	}
	if fi, err := os.Stat(cache); err != nil || os.SameFile(fi, built) {
		t.Errorf("refresh did not write a new index file (%v)", err)
	}
}

// TestCLIIndexInterrupted cancels `devsh index` (as Ctrl-C does, through
// main's signal context) while nix evaluates a huge fixture.
func TestCLIIndexInterrupted(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
	// The copy's path is on nix's command line and nowhere else: the marker
	// for finding this test's nix processes in /proc.
	slow := filepath.Join(t.TempDir(), "slow")
	if err := os.CopyFS(slow, os.DirFS(filepath.Join(cliFixtureDir, "slow"))); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut cliBuffer
	// A terminal on stderr: the progress line is rewritten as nix evaluates.
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, ErrTTY: true}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-C", dir, "--nixpkgs", "path:" + slow, "index"}, ios, os.Getenv)
	}()

	const attempts = 12000 // × 10 ms: a bound to fail instead of hanging, not a timing
	progressed := false
	for range attempts {
		select {
		case code := <-done:
			t.Fatalf("index ended with exit %d before any progress\nstdout:\n%s\nstderr:\n%q", code, out.String(), errOut.String())
		default:
		}
		if strings.Contains(errOut.String(), "attributes evaluated") {
			progressed = true
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !progressed {
		t.Fatalf("no progress line; stderr %q", errOut.String())
	}
	if pids := proctest.Live(t, slow); len(pids) == 0 {
		t.Errorf("no nix process carries %q while indexing: the no-orphan check below would prove nothing", slow)
	}
	cancel()
	code := <-done
	t.Logf("stdout:\n%s\nstderr:\n%q", out.String(), errOut.String())
	if code != 130 {
		t.Errorf("exit code %d, want 130", code)
	}
	if !strings.HasSuffix(errOut.String(), "devsh: interrupted\n") {
		t.Errorf("stderr = %q, want it to end with the interruption", errOut.String())
	}
	if out.String() != "" {
		t.Errorf("stdout = %q, want nothing", out.String())
	}
	proctest.AwaitNone(t, slow)
	entries, err := os.ReadDir(cliCacheDir())
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".bin") || strings.Contains(e.Name(), "tmp") {
			t.Errorf("interrupted index left %s in the cache", e.Name())
		}
	}
}

// TestCLIEnvOverrides: DEVSH_CACHE_DIR and DEVSH_NIXPKGS, read through
// run's getenv, and the flags that win over them.
func TestCLIEnvOverrides(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
	envCache, flagCache := filepath.Join(t.TempDir(), "env-cache"), filepath.Join(t.TempDir(), "flag-cache")
	env := map[string]string{
		"DEVSH_CACHE_DIR": envCache,
		"DEVSH_NIXPKGS":   "./fakepkgs", // relative to -C
	}
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	index := func(args ...string) map[string]string {
		t.Helper()
		var out, errOut cliBuffer
		ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
		code := run(context.Background(), append([]string{"-C", dir}, args...), ios, getenv)
		if code != 0 {
			t.Fatalf("devsh %v: exit %d\n%s", args, code, errOut.String())
		}
		return cliIndexFields(t, out.String())
	}

	f := index("index")
	if filepath.Dir(f["cache"]) != envCache {
		t.Errorf("cache = %q, want it in DEVSH_CACHE_DIR %s", f["cache"], envCache)
	}
	if pre := "path:" + filepath.Join(dir, "fakepkgs"); !strings.HasPrefix(f["nixpkgs"], pre) || !strings.HasSuffix(f["nixpkgs"], "(DEVSH_NIXPKGS)") {
		t.Errorf("nixpkgs = %q, want %s… from DEVSH_NIXPKGS", f["nixpkgs"], pre)
	}
	cliNotExist(t, cliCacheDir())

	f = index("--cache-dir", flagCache, "--nixpkgs", "path:./fakepkgs", "index")
	if filepath.Dir(f["cache"]) != flagCache {
		t.Errorf("cache = %q, want it in --cache-dir %s", f["cache"], flagCache)
	}
	if !strings.HasSuffix(f["nixpkgs"], "(--nixpkgs)") {
		t.Errorf("nixpkgs = %q, want it from --nixpkgs", f["nixpkgs"])
	}
}

// TestCLIVerboseNixError: an evaluation error in the nixpkgs flake (the
// evalerror fixture) is one line; -v (before or after the command) adds
// nix's whole message after it, indented: on a nix that prints the trace
// (≥ 2.13) its code location flake.nix:14:19; on one whose message is that
// line alone (2.8 without --show-trace), nothing.
func TestCLIVerboseNixError(t *testing.T) {
	dir := cliProject(t, "")
	evalerror := filepath.Join(t.TempDir(), "evalerror")
	if err := os.CopyFS(evalerror, os.DirFS(filepath.Join(cliFixtureDir, "evalerror"))); err != nil {
		t.Fatal(err)
	}
	ref := "path:" + evalerror
	// What this nix itself prints of the error, independently of devsh.
	cmd := exec.Command("nix", "--extra-experimental-features", "nix-command flakes", "search", ref, "^", "--json")
	var nixStderr strings.Builder
	cmd.Stderr = &nixStderr
	if err := cmd.Run(); err == nil {
		t.Fatalf("nix search %s succeeded, want its evaluation error", ref)
	}
	const location = "flake.nix:14:19"
	hasLocation := strings.Contains(nixStderr.String(), location)
	t.Logf("nix prints %s: %v", location, hasLocation)

	// errorPart is stderr from devsh's error line on (the progress line
	// before it left out).
	errorPart := func(r cliResult) (line string, detail []string) {
		t.Helper()
		i := strings.Index(r.stderr, "devsh: ")
		if i < 0 {
			t.Fatalf("stderr = %q, want a devsh: error line", r.stderr)
		}
		lines := strings.Split(strings.TrimSuffix(r.stderr[i:], "\n"), "\n")
		return lines[0], lines[1:]
	}
	plain := cliRun(t, "-C", dir, "--nixpkgs", ref, "index")
	plain.cliWant(t, 1)
	line, detail := errorPart(plain)
	if !strings.Contains(line, "gamma fails to evaluate") || len(detail) != 0 || strings.Contains(plain.stderr, location) {
		t.Errorf("without -v: error %q then %q, want one line with nix's message and nothing after it", line, detail)
	}
	for _, args := range [][]string{{"-v", "-C", dir, "--nixpkgs", ref, "index"}, {"-C", dir, "--nixpkgs", ref, "index", "--verbose"}} {
		r := cliRun(t, args...)
		r.cliWant(t, 1)
		vline, vdetail := errorPart(r)
		if vline != line {
			t.Errorf("%q: error line %q, want the same as without -v, %q", args, vline, line)
		}
		text := strings.Join(vdetail, "\n")
		if hasLocation != strings.Contains(text, location) {
			t.Errorf("%q: detail %q; want %s in it exactly when nix prints it (%v)", args, text, location, hasLocation)
		}
		if hasLocation && (!strings.Contains(text, "gamma fails to evaluate") || !strings.Contains(text, "throw")) {
			t.Errorf("%q: detail %q, want nix's whole message (the trace and the error)", args, text)
		}
		for _, l := range vdetail {
			// A blank line of nix's message stays blank.
			if (l != "" && !strings.HasPrefix(l, errorDetailIndent)) || strings.ContainsAny(l, "\x1b\r") {
				t.Errorf("%q: detail line %q, want it indented by %q (or blank), without escapes", args, l, errorDetailIndent)
			}
		}
	}
}

// TestErrorDetail: what -v prints after the error line, for each kind of
// error (the NixErrors are written: real nix's are in TestCLIVerboseNixError).
func TestErrorDetail(t *testing.T) {
	trace := "error:\n       … while calling the 'throw' builtin\n         at /nix/store/x-source/flake.nix:14:19:\n\n       error: gamma fails"
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"trace", &nixsearch.NixError{Message: "gamma fails", Stderr: trace},
			[]string{"error:", "       … while calling the 'throw' builtin", "         at /nix/store/x-source/flake.nix:14:19:", "", "       error: gamma fails"}},
		{"wrapped", fmt.Errorf("build index: %w", &nixsearch.NixError{Message: "m", Stderr: "error:\n  m"}), []string{"error:", "  m"}},
		{"control characters", &nixsearch.NixError{Message: "m", Stderr: "a\x07b\n\tc"}, []string{"ab", " c"}},
		{"the message alone", &nixsearch.NixError{Message: "gamma fails", Stderr: "error: gamma fails"}, nil},
		{"the message, bare", &nixsearch.NixError{Message: "gamma fails", Stderr: "gamma fails\n"}, nil},
		{"no stderr", &nixsearch.NixError{Message: "no error output"}, nil},
		{"not nix's", errors.New("devshell.toml: line 3: bad"), nil},
	}
	for _, tt := range tests {
		if got := errorDetail(tt.err); !slices.Equal(got, tt.want) {
			t.Errorf("%s: errorDetail = %q, want %q", tt.name, got, tt.want)
		}
	}
}
