package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

func TestCLIList(t *testing.T) {
	// Top-level packages (back-compat) come before [devshell] in this file;
	// [[commands]] packages are not list entries.
	const toml = "packages = [\"hello\"]\n\n[devshell]\nname = \"x\"\npackages = [\n  \"python3Packages.requests\", # http\n  \"cargo\",\n]\n\n[[commands]]\npackage = \"jq\"\n"
	dir := cliProject(t, toml)

	r := cliRun(t, "-C", dir, "list")
	r.cliWant(t, 0)
	if want := "hello\npython3Packages.requests\ncargo\n"; r.stdout != want {
		t.Errorf("list stdout = %q, want %q", r.stdout, want)
	}
	if r.stderr != "" {
		t.Errorf("list stderr = %q, want nothing", r.stderr)
	}

	r = cliRun(t, "-C", dir, "list", "--json")
	r.cliWant(t, 0)
	var raw []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatalf("list --json is not a JSON array of objects: %v\n%s", err, r.stdout)
	}
	want := []map[string]any{
		{"attr": "hello", "table": ""},
		{"attr": "python3Packages.requests", "table": "devshell"},
		{"attr": "cargo", "table": "devshell"},
	}
	if len(raw) != len(want) {
		t.Fatalf("list --json = %s, want %v", r.stdout, want)
	}
	for i := range want {
		if len(raw[i]) != 2 || raw[i]["attr"] != want[i]["attr"] || raw[i]["table"] != want[i]["table"] {
			t.Errorf("list --json[%d] = %v, want %v", i, raw[i], want[i])
		}
	}
}

func TestCLIListEmpty(t *testing.T) {
	dir := cliProject(t, "[devshell]\nname = \"empty\"\n")
	r := cliRun(t, "-C", dir, "list", "--json")
	r.cliWant(t, 0)
	if r.stdout != "[]\n" {
		t.Errorf("list --json of no packages = %q, want %q", r.stdout, "[]\n")
	}
	r = cliRun(t, "-C", dir, "list")
	r.cliWant(t, 0)
	if r.stdout != "" {
		t.Errorf("list of no packages = %q, want nothing", r.stdout)
	}
}

func TestCLIListFileFlag(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
	cliWrite(t, filepath.Join(dir, "shells", "other.toml"), "[devshell]\npackages = [\"go\", \"gopls\"]\n")
	r := cliRun(t, "-C", dir, "--file", "shells/other.toml", "list")
	r.cliWant(t, 0)
	if r.stdout != "go\ngopls\n" {
		t.Errorf("list --file = %q, want %q", r.stdout, "go\ngopls\n")
	}
}
