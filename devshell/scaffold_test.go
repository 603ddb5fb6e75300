package devshell

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devsh/devsh/devshell/envrc"
	"github.com/devsh/devsh/devshell/tomledit"
	"github.com/pelletier/go-toml/v2"
)

// scaffoldUpdateRegistered registers the package's -update flag unless
// another test file of the package already did; scaffoldUpdating reads it.
var scaffoldUpdateRegistered = func() bool {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files in testdata")
	}
	return true
}()

func scaffoldUpdating() bool {
	f := flag.Lookup("update")
	return scaffoldUpdateRegistered && f != nil && f.Value.String() == "true"
}

// scaffoldRequire fails the test when a tool it runs is missing (.ci/run
// installs them).
func scaffoldRequire(t *testing.T, tools ...string) {
	t.Helper()
	for _, name := range tools {
		if _, err := exec.LookPath(name); err != nil {
			t.Fatalf("%s is not on PATH (.ci/run installs it): %v", name, err)
		}
	}
}

// scaffoldGitEnv isolates git from the user's and the system's
// configuration, and from any repository above the test's temp dirs.
func scaffoldGitEnv(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(home))
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
}

// scaffoldGit runs the real git in dir and returns its stdout.
func scaffoldGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// scaffoldSnapshot reads every file of dir (not .git), for comparing the
// tree before and after.
func scaffoldSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestScaffoldTOMLString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"flynix", `"flynix"`},
		{"my proj", `"my proj"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"tab\there", `"tab\there"`},
		{"line\nbreak\r", `"line\nbreak\r"`},
		{"bell\a", `"bell\u0007"`},
		{"del\x7f", `"del\u007F"`},
		{"bs\bff\f", `"bs\bff\f"`},
		{"größe-日本", `"größe-日本"`},
		{"bad\xffutf8", "\"bad\uFFFDutf8\""},
		{"", `""`},
	}
	for _, tt := range tests {
		got := scaffoldTOMLString(tt.in)
		if got != tt.want {
			t.Errorf("scaffoldTOMLString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		// The result is a TOML string holding the name (invalid UTF-8
		// replaced).
		var doc struct{ Name string }
		if err := toml.Unmarshal([]byte("name = "+got+"\n"), &doc); err != nil {
			t.Errorf("scaffoldTOMLString(%q) = %s is not a TOML string: %v", tt.in, got, err)
			continue
		}
		if want := strings.ToValidUTF8(tt.in, "\uFFFD"); doc.Name != want {
			t.Errorf("scaffoldTOMLString(%q) parses back as %q, want %q", tt.in, doc.Name, want)
		}
	}
}

// TestScaffoldFilesGolden pins the generated files; -update rewrites
// testdata/scaffold.
func TestScaffoldFilesGolden(t *testing.T) {
	files := scaffoldFiles("flynix")
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		golden := filepath.Join("testdata", "scaffold", strings.TrimPrefix(f.Name, ".")+".golden")
		if scaffoldUpdating() {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(f.Content, want) {
			t.Errorf("%s:\n%s\nwant (%s):\n%s", f.Name, f.Content, golden, want)
		}
	}
	if want := []string{"flake.nix", "devshell.toml", ".envrc"}; !slices.Equal(names, want) {
		t.Errorf("scaffoldFiles names = %q, want %q", names, want)
	}
}

// TestScaffoldFilesFitTheWorkflow checks the generated files against the
// project's own readers: the TOML has the name and an empty [devshell]
// packages list, the .envrc watches devshell.toml before use flake, and the
// flake is valid nix that imports devshell.toml.
func TestScaffoldFilesFitTheWorkflow(t *testing.T) {
	scaffoldRequire(t, "nix-instantiate")
	files := scaffoldFiles(`we "quote" \ names`)
	byName := map[string][]byte{}
	for _, f := range files {
		byName[f.Name] = f.Content
	}

	m, err := tomledit.Parse("devshell.toml", byName["devshell.toml"])
	if err != nil {
		t.Fatalf("generated devshell.toml: %v", err)
	}
	if pkgs := m.Packages(); len(pkgs) != 0 {
		t.Errorf("generated devshell.toml has packages %v", pkgs)
	}
	var doc struct {
		Devshell struct {
			Name     string
			Packages []string
		}
	}
	if err := toml.Unmarshal(byName["devshell.toml"], &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Devshell.Name != `we "quote" \ names` || doc.Devshell.Packages == nil {
		t.Errorf("generated [devshell] = %+v, want the name and an empty packages list", doc.Devshell)
	}
	// Adding a package goes into the [devshell] list init wrote.
	out, _, err := tomledit.Add("devshell.toml", byName["devshell.toml"], []string{"cargo"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`packages = ["cargo"]`)) {
		t.Errorf("adding cargo to the generated file gave:\n%s", out)
	}

	if out, added, err := envrc.Sync(byName[".envrc"], []string{"devshell.toml"}); err != nil || len(added) > 0 || !bytes.Equal(out, byName[".envrc"]) {
		t.Errorf("generated .envrc is not in sync: added %v, err %v", added, err)
	}
	if !bytes.HasPrefix(byName[".envrc"], []byte("watch_file devshell.toml\n")) {
		t.Errorf("generated .envrc does not start with the watch line:\n%s", byName[".envrc"])
	}

	path := filepath.Join(t.TempDir(), "flake.nix")
	if err := os.WriteFile(path, byName["flake.nix"], 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nix-instantiate", "--parse", path)
	parsed, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("nix-instantiate --parse flake.nix: %v\n%s", err, parsed)
	}
	// The parsed form, as nix-instantiate prints it, of the wiring the
	// workflow depends on.
	for _, want := range []string{
		"overlays = [ ((devshell).overlays.default) ]",
		"devShells = { default = ((pkgs).devshell.mkShell { imports = [ (((pkgs).devshell.importTOML " + filepath.Dir(path) + "/devshell.toml)) ]; }); }",
		"(flake-utils).lib.eachDefaultSystem",
		`devshell = { inputs = { nixpkgs = { follows = "nixpkgs"; }; }; url = "github:numtide/devshell"; }`,
	} {
		if !bytes.Contains(parsed, []byte(want)) {
			t.Errorf("parsed flake lacks %q:\n%s", want, parsed)
		}
	}
}

func TestGitignoreWithDirenv(t *testing.T) {
	tests := []struct {
		name, in, want string
		changed        bool
	}{
		{"missing file", "", ".direnv\n", true},
		{"other entries", "target/\n", "target/\n.direnv\n", true},
		{"no final newline", "target/", "target/\n.direnv\n", true},
		{"crlf", "target/\r\nresult\r\n", "target/\r\nresult\r\n.direnv\r\n", true},
		{"crlf no final newline", "target/\r\nresult", "target/\r\nresult\r\n.direnv\r\n", true},
		{"present", "target/\n.direnv\n", "target/\n.direnv\n", false},
		{"present with slash", ".direnv/\n", ".direnv/\n", false},
		{"present anchored", "/.direnv\n", "/.direnv\n", false},
		{"present anchored slash no newline", "a\n/.direnv/", "a\n/.direnv/", false},
		{"present with blanks", "  .direnv  \n", "  .direnv  \n", false},
		{"present crlf", ".direnv\r\n", ".direnv\r\n", false},
		{"commented out", "# .direnv\n", "# .direnv\n.direnv\n", true},
		{"another name", ".direnvrc\n", ".direnvrc\n.direnv\n", true},
		{"negated", "!.direnv\n", "!.direnv\n.direnv\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := gitignoreWithDirenv([]byte(tt.in))
			if string(got) != tt.want || changed != tt.changed {
				t.Errorf("gitignoreWithDirenv(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
			}
			// Idempotent: a second run changes nothing.
			again, changed := gitignoreWithDirenv(got)
			if changed || !bytes.Equal(again, got) {
				t.Errorf("second run changed %q to %q", got, again)
			}
		})
	}
}

func TestScaffoldArgs(t *testing.T) {
	tests := []struct {
		got, want []string
	}{
		{scaffoldRevParseArgs("/p q"), []string{"git", "-C", "/p q", "rev-parse", "--show-toplevel"}},
		{scaffoldIntentToAddArgs("/p", []string{"flake.nix", "-x*"}),
			[]string{"git", "--literal-pathspecs", "-C", "/p", "add", "--intent-to-add", "--", "flake.nix", "-x*"}},
		{scaffoldCheckIgnoreArgs("/p", []string{".envrc"}), []string{"git", "-C", "/p", "check-ignore", "--", ".envrc"}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("argv %q, want %q", tt.got, tt.want)
		}
	}
}

func TestInitFreshGitRepo(t *testing.T) {
	scaffoldRequire(t, "git")
	scaffoldGitEnv(t)
	dir := filepath.Join(t.TempDir(), "flynix")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	scaffoldGit(t, dir, "init", "-q")
	ctx := context.Background()

	rep, err := Init(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"flake.nix", "devshell.toml", ".envrc", ".gitignore"}
	if !slices.Equal(rep.Created, all) || len(rep.Kept) != 0 || !slices.Equal(rep.Staged, all) || rep.GitRoot == "" {
		t.Errorf("first Init = %+v, want all four created and staged", rep)
	}
	tracked := strings.Fields(scaffoldGit(t, dir, "ls-files"))
	slices.Sort(tracked)
	want := slices.Sorted(slices.Values(all))
	if !slices.Equal(tracked, want) {
		t.Errorf("git ls-files = %q, want %q", tracked, want)
	}
	// Intent-to-add only: nothing is staged with content.
	if diff := scaffoldGit(t, dir, "diff", "--cached", "--name-only"); strings.TrimSpace(diff) != "" {
		t.Errorf("git diff --cached lists %q, want nothing staged with content", diff)
	}
	before := scaffoldSnapshot(t, dir)
	if before["devshell.toml"] != "[devshell]\nname = \"flynix\"\npackages = []\n" {
		t.Errorf("devshell.toml = %q", before["devshell.toml"])
	}
	if before[".gitignore"] != ".direnv\n" {
		t.Errorf(".gitignore = %q", before[".gitignore"])
	}

	rep, err = Init(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Created) != 0 || rep.GitignoreAppended || !slices.Equal(rep.Kept, all) || len(rep.Staged) != 0 || len(rep.Notes) != 0 || len(rep.Untracked) != 0 {
		t.Errorf("second Init = %+v, want everything kept and nothing to say", rep)
	}
	if after := scaffoldSnapshot(t, dir); !maps.Equal(before, after) {
		t.Errorf("second Init changed files:\nbefore %q\nafter  %q", before, after)
	}
}

// TestInitKeepsExisting: existing files are never overwritten, a
// .gitignore gets .direnv appended, kept files that do not fit are noted,
// and kept files the flake needs but git does not track are reported.
func TestInitKeepsExisting(t *testing.T) {
	scaffoldRequire(t, "git")
	scaffoldGitEnv(t)
	dir := t.TempDir()
	scaffoldGit(t, dir, "init", "-q")
	existing := map[string]string{
		"flake.nix":     "{ outputs = { self }: { }; }\n",
		".envrc":        "use flake\n",
		".gitignore":    "result",
		"devshell.toml": "# mine\n[devshell]\nname = \"keep\"\n",
	}
	for name, content := range existing {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	scaffoldGit(t, dir, "add", "flake.nix")

	rep, err := Init(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Created) != 0 || !rep.GitignoreAppended || len(rep.Staged) != 0 {
		t.Errorf("Init = %+v, want nothing created, .gitignore appended", rep)
	}
	if want := []string{"flake.nix", "devshell.toml", ".envrc"}; !slices.Equal(rep.Kept, want) {
		t.Errorf("Kept = %q, want %q", rep.Kept, want)
	}
	// The kept, untracked devshell.toml is what the flake reads: Init adds
	// it with --intent-to-add (until issue 11 it was only reported).
	if want := []string{"devshell.toml"}; !slices.Equal(rep.StagedKept, want) || len(rep.Untracked) != 0 {
		t.Errorf("StagedKept = %q, Untracked = %q; want %q staged", rep.StagedKept, rep.Untracked, want)
	}
	if tracked, err := gitTracked(context.Background(), nil, filepath.Join(dir, "devshell.toml")); err != nil || !tracked {
		t.Errorf("devshell.toml tracked after Init = %v, %v; want intent-to-add", tracked, err)
	}
	if len(rep.Notes) != 2 || !strings.Contains(rep.Notes[0], "flake.nix does not mention devshell.toml") || !strings.Contains(rep.Notes[1], "devsh sync") {
		t.Errorf("Notes = %q, want the flake and the .envrc noted", rep.Notes)
	}
	got := scaffoldSnapshot(t, dir)
	existing[".gitignore"] = "result\n.direnv\n"
	if !maps.Equal(got, existing) {
		t.Errorf("files after Init:\n%q\nwant\n%q", got, existing)
	}
	fi, err := os.Stat(filepath.Join(dir, ".gitignore"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf(".gitignore mode = %v (%v), want 0600 kept", fi.Mode().Perm(), err)
	}
}

// TestInitKeepsDanglingSymlink: a symlink to nowhere is a file the user
// put there; init does not write through it.
func TestInitKeepsDanglingSymlink(t *testing.T) {
	scaffoldRequire(t, "git")
	scaffoldGitEnv(t)
	dir := t.TempDir()
	scaffoldGit(t, dir, "init", "-q")
	if err := os.Symlink(filepath.Join(dir, "elsewhere.nix"), filepath.Join(dir, "flake.nix")); err != nil {
		t.Fatal(err)
	}
	rep, err := Init(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.Kept, "flake.nix") {
		t.Errorf("Kept = %q, want flake.nix", rep.Kept)
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere.nix")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("init wrote through the dangling symlink: %v", err)
	}
}

// TestInitIgnoredFileNotStaged: a created file git ignores (here .envrc,
// as many people ignore it globally) is reported, the others are staged.
func TestInitIgnoredFileNotStaged(t *testing.T) {
	dir := scaffoldRepoIgnoring(t, ".envrc")

	rep, err := Init(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{".envrc"}; !slices.Equal(rep.Ignored, want) {
		t.Errorf("Ignored = %q, want %q", rep.Ignored, want)
	}
	want := []string{"flake.nix", "devshell.toml", ".gitignore"}
	if !slices.Equal(rep.Staged, want) {
		t.Errorf("Staged = %q, want %q", rep.Staged, want)
	}
	tracked := strings.Fields(scaffoldGit(t, dir, "ls-files"))
	if !slices.Equal(slices.Sorted(slices.Values(tracked)), slices.Sorted(slices.Values(want))) {
		t.Errorf("git ls-files = %q, want %q", tracked, want)
	}
}

func TestInitOutsideGit(t *testing.T) {
	scaffoldRequire(t, "git")
	scaffoldGitEnv(t) // no repository above the temp dir is found
	dir := filepath.Join(t.TempDir(), "proj")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rep, err := Init(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.GitRoot != "" || rep.GitMissing || len(rep.Staged) != 0 || len(rep.Created) != 4 {
		t.Errorf("Init outside git = %+v, want four files created, no git root, nothing staged", rep)
	}
}

func TestInitWithoutGit(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no git at all
	dir := t.TempDir()
	rep, err := Init(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.GitMissing || len(rep.Created) != 4 || len(rep.Staged) != 0 {
		t.Errorf("Init without git = %+v, want four files created and GitMissing", rep)
	}
}

// TestInitIgnoredKeptTOML: a kept devshell.toml that git ignores cannot be
// added (git refuses ignored paths); it is reported as Untracked, the
// created files are still added.
func TestInitIgnoredKeptTOML(t *testing.T) {
	dir := scaffoldRepoIgnoring(t, "devshell.toml")
	if err := os.WriteFile(filepath.Join(dir, "devshell.toml"), []byte("[devshell]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Init(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"devshell.toml"}; !slices.Equal(rep.Untracked, want) || len(rep.StagedKept) != 0 {
		t.Errorf("Untracked = %q, StagedKept = %q; want %q untracked", rep.Untracked, rep.StagedKept, want)
	}
	if want := []string{"flake.nix", ".envrc", ".gitignore"}; !slices.Equal(rep.Staged, want) {
		t.Errorf("Staged = %q, want %q", rep.Staged, want)
	}
}

// scaffoldRepoIgnoring creates a git repository whose excludes file (as a
// global ignore would) ignores pattern, and returns its directory.
func scaffoldRepoIgnoring(t *testing.T, pattern string) string {
	t.Helper()
	scaffoldRequire(t, "git")
	scaffoldGitEnv(t)
	dir := t.TempDir()
	scaffoldGit(t, dir, "init", "-q")
	excludes := filepath.Join(t.TempDir(), "ignore")
	if err := os.WriteFile(excludes, []byte(pattern+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	scaffoldGit(t, dir, "config", "core.excludesFile", excludes)
	return dir
}
