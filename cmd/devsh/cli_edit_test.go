package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// cliOneCargo is a devshell.toml with one package, in a single-line list.
const cliOneCargo = "[devshell]\nname = \"demo\"\npackages = [\"cargo\"]\n"

// cliEditCase is one successful edit: devsh -C DIR [global flags] args...
// on a fresh project, and the devshell.toml and stdout it must leave.
type cliEditCase struct {
	name       string
	args       []string
	wantTOML   string
	wantStdout string
}

// run creates a project whose devshell.toml is toml, runs the case with the
// global flags (after -C) and fails unless it exits 0 with the case's
// devshell.toml and stdout. It returns the project directory and the run.
func (c cliEditCase) run(t *testing.T, toml string, global ...string) (string, cliResult) {
	t.Helper()
	dir := cliProject(t, toml)
	r := cliRun(t, slices.Concat([]string{"-C", dir}, global, c.args)...)
	c.check(t, dir, r)
	return dir, r
}

// runNoNix is run for edits that need no nix (remove, add --no-verify): the
// project is not locked and the command runs with nix refused
// (cliRunNoNix).
func (c cliEditCase) runNoNix(t *testing.T, toml string, global ...string) (string, cliResult) {
	t.Helper()
	dir := cliProjectNoNix(t, toml)
	r := cliRunNoNix(t, slices.Concat([]string{"-C", dir}, global, c.args)...)
	c.check(t, dir, r)
	return dir, r
}

// check fails unless r exited 0 leaving the case's devshell.toml in dir and
// its stdout.
func (c cliEditCase) check(t *testing.T, dir string, r cliResult) {
	t.Helper()
	r.cliWant(t, 0)
	cliWantTOML(t, dir, c.wantTOML)
	r.cliWantOut(t, c.wantStdout)
}

func TestCLIAdd(t *testing.T) {
	cases := []cliEditCase{
		{"one name", []string{"add", "cargo-edit"},
			"[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"cargo-edit\"]\n",
			"+ cargo-edit added\n"},
		{"several names in order", []string{"add", "jq", "ripgrep", "cargo-edit"},
			"[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"jq\", \"ripgrep\", \"cargo-edit\"]\n",
			"+ jq added\n+ ripgrep added\n+ cargo-edit added\n"},
		{"a name given twice is added once", []string{"add", "jq", "jq"},
			"[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"jq\"]\n",
			"+ jq added\n"},
		{"nested attribute path", []string{"add", "python3Packages.requests"},
			"[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"python3Packages.requests\"]\n",
			"+ python3Packages.requests added\n"},
		{"set nix search does not recurse into", []string{"add", "nodePackages.prettier"},
			"[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"nodePackages.prettier\"]\n",
			"+ nodePackages.prettier added\n"},
		{"alias of another package", []string{"add", "cargo-edit-alias"},
			"[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"cargo-edit-alias\"]\n",
			"+ cargo-edit-alias added\n"},
		{"already present", []string{"add", "cargo"},
			cliOneCargo,
			"= cargo already in devshell.toml\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, r := c.run(t, cliOneCargo)
			// The project had no .envrc and has a flake: one is created,
			// watching devshell.toml, and left for the user to approve.
			if got := cliRead(t, filepath.Join(dir, ".envrc")); got != "watch_file devshell.toml\nuse flake\n" {
				t.Errorf(".envrc = %q", got)
			}
			if !strings.Contains(r.stderr, "direnv allow") {
				t.Errorf("stderr = %q, want the note on approving the new .envrc", r.stderr)
			}
		})
	}
}

func TestCLIAddFromSubdirectory(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	sub := filepath.Join(dir, "src", "deep")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	r := cliRun(t, "-C", sub, "--no-direnv", "add", "jq")
	r.cliWant(t, 0)
	if got := cliRead(t, filepath.Join(dir, "devshell.toml")); !strings.Contains(got, `["cargo", "jq"]`) {
		t.Errorf("devshell.toml at the flake root = %q, want jq added", got)
	}
	cliNotExist(t, filepath.Join(sub, "devshell.toml"))
}

func TestCLIAddCommandsEntry(t *testing.T) {
	const toml = "[devshell]\npackages = [\"cargo\"]\n\n[[commands]]\npackage = \"jq\"\n"
	dir := cliProject(t, toml)
	r := cliRun(t, "-C", dir, "--no-direnv", "add", "jq")
	r.cliWant(t, 0)
	r.cliWantOut(t, "= jq already provided by a [[commands]] entry\n")
	cliWantTOML(t, dir, toml)
	// Removing it is refused: it is not in a packages list.
	r = cliRun(t, "-C", dir, "--no-direnv", "remove", "jq")
	r.cliWant(t, 1)
	r.cliOneLineError(t, "jq", "[[commands]]")
	r.cliWantNoEdit(t, dir, toml)
}

func TestCLIAddRefusesUnknownNames(t *testing.T) {
	cases := []struct {
		name  string
		names []string
		want  []string // in the one error line
		valid []string // not in it
	}{
		{"alias that throws", []string{"nodejs-16_x"}, []string{"nodejs-16_x", "nothing changed"}, nil},
		{"unknown name", []string{"cargo-edt"}, []string{"cargo-edt", "nothing changed"}, nil},
		{"attribute whose evaluation fails", []string{"broken-eval"}, []string{"broken-eval"}, nil},
		{"unknown member of a set", []string{"python3Packages.nope"}, []string{"python3Packages.nope"}, nil},
		{"one bad name among good ones", []string{"ripgrep", "cargo-edt", "cargo-watch"}, []string{"cargo-edt"}, []string{"ripgrep", "cargo-watch"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := cliProject(t, cliOneCargo)
			r := cliRun(t, append([]string{"-C", dir, "add"}, c.names...)...)
			r.cliWant(t, 1)
			r.cliOneLineError(t, c.want...)
			r.cliWantNoEdit(t, dir, cliOneCargo)
			for _, n := range c.valid {
				if strings.Contains(r.stderr, n) {
					t.Errorf("stderr = %q names the valid %s", r.stderr, n)
				}
			}
		})
	}
}

// TestCLIAddDidYouMean: without an index a typo is refused by nix eval
// alone; after `devsh index` the refusal suggests the closest names.
func TestCLIAddDidYouMean(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	r := cliRun(t, "-C", dir, "add", "cargo-edt")
	r.cliWant(t, 1)
	r.cliOneLineError(t, "cargo-edt")
	if strings.Contains(r.stderr, "did you mean") {
		t.Errorf("stderr = %q: a suggestion without an index", r.stderr)
	}
	entries, err := os.ReadDir(cliCacheDir())
	if err == nil {
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".bin") {
				t.Errorf("a one-shot add built an index: %s", e.Name())
			}
		}
	}

	cliRun(t, "-C", dir, "index").cliWant(t, 0)

	r = cliRun(t, "-C", dir, "add", "cargo-edt")
	r.cliWant(t, 1)
	r.cliOneLineError(t, "cargo-edt (did you mean cargo-edit")
	cliWantTOML(t, dir, cliOneCargo)

	// nodePackages.prettier is not in the index (nix search does not
	// recurse into nodePackages), yet it is a valid name: nix eval decides.
	r = cliRun(t, "-C", dir, "search", "--json", "--limit", "0", "prettier")
	r.cliWant(t, 0)
	for _, it := range cliDecodeSearch(t, r.stdout) {
		if strings.HasPrefix(it.Attr, "nodePackages.") {
			t.Fatalf("the index holds %s; the fixture's nodePackages should not be searched", it.Attr)
		}
	}
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "nodePackages.prettier")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ nodePackages.prettier added\n")
}

func TestCLIAddNoVerifyNeedsNoNix(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	cliPathOnly(t) // nothing at all on PATH
	if _, err := exec.LookPath("nix"); err == nil {
		t.Fatal("nix is still on PATH")
	}
	r := cliRun(t, "-C", dir, "--no-direnv", "add", "--no-verify", "not-in-nixpkgs", "cargo-edt")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ not-in-nixpkgs added\n+ cargo-edt added\n")
	cliWantTOML(t, dir, "[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"not-in-nixpkgs\", \"cargo-edt\"]\n")
}

func TestCLIAddNixMissing(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	cliPathOnly(t, "direnv")
	r := cliRun(t, "-C", dir, "add", "cargo-edit")
	r.cliWant(t, 1)
	r.cliOneLineError(t, "nix", "--no-verify")
	r.cliWantNoEdit(t, dir, cliOneCargo)
}

// cliWantDryRun fails unless r printed exactly diff on stdout, left
// dir/devshell.toml exactly toml and created no .envrc.
func (r cliResult) cliWantDryRun(t *testing.T, dir, toml, diff string) {
	t.Helper()
	if r.stdout != diff {
		t.Errorf("dry-run stdout =\n%s\nwant\n%s", r.stdout, diff)
	}
	cliWantTOML(t, dir, toml)
	cliNotExist(t, filepath.Join(dir, ".envrc"))
}

func TestCLIAddDryRun(t *testing.T) {
	const toml = "[devshell]\n# tools\npackages = [\n  \"cargo\", # build\n  \"jq\",\n]\n"
	dir := cliProject(t, toml)
	r := cliRun(t, "-C", dir, "add", "--dry-run", "ripgrep", "cargo")
	r.cliWant(t, 0)
	r.cliWantDryRun(t, dir, toml, "--- a/devshell.toml\n+++ b/devshell.toml\n@@ -3,4 +3,5 @@\n packages = [\n   \"cargo\", # build\n   \"jq\",\n+  \"ripgrep\",\n ]\n")

	// The diff is exactly what the real add then does.
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "ripgrep", "cargo")
	r.cliWant(t, 0)
	cliWantTOML(t, dir, "[devshell]\n# tools\npackages = [\n  \"cargo\", # build\n  \"jq\",\n  \"ripgrep\",\n]\n")

	// Nothing to change: an empty diff.
	r = cliRun(t, "-C", dir, "add", "--dry-run", "ripgrep")
	r.cliWant(t, 0)
	r.cliWantOut(t, "") // a dry run of a no-op prints an empty diff
}

func TestCLIAddRefusesBadNames(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	for _, name := range []string{
		"with space",
		`quo"te`,
		"${pkgs.hello}",
		"a..b",
		".hidden",
		"trailing.",
		`back\slash`,
		"new\nline",
		"",
	} {
		t.Run(name, func(t *testing.T) {
			r := cliRun(t, "-C", dir, "add", "jq", name)
			r.cliWant(t, 1)
			r.cliOneLineError(t, "invalid package name")
			r.cliWantNoEdit(t, dir, cliOneCargo)
			// --no-verify does not let it through either.
			r = cliRun(t, "-C", dir, "add", "--no-verify", name)
			r.cliWant(t, 1)
			cliWantTOML(t, dir, cliOneCargo)
		})
	}
	cliNotExist(t, filepath.Join(dir, ".envrc"))
}

func TestCLIInvalidTOML(t *testing.T) {
	const bad = "[devshell]\npackages = [\"cargo\"\nname = 1\n"
	dir := cliProject(t, bad)
	path := filepath.Join(dir, "devshell.toml")
	pos := regexp.MustCompile(`^devsh: ` + regexp.QuoteMeta(path) + `:\d+:\d+: \S`)
	for _, args := range [][]string{
		{"add", "cargo-edit"},
		{"add", "--no-verify", "cargo-edit"},
		{"add", "--dry-run", "cargo-edit"},
		{"remove", "cargo"},
		{"list"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := cliRun(t, append([]string{"-C", dir}, args...)...)
			r.cliWant(t, 1)
			r.cliOneLineError(t)
			if !pos.MatchString(r.stderr) {
				t.Errorf("stderr = %q, want %q", r.stderr, pos)
			}
			r.cliWantNoEdit(t, dir, bad)
		})
	}
}

func TestCLINoDevshellTOML(t *testing.T) {
	dir := cliProject(t, "")
	r := cliRun(t, "-C", dir, "add", "--no-verify", "jq")
	r.cliWant(t, 1)
	r.cliOneLineError(t, "devshell.toml", "devsh init")
	cliNotExist(t, filepath.Join(dir, "devshell.toml"))
}

// TestCLIAddUnwritable makes the write fail for real: the project directory
// cannot take the temporary file the atomic write needs (immutable as root,
// read-only otherwise).
func TestCLIAddUnwritable(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	if os.Geteuid() == 0 {
		chattr, err := exec.LookPath("chattr")
		if err != nil {
			t.Skipf("running as root without chattr: cannot make the directory unwritable (%v)", err)
		}
		if out, err := exec.Command(chattr, "+i", dir).CombinedOutput(); err != nil {
			t.Skipf("chattr +i is not permitted here, so root cannot be kept from writing: %v: %s", err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command(chattr, "-i", dir).CombinedOutput(); err != nil {
				t.Errorf("chattr -i %s: %v: %s", dir, err, out)
			}
		})
	} else {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
	}
	if f, err := os.CreateTemp(dir, "probe-"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Fatal("the directory is still writable")
	}
	before := cliDirEntries(t, dir)

	r := cliRun(t, "-C", dir, "add", "jq")
	r.cliWant(t, 1)
	r.cliOneLineError(t, "devshell.toml")
	cliWantTOML(t, dir, cliOneCargo)
	if after := cliDirEntries(t, dir); !slices.Equal(before, after) {
		t.Errorf("directory entries changed from %v to %v (a temp file left behind?)", before, after)
	}
}

func TestCLIRemove(t *testing.T) {
	const toml = "[devshell]\n# tools\npackages = [\n  \"cargo\", # build\n  \"jq\",    # json\n  # search\n  \"ripgrep\",\n]\n"
	cases := []cliEditCase{
		{"remove keeps the other comments", []string{"remove", "jq"},
			"[devshell]\n# tools\npackages = [\n  \"cargo\", # build\n  # search\n  \"ripgrep\",\n]\n",
			"- jq removed\n"},
		{"rm alias, several names", []string{"rm", "cargo", "ripgrep"},
			"[devshell]\n# tools\npackages = [\n  \"jq\",    # json\n  # search\n]\n",
			"- cargo removed\n- ripgrep removed\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.runNoNix(t, toml, "--no-direnv") })
	}
}

func TestCLIAddRemoveRoundTrip(t *testing.T) {
	const toml = "# my shell\r\n[devshell]\r\npackages = [\r\n\t'cargo',\r\n\t'jq' # json\r\n]\r\n\r\n[[commands]]\r\nname = \"x\"\r\ncommand = \"echo [[ # \"\r\n"
	dir := cliProject(t, toml)
	cliRun(t, "-C", dir, "--no-direnv", "add", "ripgrep", "python3Packages.black").cliWant(t, 0)
	if got := cliRead(t, filepath.Join(dir, "devshell.toml")); got == toml || !strings.Contains(got, "python3Packages.black") {
		t.Fatalf("add did not change devshell.toml: %q", got)
	}
	cliRun(t, "-C", dir, "--no-direnv", "rm", "ripgrep", "python3Packages.black").cliWant(t, 0)
	cliWantTOML(t, dir, toml) // add then remove gives back the original
}

func TestCLIRemoveNotPresent(t *testing.T) {
	dir := cliProjectNoNix(t, cliOneCargo)
	r := cliRunNoNix(t, "-C", dir, "remove", "cargo", "jq")
	r.cliWant(t, 1)
	r.cliOneLineError(t, "devsh: jq is not in devshell.toml; nothing changed\n")
	r.cliWantNoEdit(t, dir, cliOneCargo) // cargo stays too
}

func TestCLIRemoveDryRun(t *testing.T) {
	const toml = "[devshell]\npackages = [\n  \"cargo\",\n  \"jq\", # json\n  \"ripgrep\",\n]\n"
	dir := cliProjectNoNix(t, toml)
	r := cliRunNoNix(t, "-C", dir, "rm", "--dry-run", "jq")
	r.cliWant(t, 0)
	r.cliWantDryRun(t, dir, toml, "--- a/devshell.toml\n+++ b/devshell.toml\n@@ -1,6 +1,5 @@\n [devshell]\n packages = [\n   \"cargo\",\n-  \"jq\", # json\n   \"ripgrep\",\n ]\n")

	// A dry run of a refused removal fails like the real one.
	r = cliRunNoNix(t, "-C", dir, "rm", "--dry-run", "fd")
	r.cliWant(t, 1)
	r.cliOneLineError(t, "devsh: fd is not in devshell.toml; nothing changed\n")
}

// TestCLIFileOutsideProject: --file naming a TOML outside the project is
// edited, but the project's .envrc gets no watch for it and no git advice
// is given, and devsh says why (a flake cannot read files outside its tree).
func TestCLIFileOutsideProject(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	envrc := filepath.Join(dir, ".envrc")
	const envrcBefore = "watch_file devshell.toml\nuse flake\n"
	cliWrite(t, envrc, envrcBefore)
	other := filepath.Join(t.TempDir(), "shared.toml")
	cliWrite(t, other, "[devshell]\npackages = [\"go\"]\n")
	note := "note: " + other + " is outside the project " + dir + ": its flake cannot read it, so .envrc and git were left alone\n"

	r := cliRun(t, "-C", dir, "--file", other, "add", "--no-verify", "jq")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ jq added\n")
	if r.stderr != note {
		t.Errorf("stderr = %q, want only %q", r.stderr, note)
	}
	if got := cliRead(t, other); got != "[devshell]\npackages = [\"go\", \"jq\"]\n" {
		t.Errorf("%s = %q", other, got)
	}
	r = cliRun(t, "-C", dir, "--file", other, "sync")
	r.cliWant(t, 0)
	if r.stderr != note || r.stdout != "" {
		t.Errorf("sync --file outside: stdout %q, stderr %q; want only %q", r.stdout, r.stderr, note)
	}
	if got := cliRead(t, envrc); got != envrcBefore {
		t.Errorf(".envrc = %q, want it untouched", got)
	}
	cliWantTOML(t, dir, cliOneCargo)

	// A --file inside the project is watched as before.
	cliWrite(t, filepath.Join(dir, "shells", "dev.toml"), "[devshell]\npackages = [\"go\"]\n")
	cliExec(t, dir, "git", "add", "-A")
	r = cliRun(t, "-C", dir, "--file", "shells/dev.toml", "add", "--no-verify", "jq")
	r.cliWant(t, 0)
	if strings.Contains(r.stderr, "outside") || !strings.Contains(cliRead(t, envrc), "shells/dev.toml") {
		t.Errorf("--file inside the project: stderr %q, .envrc %q; want it watched", r.stderr, cliRead(t, envrc))
	}
}

// TestCLIAddAliasNames: with the index (real fixture nixpkgs, whose
// pythonPackages aliases python313Packages, unlisted by nix search), a name whose
// package devshell.toml has under another name is not added again, and the
// line says which; two names of one package in one add are added once.
// The index decides: nix is not on PATH.
func TestCLIAddAliasNames(t *testing.T) {
	const toml = "[devshell]\npackages = [\"python313Packages.black\"]\n"
	dir := cliProject(t, toml)
	cliRun(t, "-C", dir, "index").cliWant(t, 0)
	cliPathOnly(t)
	for _, args := range [][]string{{"pythonPackages.black"}, {"--no-verify", "pythonPackages.black"}, {"--dry-run", "pythonPackages.black"}} {
		r := cliRun(t, append([]string{"-C", dir, "--no-direnv", "add"}, args...)...)
		r.cliWant(t, 0)
		if args[0] != "--dry-run" {
			name := args[len(args)-1]
			r.cliWantOut(t, "= "+name+" already in devshell.toml (as python313Packages.black)\n")
		} else if r.stdout != "" {
			t.Errorf("add --dry-run %s: stdout %q, want no diff", args[1], r.stdout)
		}
		cliWantTOML(t, dir, toml)
	}
	r := cliRun(t, "-C", dir, "--no-direnv", "add", "pythonPackages.requests", "jq", "python313Packages.requests")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ pythonPackages.requests added\n+ jq added\n")
	cliWantTOML(t, dir, "[devshell]\npackages = [\"python313Packages.black\", \"pythonPackages.requests\", \"jq\"]\n")
}

// TestCLIRemoveAliasNames: remove under an alias set's name removes the
// package as devshell.toml writes it, and says which; a name the file has
// under no name is refused as before. The index decides: nix is not on
// PATH.
func TestCLIRemoveAliasNames(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"python313Packages.black\", \"jq\"]\n")
	cliRun(t, "-C", dir, "index").cliWant(t, 0)
	cliPathOnly(t)
	r := cliRun(t, "-C", dir, "--no-direnv", "remove", "pythonPackages.black")
	r.cliWant(t, 0)
	r.cliWantOut(t, "- python313Packages.black removed\n")
	if r.stderr != "pythonPackages.black is python313Packages.black in devshell.toml\n" {
		t.Errorf("stderr = %q, want the name the file has", r.stderr)
	}
	cliWantTOML(t, dir, "[devshell]\npackages = [\"jq\"]\n")
	r = cliRun(t, "-C", dir, "--no-direnv", "remove", "pythonPackages.black")
	if r.code == 0 || !strings.Contains(r.stderr, "pythonPackages.black is not in devshell.toml") {
		t.Errorf("remove of a package the file lacks: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestDedupeCanonical(t *testing.T) {
	canonical := func(n string) string { return strings.Replace(n, "pythonPackages.", "python313Packages.", 1) }
	for _, tc := range []struct{ in, want []string }{
		{nil, nil},
		{[]string{"jq", "jq"}, []string{"jq"}},
		{[]string{"pythonPackages.black", "jq", "python313Packages.black"}, []string{"pythonPackages.black", "jq"}},
		{[]string{"python313Packages.black", "pythonPackages.black"}, []string{"python313Packages.black"}},
		{[]string{"pythonPackages.black", "python3Packages.black"}, []string{"pythonPackages.black", "python3Packages.black"}},
	} {
		if got := dedupeCanonical(canonical, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("dedupeCanonical(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCLIAddTwins: with the real nix on the fixture nixpkgs, where
// cargo-edit-alias is cargo-edit and python3Packages (listed, unlike
// pythonPackages) is python313Packages, a name devshell.toml has as
// another name of the same derivation is not added again, and search marks
// it installed; cargo-edit-unwrapped, another package, is neither.
// --no-verify runs no nix, so it cannot tell and adds.
func TestCLIAddTwins(t *testing.T) {
	const toml = "[devshell]\npackages = [\"cargo-edit\", \"python313Packages.requests\"]\n"
	dir := cliProject(t, toml)
	cliRun(t, "-C", dir, "index").cliWant(t, 0)
	for _, c := range []struct{ name, as string }{{"cargo-edit-alias", "cargo-edit"}, {"python3Packages.requests", "python313Packages.requests"}} {
		r := cliRun(t, "-C", dir, "--no-direnv", "add", c.name)
		r.cliWant(t, 0)
		r.cliWantOut(t, "= "+c.name+" already in devshell.toml (as "+c.as+")\n")
		cliWantTOML(t, dir, toml)
	}
	r := cliRun(t, "-C", dir, "search", "--json", "--limit", "0", "cargo-edit")
	r.cliWant(t, 0)
	installed := map[string]bool{}
	for _, it := range cliDecodeSearch(t, r.stdout) {
		installed[it.Attr] = it.Installed
	}
	if !installed["cargo-edit"] || !installed["cargo-edit-alias"] || installed["cargo-edit-unwrapped"] {
		t.Errorf("search cargo-edit: installed %v, want cargo-edit and cargo-edit-alias only", installed)
	}
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "cargo-edit-unwrapped")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ cargo-edit-unwrapped added\n")
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "--no-verify", "cargo-edit-alias")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ cargo-edit-alias added\n")
}

// TestCLITwinsWithoutNix: when nix cannot say whether two names are one
// derivation (here it is not on PATH), add goes on as written and search
// answers without those marks, each with a one-line note saying why.
func TestCLITwinsWithoutNix(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo-edit\"]\n")
	cliRun(t, "-C", dir, "index").cliWant(t, 0)
	cliPathOnly(t)
	const note = "note: could not tell which packages devshell.toml has under other names (python3 for python313): "
	r := cliRun(t, "-C", dir, "search", "--json", "cargo-edit-alias")
	r.cliWant(t, 0)
	if items := cliDecodeSearch(t, r.stdout); len(items) == 0 || items[0].Attr != "cargo-edit-alias" || items[0].Installed {
		t.Errorf("search: %+v, want cargo-edit-alias first, unmarked", items)
	}
	if !strings.HasPrefix(r.stderr, note) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("search stderr = %q, want one line starting %q", r.stderr, note)
	}
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "cargo-edit-alias")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ cargo-edit-alias added\n")
	if !strings.Contains(r.stderr, note) {
		t.Errorf("add stderr = %q, want %q", r.stderr, note)
	}
	cliWantTOML(t, dir, "[devshell]\npackages = [\"cargo-edit\", \"cargo-edit-alias\"]\n")
}
