package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIUsageErrors(t *testing.T) {
	dir := cliProjectNoNix(t, cliOneCargo)
	missing := filepath.Join(t.TempDir(), "missing")
	cases := []struct {
		name string
		args []string
		want string
		help string // the command whose --help the second line names
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"; the commands are listed by devsh --help`, "devsh"},
		{"mistyped command", []string{"ad", "jq"}, `unknown command "ad" (did you mean add?)`, "devsh"},
		{"mistyped remove", []string{"remov", "jq"}, `unknown command "remov" (did you mean remove?)`, "devsh"},
		{"swapped letters", []string{"serach", "jq"}, `unknown command "serach" (did you mean search?)`, "devsh"},
		{"dropped letter", []string{"lst"}, `unknown command "lst" (did you mean list?)`, "devsh"},
		{"wrong letter", []string{"docter"}, `unknown command "docter" (did you mean doctor?)`, "devsh"},
		{"swapped remove", []string{"remvoe", "jq"}, `unknown command "remvoe" (did you mean remove?)`, "devsh"},
		{"mistyped alias", []string{"instal", "jq"}, `unknown command "instal" (did you mean install?)`, "devsh"},
		{"unknown flag", []string{"add", "--frob", "jq"}, "unknown flag: --frob", "devsh add"},
		{"unknown global flag", []string{"--frob", "add", "jq"}, "unknown flag: --frob", "devsh"},
		{"unknown shorthand", []string{"list", "-z"}, "unknown shorthand flag", "devsh list"},
		{"add without args", []string{"add"}, "name at least one package, e.g. devsh add cargo-edit", "devsh add"},
		{"install without args", []string{"install"}, "name at least one package, e.g. devsh add cargo-edit", "devsh add"},
		{"add --no-verify without args", []string{"add", "--no-verify"}, "name at least one package, e.g. devsh add cargo-edit", "devsh add"},
		{"remove without args", []string{"remove"}, "name at least one package to remove, e.g. devsh remove cargo-edit", "devsh remove"},
		{"rm without args", []string{"rm"}, "name at least one package to remove", "devsh remove"},
		{"uninstall without args", []string{"uninstall"}, "name at least one package to remove", "devsh remove"},
		{"search without query", []string{"search"}, "give a search query, e.g. devsh search cargo", "devsh search"},
		{"list takes no args", []string{"list", "extra"}, `devsh list takes no arguments, got "extra" (usage: devsh list [flags])`, "devsh list"},
		{"index takes no args", []string{"index", "now"}, `devsh index takes no arguments, got "now"`, "devsh index"},
		{"negative limit", []string{"search", "--limit", "-1", "cargo"}, "--limit wants 0 (all) or more, got -1", "devsh search"},
		{"bad limit", []string{"search", "--limit", "abc", "cargo"}, `--limit wants a number, got "abc"`, "devsh search"},
		{"bad bool", []string{"add", "--no-verify=maybe", "jq"}, `--no-verify is on or off`, "devsh add"},
		{"flag without value", []string{"add", "jq", "--file"}, "flag needs an argument", "devsh add"},
		{"completion without shell", []string{"completion"}, "name one shell: bash, zsh or fish", "devsh completion"},
		{"completion of an unknown shell", []string{"completion", "tcsh"}, `name one shell: bash, zsh or fish, e.g. devsh completion bash (got "tcsh")`, "devsh completion"},
		{"-C not a directory", []string{"-C", missing, "add", "jq"}, "not a directory", "devsh"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.args[0] != "-C" {
				args = append([]string{"-C", dir}, c.args...)
			}
			r := cliRunNoNix(t, args...)
			r.cliWant(t, 2)
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "devsh: ") || lines[1] != "Run '"+c.help+" --help' for usage." {
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

func TestCommandSuggestions(t *testing.T) {
	root := newRootCmd(&GlobalOptions{IO: &IOStreams{}, Getenv: func(string) string { return "" }})
	cases := []struct {
		typed string
		want  string // the suggestions joined by " "
	}{
		{"ad", "add"},         // a prefix, and one edit: not rm, two edits from a two-letter word
		{"serach", "search"},  // a swapped pair is two edits
		{"lst", "list"},       // a dropped letter
		{"ls", "list"},        // two dropped letters of four
		{"docter", "doctor"},  // a wrong letter
		{"remvoe", "remove"},  // a swapped pair
		{"instal", "install"}, // an alias, named as typed
		{"uninstal", "uninstall"},
		{"rn", "rm"},
		{"SEARCH", "search"},
		{"in", "index init install"}, // a prefix of several
		{"frobnicate", ""},
		{"xyz", ""},
		{"", ""},
	}
	for _, c := range cases {
		if got := strings.Join(commandSuggestions(root, c.typed), " "); got != c.want {
			t.Errorf("commandSuggestions(%q) = %q, want %q", c.typed, got, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "add", 3},
		{"add", "", 3},
		{"add", "add", 0},
		{"ad", "add", 1},
		{"serach", "search", 2},
		{"docter", "doctor", 1},
		{"kitten", "sitting", 3},
		{"süß", "suß", 1}, // runes, not bytes
	}
	for _, c := range cases {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
