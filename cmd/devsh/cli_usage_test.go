package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIUsageErrors(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	missing := filepath.Join(t.TempDir(), "missing")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"add", "--frob", "jq"}, "unknown flag: --frob"},
		{"unknown global flag", []string{"--frob", "add", "jq"}, "unknown flag: --frob"},
		{"unknown shorthand", []string{"list", "-z"}, "unknown shorthand flag"},
		{"add without args", []string{"add"}, "requires at least 1 arg"},
		{"add --no-verify without args", []string{"add", "--no-verify"}, "requires at least 1 arg"},
		{"remove without args", []string{"remove"}, "requires at least 1 arg"},
		{"rm without args", []string{"rm"}, "requires at least 1 arg"},
		{"search without query", []string{"search"}, "requires at least 1 arg"},
		{"list takes no args", []string{"list", "jq"}, "unknown command"},
		{"index takes no args", []string{"index", "now"}, "unknown command"},
		{"negative limit", []string{"search", "--limit", "-1", "cargo"}, "--limit"},
		{"bad limit", []string{"search", "--limit", "many", "cargo"}, "invalid argument"},
		{"flag without value", []string{"add", "jq", "--file"}, "flag needs an argument"},
		{"-C not a directory", []string{"-C", missing, "add", "jq"}, "not a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.args[0] != "-C" {
				args = append([]string{"-C", dir}, c.args...)
			}
			r := cliRun(t, args...)
			r.cliWant(t, 2)
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "devsh: ") || lines[1] != "Run 'devsh --help' for usage." {
				t.Errorf("stderr = %q, want the error and the --help hint", r.stderr)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, c.want)
			}
			r.cliWantNoEdit(t, dir, cliOneCargo)
		})
	}
}

func TestCLINoTerminalPrintsHelp(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	for _, ios := range []IOStreams{
		{},
		{InTTY: true, ErrTTY: true},  // stdout redirected
		{OutTTY: true, ErrTTY: true}, // stdin redirected
	} {
		r := cliRunIO(t, context.Background(), &ios, "-C", dir)
		r.cliWant(t, 2)
		if r.stdout != "" {
			t.Errorf("InTTY=%v OutTTY=%v: stdout = %q, want nothing", ios.InTTY, ios.OutTTY, r.stdout)
		}
		for _, want := range []string{"Usage:", "devsh [command]", "add", "search", "--no-direnv"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("InTTY=%v OutTTY=%v: stderr lacks %q:\n%s", ios.InTTY, ios.OutTTY, want, r.stderr)
			}
		}
	}
}

func TestCLIHelp(t *testing.T) {
	cliEnv(t)
	r := cliRun(t, "--help")
	r.cliWant(t, 0)
	if !strings.Contains(r.stdout, "Usage:") || r.stderr != "" {
		t.Errorf("--help: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	r = cliRun(t, "add", "--help")
	r.cliWant(t, 0)
	for _, want := range []string{"--no-verify", "--dry-run"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("add --help lacks %s:\n%s", want, r.stdout)
		}
	}
}
