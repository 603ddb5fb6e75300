package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cliDirenvBin is the direnv devsh finds on PATH in a subtest.
type cliDirenvBin struct {
	name string // "path" (the system's) or "latest" (DEVSH_DIRENV_LATEST)
	path string // the program to run for checks
	json bool   // direnv >= 2.33: `direnv status --json`
}

// cliForEachDirenv runs f once with the direnv on PATH (Debian's 2.32, text
// status) and once with the direnv 2.37.1 named by DEVSH_DIRENV_LATEST (JSON
// status), put first on PATH through a symlink named direnv, since devsh runs
// "direnv" from PATH. DEVSH_DIRENV_LATEST unset fails in CI and skips the
// second run elsewhere, saying how to build it.
func cliForEachDirenv(t *testing.T, f func(t *testing.T, d cliDirenvBin)) {
	t.Helper()
	for _, name := range []string{"path", "latest"} {
		t.Run(name, func(t *testing.T) {
			var bin string
			if name == "path" {
				bin = cliRequireTool(t, "direnv")
			} else {
				latest := os.Getenv("DEVSH_DIRENV_LATEST")
				if latest == "" {
					if os.Getenv("CI") == "true" {
						t.Fatal("DEVSH_DIRENV_LATEST is unset; CI must build direnv 2.37.1 with .ci/direnv-latest.sh")
					}
					t.Skip("DEVSH_DIRENV_LATEST is unset: the direnv >= 2.33 (status --json) run is skipped; build it with bash .ci/direnv-latest.sh DIR and set DEVSH_DIRENV_LATEST=DIR/direnv")
				}
				linkDir := t.TempDir()
				bin = filepath.Join(linkDir, "direnv")
				if err := os.Symlink(latest, bin); err != nil {
					t.Fatal(err)
				}
				t.Setenv("PATH", linkDir+string(os.PathListSeparator)+os.Getenv("PATH"))
				if got, err := exec.LookPath("direnv"); err != nil || got != bin {
					t.Fatalf("direnv on PATH is %q (%v), want %q", got, err, bin)
				}
			}
			out, err := exec.Command(bin, "version").Output()
			if err != nil {
				t.Fatalf("%s version: %v", bin, err)
			}
			major, minor := cliParseVersion(t, string(out))
			d := cliDirenvBin{name: name, path: bin, json: major > 2 || major == 2 && minor >= 33}
			if name == "latest" && !d.json {
				t.Fatalf("DEVSH_DIRENV_LATEST is direnv %s; it must be >= 2.33 to exercise status --json", strings.TrimSpace(string(out)))
			}
			t.Logf("direnv %s at %s (status --json: %v)", strings.TrimSpace(string(out)), bin, d.json)
			f(t, d)
		})
	}
}

// cliParseVersion reads "2.32.1" into its major and minor numbers.
func cliParseVersion(t *testing.T, s string) (major, minor int) {
	t.Helper()
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) < 2 {
		t.Fatalf("direnv version %q: want MAJOR.MINOR.PATCH", s)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("direnv version %q: want MAJOR.MINOR.PATCH", s)
	}
	return major, minor
}

// Approval states as the tests read them from `direnv status`. direnv 2.32
// prints only true/false, so a denied file reads as cliNotAllowed there.
const (
	cliAllowed    = "allowed"
	cliNotAllowed = "not allowed"
	cliDenied     = "denied"
)

// status runs `direnv status` (--json on >= 2.33) in dir and returns the RC
// file direnv found and its approval.
func (d cliDirenvBin) status(t *testing.T, dir string) (found, approval string) {
	t.Helper()
	args := []string{"status"}
	if d.json {
		args = append(args, "--json")
	}
	out := cliExec(t, dir, append([]string{d.path}, args...)...)
	if d.json {
		var st struct {
			State struct {
				FoundRC *struct {
					Allowed int    `json:"allowed"`
					Path    string `json:"path"`
				} `json:"foundRC"`
			} `json:"state"`
		}
		if err := json.Unmarshal(out, &st); err != nil {
			t.Fatalf("direnv status --json: %v\n%s", err, out)
		}
		if st.State.FoundRC == nil {
			return "", ""
		}
		switch st.State.FoundRC.Allowed {
		case 0:
			approval = cliAllowed
		case 1:
			approval = cliNotAllowed
		case 2:
			approval = cliDenied
		default:
			t.Fatalf("direnv status --json: allowed = %d", st.State.FoundRC.Allowed)
		}
		return st.State.FoundRC.Path, approval
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "Found RC path "); ok {
			found = v
		}
		if v, ok := strings.CutPrefix(line, "Found RC allowed "); ok {
			switch v {
			case "true":
				approval = cliAllowed
			case "false":
				approval = cliNotAllowed
			default:
				t.Fatalf("direnv status: unexpected %q", line)
			}
		}
	}
	return found, approval
}

// wantStatus fails unless direnv finds dir/.envrc with approval want.
func (d cliDirenvBin) wantStatus(t *testing.T, dir, want string) {
	t.Helper()
	found, got := d.status(t, dir)
	if envrc := filepath.Join(dir, ".envrc"); found != envrc {
		t.Errorf("direnv status found RC %q, want %q", found, envrc)
	}
	if got != want {
		t.Errorf("direnv status: .envrc is %s, want %s", got, want)
	}
}

// denied is how this direnv reports a denied file.
func (d cliDirenvBin) denied() string {
	if d.json {
		return cliDenied
	}
	return cliNotAllowed
}

func TestCLIAddKeepsDirenvApproval(t *testing.T) {
	const (
		unwatched = "use flake\n"
		watched   = "watch_file devshell.toml\nuse flake\n"
	)
	cliForEachDirenv(t, func(t *testing.T, d cliDirenvBin) {
		cases := []struct {
			name      string
			envrc     string
			direnv    string // "allow", "deny" or "" before the add
			wantEnvrc string
			want      func() string
			wantNote  string
		}{
			{"allowed and edited is re-allowed", unwatched, "allow", watched, func() string { return cliAllowed }, "(re-allowed: it was allowed before)"},
			{"allowed and unchanged is reloaded", watched, "allow", watched, func() string { return cliAllowed }, "direnv reloaded"},
			{"unapproved stays unapproved", unwatched, "", watched, func() string { return cliNotAllowed }, "was not approved before"},
			{"denied stays denied", unwatched, "deny", watched, d.denied, "was not approved before"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
				envrc := filepath.Join(dir, ".envrc")
				cliWrite(t, envrc, c.envrc)
				before := cliNotAllowed
				switch c.direnv {
				case "allow":
					cliExec(t, dir, d.path, "allow", envrc)
					before = cliAllowed
				case "deny":
					// direnv 2.32 refuses to deny a file that was never allowed.
					cliExec(t, dir, d.path, "allow", envrc)
					cliExec(t, dir, d.path, "deny", envrc)
					before = d.denied()
				}
				d.wantStatus(t, dir, before)

				r := cliRun(t, "-C", dir, "add", "cargo-edit")
				r.cliWant(t, 0)
				if r.stdout != "+ cargo-edit added\n" {
					t.Errorf("stdout = %q", r.stdout)
				}
				if got := cliRead(t, filepath.Join(dir, "devshell.toml")); got != "[devshell]\npackages = [\"cargo\", \"cargo-edit\"]\n" {
					t.Errorf("devshell.toml = %q", got)
				}
				if got := cliRead(t, envrc); got != c.wantEnvrc {
					t.Errorf(".envrc = %q, want %q", got, c.wantEnvrc)
				}
				if !strings.Contains(r.stderr, c.wantNote) {
					t.Errorf("stderr = %q, want it to contain %q", r.stderr, c.wantNote)
				}
				d.wantStatus(t, dir, c.want())
			})
		}
	})
}

func TestCLISyncWatchesNewImport(t *testing.T) {
	cliForEachDirenv(t, func(t *testing.T, d cliDirenvBin) {
		dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
		envrc := filepath.Join(dir, ".envrc")
		const envrcBefore = "# project shell\nwatch_file devshell.toml\nuse flake\nexport X=1\n"
		cliWrite(t, envrc, envrcBefore)
		cliExec(t, dir, d.path, "allow", envrc)

		// Nothing to add yet: sync only reloads.
		r := cliRun(t, "-C", dir, "sync")
		r.cliWant(t, 0)
		if got := cliRead(t, envrc); got != envrcBefore {
			t.Fatalf(".envrc changed by a sync with nothing to watch: %q", got)
		}
		if r.stderr != "direnv reloaded\n" {
			t.Errorf("stderr = %q, want %q", r.stderr, "direnv reloaded\n")
		}
		d.wantStatus(t, dir, cliAllowed)

		// An import added by hand, which imports a .nix file in turn.
		cliWrite(t, filepath.Join(dir, "devshell.toml"), "imports = [\"extra.toml\"]\n\n[devshell]\npackages = [\"cargo\"]\n")
		cliWrite(t, filepath.Join(dir, "extra.toml"), "imports = [\"./nix/tools.nix\"]\n")
		cliWrite(t, filepath.Join(dir, "nix", "tools.nix"), "{ }\n")
		cliExec(t, dir, "git", "add", "-A") // as the user must, for the flake to see them

		r = cliRun(t, "-C", dir, "sync")
		r.cliWant(t, 0)
		want := "# project shell\nwatch_file devshell.toml\nwatch_file extra.toml nix/tools.nix\nuse flake\nexport X=1\n"
		if got := cliRead(t, envrc); got != want {
			t.Errorf(".envrc after sync = %q, want %q", got, want)
		}
		if wantErr := ".envrc now watches extra.toml nix/tools.nix (re-allowed: it was allowed before)\n"; r.stderr != wantErr {
			t.Errorf("stderr = %q, want %q", r.stderr, wantErr)
		}
		if r.stdout != "" {
			t.Errorf("stdout = %q, want nothing", r.stdout)
		}
		d.wantStatus(t, dir, cliAllowed)

		// Running it again changes nothing.
		r = cliRun(t, "-C", dir, "sync")
		r.cliWant(t, 0)
		if got := cliRead(t, envrc); got != want {
			t.Errorf(".envrc after a second sync = %q, want %q", got, want)
		}
		d.wantStatus(t, dir, cliAllowed)
	})
}

func TestCLINoDirenvLeavesEnvrc(t *testing.T) {
	direnv := cliRequireTool(t, "direnv")
	dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
	envrc := filepath.Join(dir, ".envrc")
	const content = "use flake\n" // missing its watch line: a sync would edit it
	cliWrite(t, envrc, content)
	cliExec(t, dir, direnv, "allow", envrc)

	r := cliRun(t, "-C", dir, "--no-direnv", "add", "cargo-edit")
	r.cliWant(t, 0)
	if r.stdout != "+ cargo-edit added\n" || r.stderr != "" {
		t.Errorf("stdout = %q, stderr = %q", r.stdout, r.stderr)
	}
	if got := cliRead(t, filepath.Join(dir, "devshell.toml")); got != "[devshell]\npackages = [\"cargo\", \"cargo-edit\"]\n" {
		t.Errorf("devshell.toml = %q", got)
	}
	if got := cliRead(t, envrc); got != content {
		t.Errorf(".envrc = %q, want it untouched (%q)", got, content)
	}

	r = cliRun(t, "-C", dir, "--no-direnv", "remove", "cargo-edit")
	r.cliWant(t, 0)
	if got := cliRead(t, envrc); got != content {
		t.Errorf(".envrc after remove = %q, want it untouched", got)
	}

	// Without an .envrc, none is created.
	os.Remove(envrc)
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "jq")
	r.cliWant(t, 0)
	cliNotExist(t, envrc)

	// sync --no-direnv is a contradiction.
	cliRun(t, "-C", dir, "--no-direnv", "sync").cliWant(t, 2)
	cliNotExist(t, envrc)
}

func TestCLIDirenvMissing(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
	envrc := filepath.Join(dir, ".envrc")
	const content = "watch_file devshell.toml\nuse flake\n"
	cliWrite(t, envrc, content)
	cliPathOnly(t, "nix") // no direnv

	r := cliRun(t, "-C", dir, "add", "cargo-edit")
	r.cliWant(t, 0)
	if r.stdout != "+ cargo-edit added\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "direnv not found") {
		t.Errorf("stderr = %q, want one line saying direnv was not found", r.stderr)
	}
	if got := cliRead(t, filepath.Join(dir, "devshell.toml")); got != "[devshell]\npackages = [\"cargo\", \"cargo-edit\"]\n" {
		t.Errorf("devshell.toml = %q", got)
	}
	if got := cliRead(t, envrc); got != content {
		t.Errorf(".envrc = %q, want %q", got, content)
	}

	r = cliRun(t, "-C", dir, "sync")
	r.cliWant(t, 0)
	if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "direnv not found") {
		t.Errorf("sync stderr = %q, want one line saying direnv was not found", r.stderr)
	}
}
