package devshell

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devsh/devsh/internal/run/runtest"
)

func TestDirenvArgs(t *testing.T) {
	def := Direnv{}
	custom := Direnv{Bin: "/opt/direnv-2.37/direnv"}
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"version", def.versionArgs(), []string{"direnv", "version"}},
		{"status text", def.statusArgs(false), []string{"direnv", "status"}},
		{"status json", def.statusArgs(true), []string{"direnv", "status", "--json"}},
		{"allow", def.allowArgs(), []string{"direnv", "allow"}},
		{"reload", def.reloadArgs(), []string{"direnv", "reload"}},
		{"custom bin status json", custom.statusArgs(true), []string{"/opt/direnv-2.37/direnv", "status", "--json"}},
		{"custom bin allow", custom.allowArgs(), []string{"/opt/direnv-2.37/direnv", "allow"}},
		{"custom bin reload", custom.reloadArgs(), []string{"/opt/direnv-2.37/direnv", "reload"}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestDirenvParseVersion(t *testing.T) {
	tests := []struct {
		in      string
		want    direnvVersion
		wantErr bool
	}{
		{"2.32.1\n", direnvVersion{2, 32, 1}, false},
		{"2.37.1\n", direnvVersion{2, 37, 1}, false},
		{"v2.33.0", direnvVersion{2, 33, 0}, false},
		{"2.34.0-dev\n", direnvVersion{2, 34, 0}, false},
		{"2.35", direnvVersion{2, 35, 0}, false},
		{"", direnvVersion{}, true},
		{"direnv", direnvVersion{}, true},
		{"2.x.1", direnvVersion{}, true},
		{"1.2.3.4", direnvVersion{}, true},
	}
	for _, tt := range tests {
		got, err := direnvParseVersion([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("direnvParseVersion(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	since := direnvVersion{direnvJSONMajor, direnvJSONMinor, 0}
	for _, tt := range []struct {
		v    direnvVersion
		less bool
	}{
		{direnvVersion{2, 32, 1}, true},
		{direnvVersion{2, 33, 0}, false},
		{direnvVersion{2, 37, 1}, false},
		{direnvVersion{3, 0, 0}, false},
		{direnvVersion{1, 99, 9}, true},
	} {
		if got := tt.v.less(since); got != tt.less {
			t.Errorf("%v.less(%v) = %v, want %v", tt.v, since, got, tt.less)
		}
	}
}

// direnvTestOutput reads an output of `direnv status` captured from direnv
// 2.32.1 (Debian) or 2.37.1 (built by .ci/direnv-latest.sh) with an isolated
// HOME/XDG_*, kept in testdata/direnv; only the temporary directory prefix
// was replaced by /home/u.
func direnvTestOutput(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "direnv", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestDirenvParseStatus(t *testing.T) {
	const rc = "/home/u/p/.envrc"
	tests := []struct {
		name    string
		in      string
		want    direnvStatusResult
		wantErr bool
	}{
		{"2.32 none", direnvTestOutput(t, "status-2.32-none.txt"), direnvStatusResult{"", ApprovalUnknown, direnvFormText}, false},
		{"2.32 not allowed", direnvTestOutput(t, "status-2.32-not-allowed.txt"), direnvStatusResult{rc, NotAllowed, direnvFormText}, false},
		{"2.32 allowed", direnvTestOutput(t, "status-2.32-allowed.txt"), direnvStatusResult{rc, Allowed, direnvFormText}, false},
		{"2.32 loaded and found", direnvTestOutput(t, "status-2.32-loaded-and-found.txt"), direnvStatusResult{rc, Allowed, direnvFormText}, false},
		{"2.37 text allowed", direnvTestOutput(t, "status-2.37-text-allowed.txt"), direnvStatusResult{rc, Allowed, direnvFormText}, false},
		{"2.37 text not allowed", direnvTestOutput(t, "status-2.37-text-not-allowed.txt"), direnvStatusResult{rc, NotAllowed, direnvFormText}, false},
		{"2.37 text denied", direnvTestOutput(t, "status-2.37-text-denied.txt"), direnvStatusResult{rc, Denied, direnvFormText}, false},
		{"2.37 json none", direnvTestOutput(t, "status-2.37-json-none.txt"), direnvStatusResult{"", ApprovalUnknown, direnvFormJSON}, false},
		{"2.37 json allowed", direnvTestOutput(t, "status-2.37-json-allowed.txt"), direnvStatusResult{rc, Allowed, direnvFormJSON}, false},
		{"2.37 json not allowed", direnvTestOutput(t, "status-2.37-json-not-allowed.txt"), direnvStatusResult{rc, NotAllowed, direnvFormJSON}, false},
		{"2.37 json denied", direnvTestOutput(t, "status-2.37-json-denied.txt"), direnvStatusResult{rc, Denied, direnvFormJSON}, false},
		{"2.37 json loaded ignored", direnvTestOutput(t, "status-2.37-json-loaded.txt"), direnvStatusResult{rc, NotAllowed, direnvFormJSON}, false},
		{"CRLF text", "Found RC path /p/.envrc\r\nFound RC allowed true\r\n", direnvStatusResult{"/p/.envrc", Allowed, direnvFormText}, false},
		{"path with spaces", "Found RC path /my proj/.envrc\nFound RC allowed 0\n", direnvStatusResult{"/my proj/.envrc", Allowed, direnvFormText}, false},
		{"empty output", "", direnvStatusResult{"", ApprovalUnknown, direnvFormText}, false},
		{"text unknown value", "Found RC path /p/.envrc\nFound RC allowed maybe\n", direnvStatusResult{}, true},
		{"text path without allowed", "Found RC path /p/.envrc\n", direnvStatusResult{}, true},
		{"text allowed without path", "Found RC allowed true\n", direnvStatusResult{}, true},
		{"json unknown value", `{"state":{"foundRC":{"allowed":7,"path":"/p/.envrc"}}}`, direnvStatusResult{}, true},
		{"json without allowed", `{"state":{"foundRC":{"path":"/p/.envrc"}}}`, direnvStatusResult{}, true},
		{"json without path", `{"state":{"foundRC":{"allowed":0}}}`, direnvStatusResult{}, true},
		{"json without state", `{"config":{}}`, direnvStatusResult{}, true},
		{"json truncated", `{"state":{"foundRC":`, direnvStatusResult{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := direnvParseStatus([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDirenvApprovalString(t *testing.T) {
	for a, want := range map[Approval]string{ApprovalUnknown: "unknown", Allowed: "allowed", NotAllowed: "not allowed", Denied: "denied"} {
		if got := a.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(a), got, want)
		}
	}
}

// direnvTestSubcommands returns the direnv subcommand of each run rec
// recorded, in order, and forgets them.
func direnvTestSubcommands(rec *runtest.Recorder) []string {
	var out []string
	for _, a := range rec.Take() {
		if len(a) > 1 {
			out = append(out, a[1])
		}
	}
	return out
}

// direnvTestAllows counts the `direnv allow` runs rec recorded.
func direnvTestAllows(rec *runtest.Recorder) int {
	n := 0
	for _, a := range rec.Runs() {
		if len(a) > 1 && a[1] == "allow" {
			n++
		}
	}
	return n
}

// direnvTestBin is one real direnv binary under test.
type direnvTestBin struct {
	name    string
	path    string
	version direnvVersion
}

// wantForm is the status form Status must use with this binary.
func (b direnvTestBin) wantForm() direnvForm {
	if b.version.less(direnvVersion{direnvJSONMajor, direnvJSONMinor, 0}) {
		return direnvFormText
	}
	return direnvFormJSON
}

// direnvTestForEachBin runs f against "direnv" from PATH (must exist) and the
// binary named by DEVSH_DIRENV_LATEST (.ci/direnv-latest.sh builds it; when
// unset the subtest fails in CI and is skipped elsewhere).
func direnvTestForEachBin(t *testing.T, f func(t *testing.T, b direnvTestBin)) {
	t.Helper()
	cases := []struct{ name, env string }{{"path", ""}, {"latest", "DEVSH_DIRENV_LATEST"}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var bin string
			if c.env == "" {
				p, err := exec.LookPath("direnv")
				if err != nil {
					t.Fatalf("direnv is required on PATH (Debian package direnv): %v", err)
				}
				bin = p
			} else {
				bin = os.Getenv(c.env)
				if bin == "" {
					if os.Getenv("CI") == "true" {
						t.Fatalf("%s is unset; CI must build direnv 2.37.1 with .ci/direnv-latest.sh", c.env)
					}
					t.Skipf("%s is unset: the direnv >= 2.33 (status --json) cases are not run; build one with .ci/direnv-latest.sh DIR and set %s=DIR/direnv", c.env, c.env)
				}
			}
			out, err := exec.Command(bin, "version").Output()
			if err != nil {
				t.Fatalf("%s version: %v", bin, err)
			}
			v, err := direnvParseVersion(out)
			if err != nil {
				t.Fatalf("%s version: %v", bin, err)
			}
			if c.env != "" && v.less(direnvVersion{direnvJSONMajor, direnvJSONMinor, 0}) {
				t.Fatalf("%s=%s is direnv %v; it must be >= 2.33 to exercise status --json", c.env, bin, v)
			}
			b := direnvTestBin{name: c.name, path: bin, version: v}
			t.Logf("direnv %d.%d.%d at %s, status form %v", v[0], v[1], v[2], bin, b.wantForm())
			f(t, b)
		})
	}
}

// direnvTestEnv isolates direnv's state (allow/deny lists, config) in temp
// dirs and clears variables a developer's direnv-enabled shell may have set.
func direnvTestEnv(t *testing.T) {
	t.Helper()
	base := t.TempDir()
	for k, sub := range map[string]string{
		"HOME":            "home",
		"XDG_DATA_HOME":   "data",
		"XDG_CONFIG_HOME": "config",
		"XDG_CACHE_HOME":  "cache",
	} {
		dir := filepath.Join(base, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv(k, dir)
	}
	t.Setenv("DIRENV_CONFIG", filepath.Join(base, "config", "direnv"))
	for _, k := range []string{"DIRENV_DIR", "DIRENV_FILE", "DIRENV_DIFF", "DIRENV_WATCHES", "DIRENV_LOG_FORMAT"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// direnvTestEnvrc is a plain-shell .envrc (no nix involved).
const direnvTestEnvrc = "watch_file devshell.toml\nexport DEVSH_TEST=1\n"

// direnvTestProject creates a project dir holding .envrc with content.
func direnvTestProject(t *testing.T, content string) (dir, envrc string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "proj")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	envrc = filepath.Join(dir, ".envrc")
	if content != "" {
		if err := os.WriteFile(envrc, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, envrc
}

// direnvTestStatus checks the approval direnv reports for envrc in dir and
// that the status was read in the form this binary speaks.
func direnvTestStatus(t *testing.T, d Direnv, b direnvTestBin, dir, envrc string, want Approval) {
	t.Helper()
	res, err := d.direnvStatus(context.Background(), dir)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if res.Form != b.wantForm() {
		t.Errorf("status form = %v, want %v for direnv %v", res.Form, b.wantForm(), b.version)
	}
	if envrc != "" && res.Found != envrc {
		t.Errorf("status found %q, want %q", res.Found, envrc)
	}
	if res.Approval != want {
		t.Errorf("approval = %v, want %v", res.Approval, want)
	}
}

// direnvTestLoads reports whether direnv loads the .envrc in dir, by running
// `direnv exec DIR` (which refuses a blocked file) and reading DEVSH_TEST.
func direnvTestLoads(t *testing.T, b direnvTestBin, dir string) bool {
	t.Helper()
	out, err := exec.Command(b.path, "exec", dir, "sh", "-c", `printf %s "$DEVSH_TEST"`).Output()
	return err == nil && string(out) == "1"
}

// direnvTestRun runs the real direnv binary (for setup: allow, deny).
func direnvTestRun(t *testing.T, b direnvTestBin, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(b.path, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("direnv %v: %v\n%s", args, err, out)
	}
}

// direnvTestAppend is an op adding a watch line.
func direnvTestAppend(old []byte, _ bool) ([]byte, error) {
	return append(bytes.Clone(old), "watch_file extra.toml\n"...), nil
}

func TestDirenvStatusRealNoRC(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		direnvTestEnv(t)
		dir := t.TempDir()
		d := Direnv{Bin: b.path}
		direnvTestStatus(t, d, b, dir, "", ApprovalUnknown)
		found, a, err := d.Status(context.Background(), dir)
		if err != nil || found != "" || a != ApprovalUnknown {
			t.Errorf("Status(no .envrc) = %q, %v, %v; want \"\", unknown, nil", found, a, err)
		}
	})
}

// direnvTestSetup isolates direnv's state and creates a project whose .envrc
// is direnvTestEnvrc, with a Direnv running b that records its runs in rec.
func direnvTestSetup(t *testing.T, b direnvTestBin) (dir, envrc string, d Direnv, rec *runtest.Recorder) {
	t.Helper()
	direnvTestEnv(t)
	dir, envrc = direnvTestProject(t, direnvTestEnvrc)
	rec = &runtest.Recorder{}
	return dir, envrc, Direnv{Runner: rec, Bin: b.path}, rec
}

// direnvTestSafeUpdate runs SafeEnvrcUpdate with op, which must succeed with
// want and with wantAllows `direnv allow` runs recorded in rec in all.
func direnvTestSafeUpdate(t *testing.T, d Direnv, rec *runtest.Recorder, envrc string, op func([]byte, bool) ([]byte, error), want EnvrcUpdate, wantAllows int) {
	t.Helper()
	got, err := d.SafeEnvrcUpdate(context.Background(), envrc, op)
	if err != nil {
		t.Fatalf("SafeEnvrcUpdate: %v", err)
	}
	if got != want {
		t.Errorf("SafeEnvrcUpdate = %+v, want %+v", got, want)
	}
	if n := direnvTestAllows(rec); n != wantAllows {
		t.Errorf("%d allow runs, want %d", n, wantAllows)
	}
}

func TestDirenvSafeUpdateAllowedStaysAllowed(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		dir, envrc, d, rec := direnvTestSetup(t, b)
		if err := d.Allow(context.Background(), envrc); err != nil {
			t.Fatalf("Allow: %v", err)
		}
		direnvTestStatus(t, d, b, dir, envrc, Allowed)
		if !direnvTestLoads(t, b, dir) {
			t.Fatal("allowed .envrc does not load")
		}

		// Two allow runs: the setup and the re-allow.
		direnvTestSafeUpdate(t, d, rec, envrc, direnvTestAppend, EnvrcUpdate{Changed: true, Reallowed: true, Allowed: true}, 2)
		if got := direnvTestMustRead(t, envrc); got != direnvTestEnvrc+"watch_file extra.toml\n" {
			t.Errorf(".envrc = %q", got)
		}
		direnvTestStatus(t, d, b, dir, envrc, Allowed)
		if !direnvTestLoads(t, b, dir) {
			t.Error("edited .envrc does not load after the re-allow")
		}
	})
}

func TestDirenvSafeUpdateUnapprovedStaysUnapproved(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		dir, envrc, d, rec := direnvTestSetup(t, b)
		direnvTestStatus(t, d, b, dir, envrc, NotAllowed)

		direnvTestSafeUpdate(t, d, rec, envrc, direnvTestAppend, EnvrcUpdate{Changed: true}, 0)
		direnvTestStatus(t, d, b, dir, envrc, NotAllowed)
		if direnvTestLoads(t, b, dir) {
			t.Error("unapproved .envrc loads after the edit")
		}
	})
}

func TestDirenvSafeUpdateDeniedStaysDenied(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		dir, envrc, d, rec := direnvTestSetup(t, b)
		direnvTestRun(t, b, dir, "allow", envrc)
		direnvTestRun(t, b, dir, "deny", envrc)
		// direnv 2.32 has no denied state: its `deny` revokes the approval.
		want := Denied
		if b.wantForm() == direnvFormText {
			want = NotAllowed
		}
		direnvTestStatus(t, d, b, dir, envrc, want)

		direnvTestSafeUpdate(t, d, rec, envrc, direnvTestAppend, EnvrcUpdate{Changed: true}, 0)
		direnvTestStatus(t, d, b, dir, envrc, want)
		if direnvTestLoads(t, b, dir) {
			t.Error("denied .envrc loads after the edit")
		}
	})
}

func TestDirenvSafeUpdateUnchangedNoAllow(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		dir, envrc, d, rec := direnvTestSetup(t, b)
		direnvTestRun(t, b, dir, "allow", envrc)
		ino := direnvTestInode(t, envrc)

		unchanged := func(old []byte, _ bool) ([]byte, error) { return bytes.Clone(old), nil }
		direnvTestSafeUpdate(t, d, rec, envrc, unchanged, EnvrcUpdate{Allowed: true}, 0)
		if direnvTestInode(t, envrc) != ino {
			t.Error(".envrc was rewritten although unchanged")
		}
		direnvTestStatus(t, d, b, dir, envrc, Allowed)

		// Unchanged and never approved: not allowed either.
		direnvTestRun(t, b, dir, "deny", envrc)
		direnvTestSafeUpdate(t, d, rec, envrc, unchanged, EnvrcUpdate{}, 0)
	})
}

// TestDirenvSafeUpdateOtherRCAllowed: the parent's .envrc is allowed and the
// project's own .envrc is created; the parent's approval must not be carried
// over to the new file.
func TestDirenvSafeUpdateOtherRCAllowed(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		parent, parentRC, d, rec := direnvTestSetup(t, b)
		direnvTestRun(t, b, parent, "allow", parentRC)
		sub := filepath.Join(parent, "sub")
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		envrc := filepath.Join(sub, ".envrc")
		direnvTestStatus(t, d, b, sub, parentRC, Allowed)

		direnvTestSafeUpdate(t, d, rec, envrc, func(old []byte, exists bool) ([]byte, error) {
			if exists {
				t.Errorf("op: exists = true for a missing .envrc")
			}
			return []byte("watch_file devshell.toml\nexport DEVSH_TEST=1\n"), nil
		}, EnvrcUpdate{Changed: true}, 0)
		direnvTestStatus(t, d, b, sub, envrc, NotAllowed)
	})
}

// TestDirenvSafeUpdateConcurrentEditNotReallowed: someone else edits the
// allowed .envrc after its approval was read; Update keeps that edit, and
// the result, containing content the user never approved, is not allowed.
func TestDirenvSafeUpdateConcurrentEditNotReallowed(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		dir, envrc, d, rec := direnvTestSetup(t, b)
		direnvTestRun(t, b, dir, "allow", envrc)
		calls := 0
		direnvTestSafeUpdate(t, d, rec, envrc, func(old []byte, exists bool) ([]byte, error) {
			calls++
			if calls == 1 {
				if err := os.WriteFile(envrc, []byte(direnvTestEnvrc+"export INJECTED=1\n"), 0o644); err != nil {
					return nil, err
				}
			}
			return direnvTestAppend(old, exists)
		}, EnvrcUpdate{Changed: true}, 0)
		if got, want := direnvTestMustRead(t, envrc), direnvTestEnvrc+"export INJECTED=1\nwatch_file extra.toml\n"; got != want {
			t.Errorf(".envrc = %q, want %q", got, want)
		}
		direnvTestStatus(t, d, b, dir, envrc, NotAllowed)
	})
}

// TestDirenvSafeUpdateAllowFails makes the real `direnv allow` fail by
// making its allow directory immutable (chattr +i stops root too).
func TestDirenvSafeUpdateAllowFails(t *testing.T) {
	chattr, err := exec.LookPath("chattr")
	if err != nil {
		t.Fatalf("chattr (e2fsprogs) is needed for this test: %v", err)
	}
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		dir, envrc, d, _ := direnvTestSetup(t, b)
		direnvTestRun(t, b, dir, "allow", envrc)
		allowDir := filepath.Join(os.Getenv("XDG_DATA_HOME"), "direnv", "allow")
		if out, err := exec.Command(chattr, "+i", allowDir).CombinedOutput(); err != nil {
			t.Skipf("chattr +i not possible here, allow failure not exercised: %v: %s", err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command(chattr, "-i", allowDir).CombinedOutput(); err != nil {
				t.Errorf("chattr -i: %v: %s", err, out)
			}
		})
		got, err := d.SafeEnvrcUpdate(context.Background(), envrc, direnvTestAppend)
		if err == nil {
			t.Fatal("SafeEnvrcUpdate with a failing allow: err = nil")
		}
		if !strings.Contains(err.Error(), "direnv allow") {
			t.Errorf("error %q does not say the allow failed", err)
		}
		if want := (EnvrcUpdate{Changed: true}); got != want {
			t.Errorf("SafeEnvrcUpdate = %+v, want %+v", got, want)
		}
	})
}

func TestDirenvReload(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		direnvTestEnv(t)
		dir, envrc := direnvTestProject(t, direnvTestEnvrc)
		old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
		if err := os.Chtimes(envrc, old, old); err != nil {
			t.Fatal(err)
		}
		d := Direnv{Bin: b.path}
		if err := d.Reload(context.Background(), dir); err != nil {
			t.Fatalf("Reload: %v", err)
		}
		fi, err := os.Stat(envrc)
		if err != nil {
			t.Fatal(err)
		}
		// direnv reload touches the RC file; that is what the shell hook notices.
		if fi.ModTime().Equal(old) {
			t.Error("Reload did not touch .envrc")
		}
		if got := direnvTestMustRead(t, envrc); got != direnvTestEnvrc {
			t.Errorf("Reload changed .envrc content to %q", got)
		}

		err = d.Reload(context.Background(), t.TempDir())
		if err == nil {
			t.Fatal("Reload without an .envrc: err = nil")
		}
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			t.Errorf("Reload without an .envrc: err = %v, want an exit status", err)
		}
		if strings.Contains(err.Error(), "\x1b") || strings.Contains(err.Error(), "\n") {
			t.Errorf("error is not one clean line: %q", err)
		}
	})
}

func TestDirenvAvailable(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		if err := (Direnv{Bin: b.path}).Available(); err != nil {
			t.Errorf("Available: %v", err)
		}
	})
	missing := Direnv{Bin: "devsh-test-no-such-direnv"}
	if err := missing.Available(); !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("Available (missing): err = %v, want exec.ErrNotFound", err)
	}
	if _, _, err := missing.Status(context.Background(), t.TempDir()); !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("Status (missing): err = %v, want exec.ErrNotFound", err)
	}
	envrc := filepath.Join(t.TempDir(), ".envrc")
	if _, err := missing.SafeEnvrcUpdate(context.Background(), envrc, direnvTestAppend); !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("SafeEnvrcUpdate (missing): err = %v, want exec.ErrNotFound", err)
	}
	if _, err := os.Lstat(envrc); err == nil {
		t.Error("SafeEnvrcUpdate wrote the file although direnv's approval could not be read")
	}
}

func TestDirenvSameFile(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, ".envrc")
	b := filepath.Join(dir, "other")
	link := filepath.Join(dir, "link")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(".envrc", link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		found, path string
		want        bool
	}{
		{a, a, true},
		{link, a, true},
		{filepath.Join(dir, ".", ".envrc"), a, true},
		{b, a, false},
		{"", a, false},
		{filepath.Join(dir, "missing"), filepath.Join(dir, "missing"), true},
		{filepath.Join(dir, "missing"), a, false},
	}
	for _, tt := range tests {
		if got := direnvSameFile(tt.found, tt.path); got != tt.want {
			t.Errorf("direnvSameFile(%q, %q) = %v, want %v", tt.found, tt.path, got, tt.want)
		}
	}
}

// FuzzDirenvParseStatus: any output either fails to parse or gives a
// consistent result (a found RC always has a known approval, none has none).
func FuzzDirenvParseStatus(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "direnv", "status-*.txt"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no captured status outputs in testdata/direnv: %v", err)
	}
	for _, s := range seeds {
		f.Add([]byte(direnvTestOutput(f, filepath.Base(s))))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		res, err := direnvParseStatus(out)
		if err != nil {
			if res != (direnvStatusResult{}) {
				t.Errorf("error %v with a non-zero result %+v", err, res)
			}
			return
		}
		if res.Form != direnvFormText && res.Form != direnvFormJSON {
			t.Errorf("no form in %+v", res)
		}
		if (res.Found == "") != (res.Approval == ApprovalUnknown) {
			t.Errorf("inconsistent result %+v", res)
		}
	})
}

func direnvTestMustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

// direnvTestInode returns the inode number of path.
func direnvTestInode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}
