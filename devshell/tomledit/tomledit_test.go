package tomledit

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/devsh/devsh/devshell/internal/textfile"
)

// The -update flag rewrites golden files. It is registered only when no
// other test file of the package registered one already (package-level flag
// variables are initialised before any init function runs).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files in testdata")
	}
}

// update reports whether -update was passed.
func update() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const goldenDir = "testdata/golden"

// goldenInput is one input document of goldenDir.
type goldenInput struct {
	path string
	data []byte
}

// goldenInputs reads every input document of goldenDir (*.toml), in name
// order.
func goldenInputs(tb testing.TB) []goldenInput {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.toml"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatalf("no *.toml inputs in %s", goldenDir)
	}
	out := make([]goldenInput, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, goldenInput{f, data})
	}
	return out
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkGolden compares got with testdata/golden/<name>.golden (or writes it
// with -update).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name+".golden")
	if update() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestManifestGolden(t *testing.T) {
	type op int
	const (
		add op = iota
		remove
	)
	cases := []struct {
		golden string
		input  string
		op     op
		names  []string
		want   []Status
	}{
		{"devshell_packages.add", "devshell_packages.toml", add, []string{"ripgrep"}, []Status{Added}},
		{"devshell_packages.add-several", "devshell_packages.toml", add, []string{"go", "hub", "jq", "jq", "fd"}, []Status{AlreadyPresent, ProvidedByCommand, Added, AlreadyPresent, Added}},
		{"devshell_packages.remove-middle", "devshell_packages.toml", remove, []string{"gopls"}, []Status{Removed}},
		{"devshell_packages.remove-commented", "devshell_packages.toml", remove, []string{"go"}, []Status{Removed}},
		{"devshell_packages.remove-last", "devshell_packages.toml", remove, []string{"golangci-lint"}, []Status{Removed}},
		{"devshell_packages.remove-all", "devshell_packages.toml", remove, []string{"go", "gopls", "golangci-lint"}, []Status{Removed, Removed, Removed}},
		{"devshell_packages.remove-absent", "devshell_packages.toml", remove, []string{"hub", "nothere"}, []Status{OnlyInCommand, NotPresent}},
		{"top_level.add", "top_level.toml", add, []string{"jq"}, []Status{Added}},
		{"top_level.remove-last", "top_level.toml", remove, []string{"cargo"}, []Status{Removed}},
		{"top_level.remove-first", "top_level.toml", remove, []string{"rust-analyzer"}, []Status{Removed}},
		{"dotted.add", "dotted.toml", add, []string{"git"}, []Status{Added}},
		{"dotted.remove", "dotted.toml", remove, []string{"jq"}, []Status{Removed}},
		{"dotted_nopkgs.add", "dotted_nopkgs.toml", add, []string{"git"}, []Status{Added}},
		{"inline.add", "inline.toml", add, []string{"git"}, []Status{Added}},
		{"inline.remove", "inline.toml", remove, []string{"jq"}, []Status{Removed}},
		{"inline_nopkgs.add", "inline_nopkgs.toml", add, []string{"git", "hello"}, []Status{Added, ProvidedByCommand}},
		{"inline_empty.add", "inline_empty.toml", add, []string{"git"}, []Status{Added}},
		{"inline_multiline.add", "inline_multiline.toml", add, []string{"delve"}, []Status{Added}},
		{"subtable.add", "subtable.toml", add, []string{"git"}, []Status{Added}},
		{"header_only.add", "header_only.toml", add, []string{"git"}, []Status{Added}},
		{"indented_section.add", "indented_section.toml", add, []string{"git"}, []Status{Added}},
		{"no_devshell.add", "no_devshell.toml", add, []string{"git", "jq"}, []Status{Added, Added}},
		{"no_devshell_nonl.add", "no_devshell_nonl.toml", add, []string{"git"}, []Status{Added}},
		{"no_devshell_crlf.add", "no_devshell_crlf.toml", add, []string{"git"}, []Status{Added}},
		{"no_devshell_blank_end.add", "no_devshell_blank_end.toml", add, []string{"git"}, []Status{Added}},
		{"empty.add", "empty.toml", add, []string{"git"}, []Status{Added}},
		{"comment_only_nonl.add", "comment_only_nonl.toml", add, []string{"git"}, []Status{Added}},
		{"single_line.add", "single_line.toml", add, []string{"c"}, []Status{Added}},
		{"single_line.remove-first", "single_line.toml", remove, []string{"a"}, []Status{Removed}},
		{"single_line.remove-last", "single_line.toml", remove, []string{"b"}, []Status{Removed}},
		{"single_line.remove-all", "single_line.toml", remove, []string{"a", "b"}, []Status{Removed, Removed}},
		{"single_compact.add", "single_compact.toml", add, []string{"c"}, []Status{Added}},
		{"single_spaced.add", "single_spaced.toml", add, []string{"c"}, []Status{Added}},
		{"single_spaced.remove", "single_spaced.toml", remove, []string{"a"}, []Status{Removed}},
		{"single_empty.add", "single_empty.toml", add, []string{"c"}, []Status{Added}},
		{"single_empty_spaced.add", "single_empty_spaced.toml", add, []string{"c"}, []Status{Added}},
		{"single_trailing_comma.add", "single_trailing_comma.toml", add, []string{"c"}, []Status{Added}},
		{"single_trailing_comma.remove-last", "single_trailing_comma.toml", remove, []string{"b"}, []Status{Removed}},
		{"literal.add", "literal.toml", add, []string{"pnpm", "it's"}, []Status{Added, Added}},
		{"tabs.add", "tabs.toml", add, []string{"delve"}, []Status{Added}},
		{"tabs.remove", "tabs.toml", remove, []string{"gopls"}, []Status{Removed}},
		{"no_trailing_comma.add", "no_trailing_comma.toml", add, []string{"gamma"}, []Status{Added}},
		{"no_trailing_comma.remove-last", "no_trailing_comma.toml", remove, []string{"beta"}, []Status{Removed}},
		{"no_trailing_comma.remove-all", "no_trailing_comma.toml", remove, []string{"beta", "alpha"}, []Status{Removed, Removed}},
		{"close_on_last.add", "close_on_last.toml", add, []string{"c"}, []Status{Added}},
		{"close_on_last.remove-last", "close_on_last.toml", remove, []string{"b"}, []Status{Removed}},
		{"close_on_last_comma.add", "close_on_last_comma.toml", add, []string{"c"}, []Status{Added}},
		{"grid.add", "grid.toml", add, []string{"f"}, []Status{Added}},
		{"grid.remove-middle", "grid.toml", remove, []string{"b"}, []Status{Removed}},
		{"grid.remove-line-end", "grid.toml", remove, []string{"c"}, []Status{Removed}},
		{"grid.remove-last", "grid.toml", remove, []string{"e"}, []Status{Removed}},
		{"grid.remove-line-start", "grid.toml", remove, []string{"d"}, []Status{Removed}},
		{"open_line.add", "open_line.toml", add, []string{"c"}, []Status{Added}},
		{"open_line.remove-first", "open_line.toml", remove, []string{"a"}, []Status{Removed}},
		{"crlf.add", "crlf.toml", add, []string{"delve"}, []Status{Added}},
		{"crlf.remove", "crlf.toml", remove, []string{"go"}, []Status{Removed}},
		{"nonl.add", "nonl.toml", add, []string{"delve"}, []Status{Added}},
		{"nonl.remove", "nonl.toml", remove, []string{"gopls"}, []Status{Removed}},
		{"nopkgs_nonl.add", "nopkgs_nonl.toml", add, []string{"git"}, []Status{Added}},
		{"nopkgs_crlf.add", "nopkgs_crlf.toml", add, []string{"git"}, []Status{Added}},
		{"after_commands.add", "after_commands.toml", add, []string{"git", "nixpkgs-fmt"}, []Status{Added, ProvidedByCommand}},
		{"after_commands_nopkgs.add", "after_commands_nopkgs.toml", add, []string{"git"}, []Status{Added}},
		{"tricky_strings.add", "tricky_strings.toml", add, []string{"fake", "x"}, []Status{Added, Added}},
		{"tricky_strings.remove", "tricky_strings.toml", remove, []string{"real", "fake"}, []Status{Removed, NotPresent}},
		{"tricky_nopkgs.add", "tricky_nopkgs.toml", add, []string{"git"}, []Status{Added}},
		{"spaced_commands.add", "spaced_commands.toml", add, []string{"nodejs-16_x", "yarn"}, []Status{AlreadyPresent, Added}},
		{"spaced_commands.remove", "spaced_commands.toml", remove, []string{"nodejs-16_x", "nodejs-16_x"}, []Status{Removed, OnlyInCommand}},
		{"commented_elements.add", "commented_elements.toml", add, []string{"python2"}, []Status{Added}},
		{"commented_elements.remove", "commented_elements.toml", remove, []string{"rust-analyzer", "vales.pkgs.rust"}, []Status{Removed, Removed}},
		{"duplicates.add", "duplicates.toml", add, []string{"jq"}, []Status{AlreadyPresent}},
		{"duplicates.add-new", "duplicates.toml", add, []string{"git"}, []Status{Added}},
		{"top_and_devshell_nopkgs.add", "top_and_devshell_nopkgs.toml", add, []string{"git"}, []Status{Added}},
		{"duplicates.remove", "duplicates.toml", remove, []string{"jq"}, []Status{Removed}},
		{"empty_multiline.add", "empty_multiline.toml", add, []string{"git"}, []Status{Added}},
		{"comma_first.add", "comma_first.toml", add, []string{"d"}, []Status{Added}},
		{"comma_first.remove-middle", "comma_first.toml", remove, []string{"yarn"}, []Status{Removed}},
		{"comma_first.remove-first", "comma_first.toml", remove, []string{"nodejs"}, []Status{Removed}},
		{"comma_first.remove-last", "comma_first.toml", remove, []string{"jq"}, []Status{Removed}},
		{"comma_first.remove-all", "comma_first.toml", remove, []string{"yarn", "nodejs", "jq"}, []Status{Removed, Removed, Removed}},
		{"comma_first_aligned.add", "comma_first_aligned.toml", add, []string{"d"}, []Status{Added}},
		{"comma_first_aligned.remove-middle", "comma_first_aligned.toml", remove, []string{"gopls"}, []Status{Removed}},
		{"comma_first_aligned.remove-first", "comma_first_aligned.toml", remove, []string{"go"}, []Status{Removed}},
		{"comma_first_aligned.remove-last", "comma_first_aligned.toml", remove, []string{"delve"}, []Status{Removed}},
		{"comma_first_crlf.add", "comma_first_crlf.toml", add, []string{"d"}, []Status{Added}},
		{"comma_first_crlf.remove-middle", "comma_first_crlf.toml", remove, []string{"b"}, []Status{Removed}},
		{"commands_inline.add", "commands_inline.toml", add, []string{"hub", "jq"}, []Status{ProvidedByCommand, Added}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			if seen[c.golden] {
				t.Fatalf("duplicate golden name %s", c.golden)
			}
			seen[c.golden] = true
			in := read(t, c.input)
			var out []byte
			var res []Result
			var err error
			if c.op == add {
				out, res, err = Add(c.input, in, c.names)
			} else {
				out, res, err = Remove(c.input, in, c.names)
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []Status
			for i, r := range res {
				if r.Name != c.names[i] {
					t.Errorf("result %d is for %q, want %q", i, r.Name, c.names[i])
				}
				got = append(got, r.Status)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("statuses = %v, want %v", got, c.want)
			}
			checkGolden(t, c.golden, out)
			if _, err := Parse(c.golden, out); err != nil {
				t.Errorf("output does not parse: %v", err)
			}
		})
	}
}

// TestManifestAddRemoveIdentity adds names to every fixture whose packages
// list exists and checks that removing them gives back the exact bytes
// (TestManifestAddRemoveCreatedList covers the fixtures without one).
func TestManifestAddRemoveIdentity(t *testing.T) {
	checked := 0
	for _, g := range goldenInputs(t) {
		f, in := g.path, g.data
		m, err := Parse(f, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.lists) == 0 {
			continue
		}
		for _, names := range [][]string{{"zz-new"}, {"zz-one", "zz-two"}, {"python3Packages.black"}} {
			added, _, err := Add(f, in, names)
			if err != nil {
				t.Fatalf("%s: add %v: %v", f, names, err)
			}
			back, res, err := Remove(f, added, names)
			if err != nil {
				t.Fatalf("%s: remove %v: %v", f, names, err)
			}
			for _, r := range res {
				if r.Status != Removed {
					t.Errorf("%s: remove %s: %v", f, r.Name, r.Status)
				}
			}
			if !bytes.Equal(back, in) {
				t.Errorf("%s: add+remove %v changed the file:\n--- after add ---\n%s\n--- after remove ---\n%s", f, names, added, back)
			}
			checked++
		}
	}
	if checked < 30 {
		t.Fatalf("only %d add/remove round trips checked; fixtures missing?", checked)
	}
}

// TestManifestAddRemoveCreatedList adds names to every fixture without a
// packages list and removes them again: what is left is the original with
// an empty `packages = []` where add created the list (the README's
// promise), the same bytes whichever names went through, and from then on
// an add and remove give those bytes back.
func TestManifestAddRemoveCreatedList(t *testing.T) {
	var checked []string
	for _, g := range goldenInputs(t) {
		f, in := g.path, g.data
		m, err := Parse(f, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.lists) > 0 {
			continue // TestManifestAddRemoveIdentity
		}
		base := strings.TrimSuffix(filepath.Base(f), ".toml")
		t.Run(base, func(t *testing.T) {
			var first []byte
			for _, names := range [][]string{{"zz-new"}, {"zz-one", "zz-two"}, {"python3Packages.black"}} {
				added, _, err := Add(f, in, names)
				if err != nil {
					t.Fatalf("add %v: %v", names, err)
				}
				back, res, err := Remove(f, added, names)
				if err != nil {
					t.Fatalf("remove %v: %v", names, err)
				}
				for _, r := range res {
					if r.Status != Removed {
						t.Errorf("remove %s: %v", r.Name, r.Status)
					}
				}
				if first == nil {
					first = back
					checkGolden(t, base+".add-remove", back)
				} else if !bytes.Equal(back, first) {
					t.Errorf("add+remove %v left\n%s\nbut a single name left\n%s", names, back, first)
				}
			}
			if !bytes.Contains(first, []byte("packages = []")) {
				t.Errorf("add+remove left no `packages = []`:\n%s", first)
			}
			got, err := decode(first)
			if err != nil {
				t.Fatalf("add+remove gives a document that does not decode: %v\n%s", err, first)
			}
			want, _ := decode(in)
			ds, _ := want["devshell"].(map[string]any)
			if ds == nil {
				ds = map[string]any{}
				want["devshell"] = ds
			}
			ds["packages"] = []any{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("add+remove decodes to %v, want the original plus an empty devshell.packages: %v", got, want)
			}
			// The list exists now: an add and a remove give the bytes back.
			added, _, err := Add(f, first, []string{"zz-again"})
			if err != nil {
				t.Fatal(err)
			}
			if again, _, err := Remove(f, added, []string{"zz-again"}); err != nil || !bytes.Equal(again, first) {
				t.Errorf("second add+remove = %q, %v; want %q", again, err, first)
			}
		})
		checked = append(checked, base)
	}
	for _, want := range []string{"empty", "no_devshell", "no_devshell_crlf", "no_devshell_nonl", "no_devshell_blank_end", "nopkgs_crlf", "nopkgs_nonl", "inline_empty", "dotted_nopkgs"} {
		if !slices.Contains(checked, want) {
			t.Errorf("%s.toml was not checked (checked %q); fixture missing or gained a list?", want, checked)
		}
	}
}

// TestManifestRemoveKeepsOtherComments removes each element in turn and
// checks that every comment not on the removed element's line survives.
func TestManifestRemoveKeepsOtherComments(t *testing.T) {
	for _, f := range []string{"devshell_packages.toml", "no_trailing_comma.toml", "commented_elements.toml", "crlf.toml", "tabs.toml", "tricky_strings.toml", "duplicates.toml"} {
		in := read(t, f)
		m, err := Parse(f, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range m.Packages() {
			if ValidName(e.Attr) != nil {
				continue
			}
			out, _, err := Remove(f, in, []string{e.Attr})
			if err != nil {
				t.Fatalf("%s: remove %s: %v", f, e.Attr, err)
			}
			for _, line := range strings.Split(string(in), "\n") {
				i := strings.Index(line, "#")
				if i < 0 || strings.Contains(line, `"`+e.Attr+`"`) || strings.Contains(line, `'`+e.Attr+`'`) {
					continue
				}
				comment := strings.TrimRight(line[i:], "\r")
				if !bytes.Contains(out, []byte(comment)) {
					t.Errorf("%s: removing %s lost the comment %q:\n%s", f, e.Attr, comment, out)
				}
			}
			om, err := Parse(f, out)
			if err != nil {
				t.Fatalf("%s: output does not parse: %v", f, err)
			}
			var want []Entry
			for _, x := range m.Packages() {
				if x.Attr != e.Attr {
					want = append(want, x)
				}
			}
			if got := om.Packages(); !slices.Equal(got, want) {
				t.Errorf("%s: after removing %s, packages = %v, want %v", f, e.Attr, got, want)
			}
		}
	}
}

func TestManifestLists(t *testing.T) {
	cases := []struct {
		file     string
		packages []Entry
		commands []string
		imports  []string
	}{
		{"devshell_packages.toml", []Entry{{"go", "devshell"}, {"gopls", "devshell"}, {"golangci-lint", "devshell"}}, []string{"hub"}, []string{"./extra.toml", "nix/module.nix"}},
		{"top_level.toml", []Entry{{"rust-analyzer", ""}, {"cargo", ""}}, nil, nil},
		{"dotted.toml", []Entry{{"jq", "devshell"}, {"curl", "devshell"}}, nil, nil},
		{"inline.toml", []Entry{{"jq", "devshell"}}, nil, nil},
		{"inline_multiline.toml", []Entry{{"go", "devshell"}, {"gopls", "devshell"}}, nil, nil},
		{"tricky_strings.toml", []Entry{{"real", "devshell"}, {"lit[eral]", "devshell"}}, nil, nil},
		{"tricky_nopkgs.toml", nil, nil, nil},
		{"spaced_commands.toml", []Entry{{"nodejs-16_x", "devshell"}, {"fish", "devshell"}}, []string{"nodejs-16_x"}, nil},
		{"duplicates.toml", []Entry{{"jq", ""}, {"jq", "devshell"}, {"go", "devshell"}, {"jq", "devshell"}}, nil, nil},
		{"commands_inline.toml", []Entry{{"go", "devshell"}}, []string{"hub"}, nil},
		{"after_commands.toml", []Entry{{"go", "devshell"}}, []string{"nixpkgs-fmt"}, nil},
		{"commented_elements.toml", []Entry{{"vales.pkgs.rust", ""}, {"rust-analyzer", ""}}, nil, nil},
		{"empty.toml", nil, nil, nil},
	}
	for _, c := range cases {
		m, err := Parse(c.file, read(t, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Packages(); !slices.Equal(got, c.packages) {
			t.Errorf("%s: Packages() = %v, want %v", c.file, got, c.packages)
		}
		if got := m.CommandPackages(); !slices.Equal(got, c.commands) {
			t.Errorf("%s: CommandPackages() = %v, want %v", c.file, got, c.commands)
		}
		if got := m.imports; !slices.Equal(got, c.imports) {
			t.Errorf("%s: Imports() = %v, want %v", c.file, got, c.imports)
		}
	}
}

func TestManifestParseError(t *testing.T) {
	cases := []struct {
		name, in  string
		line, col int
		msg       string
	}{
		{"unclosed array", "[devshell]\npackages = [\n  \"a\",\n", 3, 7, "array is incomplete"},
		{"missing comma", "[devshell]\npackages = [\"a\" \"b\"]\n", 2, 17, "expected ',' or ']'"},
		{"bare value", "name = ?\n", 1, 8, "unexpected character"},
		{"duplicate key", "[devshell]\nname = \"a\"\nname = \"b\"\n", 3, 1, "name"},
		{"duplicate table", "[devshell]\n[devshell]\n", 2, 2, "devshell"},
		{"crlf line count", "a = 1\r\nb = \r\n", 2, 5, ""},
		{"unterminated string", "[devshell]\npackages = [\"a]\n", 2, 16, "new lines"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("dir/devshell.toml", []byte(c.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if pe.Path != "dir/devshell.toml" || pe.Line != c.line || pe.Col != c.col {
				t.Errorf("position %s:%d:%d, want dir/devshell.toml:%d:%d (%v)", pe.Path, pe.Line, pe.Col, c.line, c.col, err)
			}
			if !strings.Contains(pe.Msg, c.msg) {
				t.Errorf("message %q does not mention %q", pe.Msg, c.msg)
			}
			if want := fmt.Sprintf("dir/devshell.toml:%d:%d: %s", c.line, c.col, pe.Msg); err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
			if strings.Contains(pe.Msg, "\n") {
				t.Errorf("message is not one line: %q", pe.Msg)
			}
			for _, op := range []func(string, []byte, []string) ([]byte, []Result, error){Add, Remove} {
				out, _, err := op("dir/devshell.toml", []byte(c.in), []string{"jq"})
				if !errors.As(err, &pe) || out != nil {
					t.Errorf("edit of invalid TOML: out=%q err=%v, want nil and a *ParseError", out, err)
				}
			}
		})
	}
}

func TestManifestConflicts(t *testing.T) {
	cases := []struct{ name, in, msg string }{
		{"devshell array of tables", "[[devshell]]\nname = \"x\"\n", "f.toml:1:3: cannot add jq: devshell is an array of tables, not a table"},
		{"devshell string", "devshell = \"x\"\n", "f.toml:1:1: cannot add jq: devshell is a string, not a table"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := Add("f.toml", []byte(c.in), []string{"jq"})
			if err == nil || out != nil {
				t.Fatalf("Add = %q, %v; want an error", out, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not contain %q", err, c.msg)
			}
		})
	}
}

// TestManifestShapeError: a packages or packagesFrom key that is not a list,
// or an element of one that is not a string, makes devshell reject the file;
// list (ShapeError), add and remove say so, naming the first such place and
// the fix, and change nothing.
func TestManifestShapeError(t *testing.T) {
	const (
		list     = `write it as a list, e.g. packages = ["jq"]`
		fromList = `write it as a list, e.g. packagesFrom = ["openssl"]`
		quote    = `write each element as a quoted name, e.g. packages = ["jq"]`
		fromQ    = `write each element as a quoted name, e.g. packagesFrom = ["openssl"]`
	)
	cases := []struct{ name, in, msg string }{
		{"packages string", "packages = \"jq\"\n", "f.toml:1:1: packages is a string, not an array of package names: " + list},
		{"devshell packages string", "[devshell]\nname = \"x\"\npackages = \"jq\"\n", "f.toml:3:1: devshell.packages is a string, not an array of package names: " + list},
		{"devshell packages table", "[devshell.packages]\nx = 1\n", "f.toml:1:2: devshell.packages is a table, not an array of package names: " + list},
		{"dotted into packages", "devshell.packages.x = 1\n", "f.toml:1:1: devshell.packages is a table, not an array of package names: " + list},
		{"top string beside a devshell list", "packages = \"jq\"\n[devshell]\npackages = [\"go\"]\n", "f.toml:1:1: packages is a string, not an array of package names: " + list},
		{"packagesFrom string", "[devshell]\npackagesFrom = \"openssl\"\n", "f.toml:2:1: devshell.packagesFrom is a string, not an array of package names: " + fromList},
		{"packagesFrom dotted", "devshell.packages = [\"go\"]\ndevshell.packagesFrom = \"openssl\"\n", "f.toml:2:1: devshell.packagesFrom is a string, not an array of package names: " + fromList},
		{"packagesFrom inline", "devshell = { packagesFrom = \"openssl\" }\n", "f.toml:1:14: devshell.packagesFrom is a string, not an array of package names: " + fromList},
		{"packagesFrom table", "[devshell.packagesFrom]\nx = 1\n", "f.toml:1:2: devshell.packagesFrom is a table, not an array of package names: " + fromList},
		{"integers", "[devshell]\npackages = [1, 2]\n", "f.toml:2:13: devshell.packages holds an integer (1), not a package name: " + quote},
		{"integer after a name", "[devshell]\npackages = [\n  \"go\",\n  3,\n]\n", "f.toml:4:3: devshell.packages holds an integer (3), not a package name: " + quote},
		{"top-level boolean", "packages = [true]\n", "f.toml:1:13: packages holds a boolean (true), not a package name: " + quote},
		{"nested list", "[devshell]\npackages = [[\"jq\"]]\n", "f.toml:2:13: devshell.packages holds an array ([\"jq\"]), not a package name: " + quote},
		{"long table", "[devshell]\npackages = [{ name = \"jq\", version = \"1.7\" }]\n", "f.toml:2:13: devshell.packages holds a table, not a package name: " + quote},
		{"packagesFrom integer", "[devshell]\npackages = [\"go\"]\npackagesFrom = [\"zlib\", 2]\n", "f.toml:3:25: devshell.packagesFrom holds an integer (2), not a package name: " + fromQ},
		{"first in the file", "[devshell]\npackagesFrom = [1]\npackages = \"jq\"\n", "f.toml:2:17: devshell.packagesFrom holds an integer (1), not a package name: " + fromQ},
		{"strings only", "[devshell]\npackages = [\"go\"]\npackagesFrom = [\"zlib\"]\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse("f.toml", []byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			err = m.ShapeError("f.toml")
			if c.msg == "" {
				if err != nil {
					t.Errorf("ShapeError = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != c.msg {
				t.Errorf("ShapeError = %v\nwant        %s", err, c.msg)
			}
			for _, op := range []struct {
				name string
				fn   func(string, []byte, []string) ([]byte, []Result, error)
			}{{"Add", Add}, {"Remove", Remove}} {
				// go is in some of the lists: remove and add refuse it too;
				// so do the batched add and remove of many names.
				many := []string{"go"}
				for i := range max(addBatchMin, removeBatchMin) {
					many = append(many, fmt.Sprintf("zz-%d", i))
				}
				for _, names := range [][]string{{"jq"}, {"go"}, many} {
					out, res, err := op.fn("f.toml", []byte(c.in), names)
					if err == nil || err.Error() != c.msg || out != nil || res != nil {
						t.Errorf("%s(%d names, %s…) = %q, %v, %v; want nil and %q", op.name, len(names), names[0], out, res, err, c.msg)
					}
				}
			}
		})
	}
}

func TestManifestInvalidNameChangesNothing(t *testing.T) {
	in := read(t, "devshell_packages.toml")
	for _, op := range []func(string, []byte, []string) ([]byte, []Result, error){Add, Remove} {
		out, res, err := op("f.toml", in, []string{"ok", "bad name"})
		if err == nil || out != nil || res != nil {
			t.Errorf("got %q, %v, %v; want nil, nil, error", out, res, err)
		}
	}
}

func TestValidName(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
		msg  string
	}{
		{"jq", true, ""},
		{"python3Packages.black", true, ""},
		{"nodejs-16_x", true, ""},
		{"gtk+3", true, ""},
		{"foo'", true, ""},
		{"haskellPackages.lens_5_2", true, ""},
		{"", false, "empty"},
		{"a..b", false, "empty attribute segment"},
		{".a", false, "empty attribute segment"},
		{"a.", false, "empty attribute segment at the end"},
		{"foo bar", false, "' '"},
		{`foo"bar`, false, `'"'`},
		{`a\b`, false, `'\\'`},
		{"${pkgs.jq}", false, "'$'"},
		{"héllo", false, "'é'"},
		{"a\nb", false, `'\n'`},
		{"tab\tx", false, `'\t'`},
		{"a#b", false, "'#'"},
		{"a=b", false, "'='"},
		{"pkgs/jq", false, "'/'"},
		{"\xff", false, "invalid UTF-8"},
	}
	for _, c := range cases {
		err := ValidName(c.name)
		if (err == nil) != c.ok {
			t.Errorf("ValidName(%q) = %v, want ok=%v", c.name, err, c.ok)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("ValidName(%q) = %q, want it to mention %q", c.name, err, c.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("ValidName(%q) error is not one line", c.name)
			}
		}
	}
}

func TestManifestStatusString(t *testing.T) {
	want := map[Status]string{
		Added: "added", AlreadyPresent: "already in devshell.toml", ProvidedByCommand: "already provided by a [[commands]] entry",
		Removed: "removed", NotPresent: "not in devshell.toml", OnlyInCommand: "only provided by a [[commands]] entry",
	}
	for s, w := range want {
		if s.String() != w {
			t.Errorf("%d.String() = %q, want %q", int(s), s.String(), w)
		}
	}
	if got := Status(42).String(); got != "Status(42)" {
		t.Errorf("unknown status String() = %q", got)
	}
}

// TestResultString: the one line the CLI prints and the TUI shows.
func TestResultString(t *testing.T) {
	for _, tc := range []struct {
		r    Result
		want string
	}{
		{Result{Name: "cargo-edit", Status: Added}, "+ cargo-edit added"},
		{Result{Name: "jq", Status: Removed}, "- jq removed"},
		{Result{Name: "jq", Status: AlreadyPresent}, "= jq already in devshell.toml"},
		{Result{Name: "jq", Status: ProvidedByCommand}, "= jq already provided by a [[commands]] entry"},
		{Result{Name: "jq", Status: NotPresent}, "= jq not in devshell.toml"},
		{Result{Name: "jq", Status: OnlyInCommand}, "= jq only provided by a [[commands]] entry"},
		{Result{Name: "pythonPackages.black", Status: AlreadyPresent, As: "python313Packages.black"}, "= pythonPackages.black already in devshell.toml (as python313Packages.black)"},
		{Result{Name: "python3Packages.black", Status: ProvidedByCommand, As: "python313Packages.black"}, "= python3Packages.black already provided by a [[commands]] entry (as python313Packages.black)"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestManifestDoesNotAliasInput checks that edits never write into the
// caller's slice.
func TestManifestDoesNotAliasInput(t *testing.T) {
	in := read(t, "devshell_packages.toml")
	orig := bytes.Clone(in)
	if _, _, err := Add("f", in, []string{"zz"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Remove("f", in, []string{"go"}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, orig) {
		t.Fatal("input slice modified")
	}
}

// TestManifestEdgeProperties runs the add/remove properties (decoded
// equality, byte-exact add+remove) over small hand-made edge cases, and
// removes every element of each one in turn.
func TestManifestEdgeProperties(t *testing.T) {
	inputs := edgeInputs()
	for i, in := range inputs {
		data := []byte(in)
		for _, name := range []string{"zz-new", "a", "python3Packages.zz"} {
			if err := checkAdd("edge.toml", data, name); err != nil {
				t.Errorf("input %d %q: %v", i, in, err)
			}
		}
		m, err := Parse("edge.toml", data)
		if err != nil {
			if _, derr := decode(data); derr == nil {
				t.Errorf("input %d %q: Parse: %v", i, in, err)
			}
			continue
		}
		for _, e := range m.Packages() {
			if ValidName(e.Attr) != nil || m.ShapeError("edge.toml") != nil {
				continue // a refused document: checkRemoveFirst checks that
			}
			out, _, err := Remove("edge.toml", data, []string{e.Attr})
			if err != nil {
				t.Errorf("input %d %q: remove %s: %v", i, in, e.Attr, err)
				continue
			}
			om, err := Parse("edge.toml", out)
			if err != nil {
				t.Errorf("input %d %q: remove %s gives invalid TOML: %v\n%s", i, in, e.Attr, err, out)
				continue
			}
			if slices.ContainsFunc(om.Packages(), func(x Entry) bool { return x.Attr == e.Attr }) {
				t.Errorf("input %d: %s still present after remove:\n%s", i, e.Attr, out)
			}
		}
		if err := checkRemoveFirst("edge.toml", data); err != nil {
			t.Errorf("input %d %q: %v", i, in, err)
		}
	}
}

// edgeInputs returns small hand-made documents exercising unusual array
// and table layouts; they also seed the fuzzer.
func edgeInputs() []string {
	return []string{
		"packages = [\"\"\"a\"\"\", \"b\"]\n",
		"packages = [\"\"\"\nmulti\nline\"\"\", \"b\"]\n",
		"[devshell]\npackages = [[\"nested\"], \"a\", { x = 1 }]\n",
		"[devshell]\npackages = [ \"a\" , \"b\" ]\n",
		"[devshell]\npackages = [\n  \"a\" # c\n  , \"b\"\n]\n",
		"[devshell]\npackages = [\n  \"a\"\n  ,\n]\n",
		"[devshell]\npackages = [\n  \"a\"\n  ,]\n",
		"[devshell]\npackages = [ # why\n]\n",
		"[devshell]\npackages = [ # why\n  \"a\"\n]\n",
		"[devshell]\npackages = [\n  \"a\",\n]\n",
		"[devshell]\npackages = [\n\n  \"a\",\n\n  \"b\"\n\n]\n",
		"[devshell]\npackages = [\"a\", # c\n]\n",
		"[devshell]\npackages = [\"a\",\n  \"b\", # c\n  \"c\"]\n",
		"[devshell]\npackages = [\n  \"b\", # c\n  \"c\"]\n",
		"[devshell]",
		"[devshell]\n",
		"[devshell]\r\n",
		"devshell = { }\n",
		"devshell = {\n  name = \"x\",\n}\n",
		"devshell = { name = \"x\", startup = { a = { text = \"b\" } } }\n",
		"[devshell.startup.x]\ntext = \"hi\"\n",
		"devshell.startup.x.text = \"hi\"\n[[commands]]\npackage = \"go\"\n",
		"[devshell]\n\"packages\" = [\"a\"]\n",
		"[devshell]\nname = \"ünï\"\npackages = [ \"ünï\", \"a\",\n             \"b\" ]\n",
		"\ufeff[devshell]\npackages = [\"a\"]\n",
		"packages = [\"a\"]\n[devshell]\nname = \"x\"\n",
		"packages = [\"a\"]\n[devshell]\npackages = [\"a\", \"b\"]\n",
		"[devshell]\npackages = ['a', \"b\", 'c']\n",
		"[devshell]\npackages = ['''a''']\n",
		"[devshell]\npackages = [1, 2]\n",
		"[devshell]\npackages = [\n\t\"a\",\n    \"b\",\n]\n",
		"[devshell]\r\npackages = [\r\n  \"a\" # x\r\n]",
		"x = 1 # c\n[[commands]]\n[devshell]\n",
		"[devshell]\npackages=[\"a\"]#c\n",
		"[devshell]\npackages = [\"a\",\"b\",\"c\",]\n",
		"[devshell]\npackages = [\n  \"a\", \"b\", # ab\n  \"c\" ]\n",
	}
}

// TestManifestBOM: a leading UTF-8 byte order mark (nix's fromTOML accepts
// it) is skipped when reading and kept byte-exactly by add and remove.
func TestManifestBOM(t *testing.T) {
	const body = "[devshell]\npackages = [\"cargo\"]\n"
	in := []byte(textfile.BOM + body)
	m, err := Parse("devshell.toml", in)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := m.Packages(); len(got) != 1 || got[0].Attr != "cargo" {
		t.Errorf("Packages = %v", got)
	}
	added, _, err := Add("devshell.toml", in, []string{"jq"})
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	if want := textfile.BOM + "[devshell]\npackages = [\"cargo\", \"jq\"]\n"; string(added) != want {
		t.Errorf("Add = %q, want %q", added, want)
	}
	removed, _, err := Remove("devshell.toml", added, []string{"jq"})
	if err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if !bytes.Equal(removed, in) {
		t.Errorf("add then remove = %q, want the original %q", removed, in)
	}
	// A BOM anywhere else is still an error, with its position.
	if _, err := Parse("devshell.toml", []byte(body+textfile.BOM)); err == nil {
		t.Error("Parse of a BOM after the start: err = nil")
	}
}

// TestManifestAddAliased: a name whose package the file has under another
// name (an alias set's) is not added again, and its result says which name
// the file has; names compare as written without aliases.
func TestManifestAddAliased(t *testing.T) {
	blackNames := []string{"python313Packages.black", "python3Packages.black", "pythonPackages.black"}
	aliases := func(name string) []string {
		if slices.Contains(blackNames, name) {
			return blackNames
		}
		return []string{name}
	}
	for _, tc := range []struct {
		name, in string
		names    []string
		aliases  func(string) []string
		want     []Result
		out      string // "" when unchanged
	}{
		{"target in the file", "packages = [\"python313Packages.black\"]\n", []string{"pythonPackages.black"}, aliases,
			[]Result{{Name: "pythonPackages.black", Status: AlreadyPresent, As: "python313Packages.black"}}, ""},
		{"alias in the file", "packages = [\"python3Packages.black\"]\n", []string{"python313Packages.black"}, aliases,
			[]Result{{Name: "python313Packages.black", Status: AlreadyPresent, As: "python3Packages.black"}}, ""},
		{"the name itself wins", "packages = [\"python3Packages.black\", \"python313Packages.black\"]\n", []string{"python313Packages.black"}, aliases,
			[]Result{{Name: "python313Packages.black", Status: AlreadyPresent}}, ""},
		{"in a [[commands]] entry", "[[commands]]\npackage = \"python313Packages.black\"\n", []string{"pythonPackages.black"}, aliases,
			[]Result{{Name: "pythonPackages.black", Status: ProvidedByCommand, As: "python313Packages.black"}}, ""},
		{"both in one edit", "packages = []\n", []string{"python3Packages.black", "python313Packages.black", "jq"}, aliases,
			[]Result{{Name: "python3Packages.black", Status: Added}, {Name: "python313Packages.black", Status: AlreadyPresent, As: "python3Packages.black"}, {Name: "jq", Status: Added}},
			"packages = [\"python3Packages.black\", \"jq\"]\n"},
		{"without aliases", "packages = [\"python313Packages.black\"]\n", []string{"pythonPackages.black"}, nil,
			[]Result{{Name: "pythonPackages.black", Status: Added}}, "packages = [\"python313Packages.black\", \"pythonPackages.black\"]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, res, err := AddAliased("f", []byte(tc.in), tc.names, tc.aliases)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res, tc.want) {
				t.Errorf("results = %+v, want %+v", res, tc.want)
			}
			want := tc.out
			if want == "" {
				want = tc.in
			}
			if string(out) != want {
				t.Errorf("file = %q, want %q", out, want)
			}
		})
	}

	// Many names take the batched add: it compares the same way, and
	// gives what name by name gives.
	var names []string
	for i := range 2 * addBatchMin {
		names = append(names, fmt.Sprintf("p%02d", i))
	}
	names = append(names, "pythonPackages.black", "python3Packages.black", "p00")
	in := []byte("[devshell]\npackages = [\n  \"python313Packages.black\",\n]\n")
	out, res, ok, err := addBatch("f", in, names, aliases)
	if err != nil || !ok {
		t.Fatalf("the batch was not taken (ok %v, err %v)", ok, err)
	}
	wantOut, wantRes, err := addEach("f", in, names, aliases)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, wantOut) || !reflect.DeepEqual(res, wantRes) {
		t.Errorf("batched add differs from name by name:\n%s%+v\n--- name by name ---\n%s%+v", out, res, wantOut, wantRes)
	}
	tail := res[len(res)-3:]
	if want := []Result{{Name: "pythonPackages.black", Status: AlreadyPresent, As: "python313Packages.black"}, {Name: "python3Packages.black", Status: AlreadyPresent, As: "python313Packages.black"}, {Name: "p00", Status: AlreadyPresent}}; !reflect.DeepEqual(tail, want) {
		t.Errorf("batched results end %+v, want %+v", tail, want)
	}
}
