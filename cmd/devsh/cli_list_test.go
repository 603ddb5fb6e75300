package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

func TestCLIList(t *testing.T) {
	// Top-level packages (back-compat) come before [devshell] in this file;
	// the packages of [[commands]] and packagesFrom follow, marked. (Until
	// issue 11, [[commands]] packages were not listed at all.)
	const toml = "packages = [\"hello\"]\n\n[devshell]\nname = \"x\"\npackages = [\n  \"python3Packages.requests\", # http\n  \"cargo\",\n]\npackagesFrom = [\"rustc\"]\n\n[[commands]]\npackage = \"jq\"\n\n[[commands]]\nname = \"fmt\"\npackage = \"nixpkgs-fmt\"\n"
	dir := cliProjectNoNix(t, toml)

	r := cliRunNoNix(t, "-C", dir, "list")
	r.cliWant(t, 0)
	want := "hello\npython3Packages.requests\ncargo\njq           [[commands]]\nnixpkgs-fmt  [[commands]]\nrustc        packagesFrom (its build inputs)\n"
	if r.stdout != want {
		t.Errorf("list stdout = %q, want %q", r.stdout, want)
	}
	if r.stderr != "" {
		t.Errorf("list stderr = %q, want nothing", r.stderr)
	}

	r = cliRunNoNix(t, "-C", dir, "list", "--json")
	r.cliWant(t, 0)
	r.cliWantOut(t, `[{"attr":"hello","table":""},{"attr":"python3Packages.requests","table":"devshell"},{"attr":"cargo","table":"devshell"},`+
		`{"attr":"jq","table":"commands"},{"attr":"nixpkgs-fmt","table":"commands"},{"attr":"rustc","table":"devshell","key":"packagesFrom"}]`+"\n")
	var raw []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil || len(raw) != 6 {
		t.Fatalf("list --json is not a JSON array of six objects: %v\n%s", err, r.stdout)
	}
}

// TestCLIListPackagesFromSpellings: packagesFrom is read in each spelling of
// [devshell] (table, dotted key, inline table), and never edited.
func TestCLIListPackagesFromSpellings(t *testing.T) {
	for _, toml := range []string{
		"[devshell]\npackagesFrom = [\"openssl\", \"zlib\"]\n",
		"devshell.packagesFrom = [\"openssl\", \"zlib\"]\n",
		"devshell = { packagesFrom = [\"openssl\", \"zlib\"] }\n",
	} {
		dir := cliProject(t, toml)
		r := cliRun(t, "-C", dir, "list", "--json")
		r.cliWant(t, 0)
		r.cliWantOut(t, `[{"attr":"openssl","table":"devshell","key":"packagesFrom"},{"attr":"zlib","table":"devshell","key":"packagesFrom"}]`+"\n")
		// remove edits only the packages lists: a packagesFrom entry is not one.
		r = cliRun(t, "-C", dir, "--no-direnv", "remove", "openssl")
		r.cliWant(t, 1)
		r.cliOneLineError(t, "openssl is not in devshell.toml; nothing changed")
		cliWantTOML(t, dir, toml)
	}
}

// TestCLIListNotAList: a packages or packagesFrom key that is not a list, or
// a non-string element of one, is an error naming its line, for list, remove
// and add alike, not an empty list with exit 0.
func TestCLIListNotAList(t *testing.T) {
	for _, c := range []struct{ toml, want string }{
		{"[devshell]\nname = \"x\"\npackages = \"jq\"\n", "devshell.toml:3:1: devshell.packages is a string, not an array of package names: write it as a list, e.g. packages = [\"jq\"]"},
		{"name = \"x\"\npackages = \"jq\"\n", "devshell.toml:2:1: packages is a string, not an array of package names: write it as a list, e.g. packages = [\"jq\"]"},
		{"[devshell]\npackages = [\"jq\"]\npackagesFrom = \"openssl\"\n", "devshell.toml:3:1: devshell.packagesFrom is a string, not an array of package names: write it as a list, e.g. packagesFrom = [\"openssl\"]"},
		{"[devshell]\npackages = [1, 2]\n", "devshell.toml:2:13: devshell.packages holds an integer (1), not a package name: write each element as a quoted name, e.g. packages = [\"jq\"]"},
		{"[devshell]\npackages = [\"jq\"]\npackagesFrom = [\"openssl\", 7]\n", "devshell.toml:3:28: devshell.packagesFrom holds an integer (7), not a package name: write each element as a quoted name, e.g. packagesFrom = [\"openssl\"]"},
	} {
		dir := cliProject(t, c.toml)
		for _, args := range [][]string{{"list"}, {"list", "--json"}, {"remove", "jq"}, {"add", "--no-verify", "hello"}, {"add", "--no-verify", "jq"}} {
			r := cliRun(t, append([]string{"-C", dir, "--no-direnv"}, args...)...)
			r.cliWant(t, 1)
			r.cliOneLineError(t, c.want)
			r.cliWantOut(t, "")
		}
		cliWantTOML(t, dir, c.toml)
	}
}

func TestCLIListEmpty(t *testing.T) {
	dir := cliProjectNoNix(t, "[devshell]\nname = \"empty\"\n")
	r := cliRunNoNix(t, "-C", dir, "list", "--json")
	r.cliWant(t, 0)
	if r.stdout != "[]\n" {
		t.Errorf("list --json of no packages = %q, want %q", r.stdout, "[]\n")
	}
	r = cliRunNoNix(t, "-C", dir, "list")
	r.cliWant(t, 0)
	if r.stdout != "" {
		t.Errorf("list of no packages = %q, want nothing", r.stdout)
	}
}

func TestCLIListFileFlag(t *testing.T) {
	dir := cliProjectNoNix(t, "[devshell]\npackages = [\"cargo\"]\n")
	cliWrite(t, filepath.Join(dir, "shells", "other.toml"), "[devshell]\npackages = [\"go\", \"gopls\"]\n")
	r := cliRunNoNix(t, "-C", dir, "--file", "shells/other.toml", "list")
	r.cliWant(t, 0)
	if r.stdout != "go\ngopls\n" {
		t.Errorf("list --file = %q, want %q", r.stdout, "go\ngopls\n")
	}
}
