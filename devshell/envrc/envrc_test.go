package envrc

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// update rewrites the golden files in testdata/golden (go test -update).
var update = flag.Bool("update", false, "rewrite golden files in testdata")

// goldenCases are the Sync golden cases: in is the .envrc, the expected
// output is testdata/golden/<name>.golden, added the files it must report.
var goldenCases = []struct {
	name  string
	in    string
	files []string
	added []string
}{
	// --- coverage: what already counts as watched ---
	{"cover-watch-file", "watch_file devshell.toml\nuse flake\n",
		[]string{"devshell.toml", "nix/tools.nix"}, []string{"nix/tools.nix"}},
	{"cover-several-args", "watch_file flake.nix devshell.toml nix/tools.nix\nuse flake\n",
		[]string{"devshell.toml", "nix/tools.nix"}, nil},
	{"cover-dot-slash", "watch_file ./devshell.toml ./nix/../nix/tools.nix\nuse flake\n",
		[]string{"devshell.toml", "nix/tools.nix"}, nil},
	{"cover-quotes", "watch_file \"devshell.toml\" 'nix/my tools.nix' nix/\"a b\".toml\nuse flake\n",
		[]string{"devshell.toml", "nix/my tools.nix", "nix/a b.toml"}, nil},
	{"cover-continuation", "watch_file \\\n  devshell.toml \\\n  nix/tools.nix\nuse flake\n",
		[]string{"devshell.toml", "nix/tools.nix"}, nil},
	{"cover-glob", "watch_file nix/*.toml *.nix\nuse flake\n",
		[]string{"devshell.toml", "nix/a.toml", "shell.nix", "nix/deep/b.toml", ".hidden.nix"},
		[]string{"devshell.toml", "nix/deep/b.toml", ".hidden.nix"}},
	{"cover-glob-class", "watch_file nix/[ab].toml nix/[!ab].nix\nuse flake\n",
		[]string{"nix/a.toml", "nix/c.toml", "nix/c.nix", "nix/a.nix"},
		[]string{"nix/c.toml", "nix/a.nix"}},
	{"cover-quoted-glob-is-literal", "watch_file \"nix/*.toml\"\nuse flake\n",
		[]string{"nix/a.toml"}, []string{"nix/a.toml"}},
	{"cover-pwd", "watch_file $PWD/devshell.toml \"$PWD\"/nix/a.nix \"${PWD}/nix/b.toml\"\nuse flake\n",
		[]string{"devshell.toml", "nix/a.nix", "nix/b.toml"}, nil},
	{"cover-watch-dir", "watch_dir nix\nuse flake\n",
		[]string{"devshell.toml", "nix/a.nix", "nix/sub/b.toml", "nixos/c.nix"},
		[]string{"devshell.toml", "nixos/c.nix"}},
	{"cover-watch-dir-first-arg-only", "watch_dir nix nixos\nuse flake\n",
		[]string{"nix/a.nix", "nixos/c.nix"}, []string{"nixos/c.nix"}},
	{"cover-watch-dir-pwd", "watch_dir \"$PWD\"\nuse flake\n",
		[]string{"devshell.toml", "nix/a.nix", "../outside.toml"}, []string{"../outside.toml"}},
	{"cover-nix-direnv-watch-file", "nix_direnv_watch_file devshell.toml\nuse flake\n",
		[]string{"devshell.toml"}, nil},
	{"cover-after-separators", "true; watch_file a.toml && watch_file b.toml || watch_file c.toml\n" +
		"if has nix; then watch_file d.toml; fi\nfalse | watch_file e.toml\nuse flake\n",
		[]string{"a.toml", "b.toml", "c.toml", "d.toml", "e.toml"}, nil},
	{"cover-assignment-and-redirect", "FOO=1 watch_file devshell.toml 2>/dev/null >log.txt\nuse flake\n",
		[]string{"devshell.toml", "log.txt", "/dev/null"}, []string{"log.txt", "/dev/null"}},
	{"no-cover-comment", "# watch_file devshell.toml\nuse flake # watch_file devshell.toml\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"no-cover-string", "echo \"watch_file devshell.toml\"\necho 'watch_file devshell.toml' $(watch_file devshell.toml)\nuse flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"no-cover-heredoc", "cat <<EOF >notes\nwatch_file devshell.toml\nEOF\ncat <<-'END'\n\twatch_file devshell.toml\n\tEND\nuse flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"no-cover-dynamic", "watch_file $DIR/devshell.toml ~/devshell.toml {devshell,x}.toml `echo devshell.toml`\nuse flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"no-cover-function-name", "watch_file() { :; }\nuse flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},

	// --- insertion: where the new line goes ---
	{"insert-before-use-flake", "source_up\nuse flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-after-last-watch", "watch_file flake.nix\nwatch_file flake.lock\n\nexport FOO=1\nuse flake\n",
		[]string{"devshell.toml", "nix/a.nix"}, []string{"devshell.toml", "nix/a.nix"}},
	{"insert-after-watch-continuation", "watch_file flake.nix \\\n  flake.lock\ndotenv\nuse flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-if-not-use-flake", "if ! use flake; then\n  echo failed\nfi\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-use-flake-or-use-nix", "dotenv_if_exists\nuse flake || use nix\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-use-flake-attr", "use flake .#dev --impure\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-use_flake", "layout python\nuse_flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-inside-if-has-nix", "if has nix; then\n  use flake\nelse\n  echo 'no nix'\nfi\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-after-indented-watch", "if has nix; then\n\twatch_file flake.nix\n\n\tuse flake\nfi\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-after-outer-watch", "watch_file flake.nix\nif has nix; then\n  use flake\nfi\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-not-before-mentions", "if [[ $(type -t use_flake) != function ]]; then\n  echo old direnv\nfi\n" +
		"# use flake\necho \"use flake\"\nhas use_flake && echo yes\nuse flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-not-after-closed-block-watch", "if [ -f x ]; then\n  watch_file x\nfi\nuse flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-not-after-function-watch", "use_flake() {\n  watch_file flake.nix\n  eval \"$(nix print-dev-env)\"\n}\nuse flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-watch-after-use-ignored", "use flake\nwatch_file flake.nix\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-use-after-multiline-string", "export MSG=\"one\ntwo\"; use flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-use-after-continuation", "echo start && \\\n  use flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-heredoc-mentions-use", "cat <<EOF\nuse flake\nEOF\n  use flake\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-case-arm", "watch_file flake.nix\ncase \"$(uname)\" in\n  Linux) use flake ;;\n  *) use nix ;;\nesac\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-end-no-use-flake", "dotenv\nuse nix\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-end-no-final-newline", "dotenv",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-end-comment-no-final-newline", "dotenv\n# the end",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"insert-empty-file", "",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"crlf-before-use", "watch_file flake.nix\r\nuse flake\r\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"crlf-end-no-final-newline", "dotenv\r\nexport A=1",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"crlf-covered", "watch_file devshell.toml \\\r\n  nix/a.nix\r\nuse flake\r\n",
		[]string{"devshell.toml", "nix/a.nix"}, nil},
	{"quoting", "use flake\n",
		[]string{"my dir/devshell.toml", "it's.nix", "-odd.toml", "a*.toml", "plain/x-1_2.toml"},
		[]string{"my dir/devshell.toml", "it's.nix", "-odd.toml", "a*.toml", "plain/x-1_2.toml"}},
	{"dedupe-and-clean", "use flake\n",
		[]string{"./devshell.toml", "devshell.toml", "nix//a.nix"}, []string{"devshell.toml", "nix/a.nix"}},

	// --- watches after the first use flake: nix-direnv's use_flake compares
	// only the files watched so far, so they do not count and stay in place ---
	{"after-use-watch-file", "use flake\nwatch_file devshell.toml nix/a.nix\n",
		[]string{"devshell.toml", "nix/a.nix"}, []string{"devshell.toml", "nix/a.nix"}},
	{"after-use-nix-direnv-watch-file-and-watch-dir", "use_flake\nnix_direnv_watch_file devshell.toml\nwatch_dir nix\n",
		[]string{"devshell.toml", "nix/a.nix"}, []string{"devshell.toml", "nix/a.nix"}},
	{"after-use-same-line", "use flake; watch_file devshell.toml\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"after-use-partly-covered", "watch_file devshell.toml\nuse flake\nwatch_file nix/a.nix\n",
		[]string{"devshell.toml", "nix/a.nix"}, []string{"nix/a.nix"}},
	{"after-use-first-use-counts", "watch_file a.toml\nuse flake\nwatch_file b.toml\nuse flake .#other\n",
		[]string{"a.toml", "b.toml"}, []string{"b.toml"}},
	{"after-use-inside-if", "if has nix; then\n  use flake\nfi\nwatch_file devshell.toml\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"after-use-mentions-only-cover", "echo use flake\n# use flake\ncat <<EOF\nuse flake\nEOF\nwatch_file devshell.toml\nuse flake\n",
		[]string{"devshell.toml"}, nil},
	{"after-use-nix-covers", "use nix\nwatch_file devshell.toml\n",
		[]string{"devshell.toml"}, nil},
	{"after-use-none-covers", "dotenv\nwatch_dir nix\n",
		[]string{"nix/a.nix"}, nil},
	// The tutorial's .envrc watches devshell.toml only after use flake.
	{"tutorial", "use flake\nwatch_file devshell.toml\n",
		[]string{"devshell.toml"}, []string{"devshell.toml"}},
	{"tutorial-with-import", "use flake\nwatch_file devshell.toml\n",
		[]string{"devshell.toml", "nix/rust.toml"}, []string{"devshell.toml", "nix/rust.toml"}},
}

func TestEnvrcSyncGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			out, added, err := Sync([]byte(tc.in), tc.files)
			if err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if !slices.Equal(added, tc.added) {
				t.Errorf("added = %q, want %q", added, tc.added)
			}
			golden := filepath.Join("testdata", "golden", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (run with -update to create it): %v", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("output differs from %s\n got: %q\nwant: %q", golden, out, want)
			}
			if len(tc.added) == 0 && !bytes.Equal(out, []byte(tc.in)) {
				t.Errorf("nothing added but content changed: %q", out)
			}
			checkInsertion(t, []byte(tc.in), out, len(added) > 0)
			checkIdempotent(t, out, tc.files)
		})
	}
}

// insertedLine is what Sync may insert: an optional line ending
// (only when appending to a file without one), indentation, one watch_file
// command, and its line ending.
var insertedLine = regexp.MustCompile(`^(\r?\n)?[ \t]*watch_file [^\n]*(\n[^\n]*)*?\r?\n$`)

// checkInsertion checks that out is in with exactly one watch_file line
// inserted at a line start (or nothing, when changed is false).
func checkInsertion(t testing.TB, in, out []byte, changed bool) {
	t.Helper()
	if !changed {
		if !bytes.Equal(in, out) {
			t.Fatalf("no file added but content changed:\n in: %q\nout: %q", in, out)
		}
		return
	}
	n := len(out) - len(in)
	if n <= 0 {
		t.Fatalf("files added but output is not longer:\n in: %q\nout: %q", in, out)
	}
	for pos := 0; pos <= len(in); pos++ {
		if pos > 0 && pos < len(in) && in[pos-1] != '\n' {
			continue
		}
		if !bytes.Equal(out[:pos], in[:pos]) || !bytes.Equal(out[pos+n:], in[pos:]) {
			continue
		}
		ins := out[pos : pos+n]
		if !insertedLine.Match(ins) {
			continue
		}
		leadingEOL := ins[0] == '\n' || ins[0] == '\r'
		if leadingEOL && !(pos == len(in) && len(in) > 0 && in[len(in)-1] != '\n') {
			continue
		}
		if pos > 0 && pos < len(in) && in[pos-1] != '\n' {
			continue
		}
		if pos == len(in) && len(in) > 0 && in[len(in)-1] != '\n' && !leadingEOL {
			continue
		}
		crlf := bytes.Contains(in[:max(0, bytes.IndexByte(in, '\n')+1)], []byte("\r\n"))
		if crlf != bytes.HasSuffix(ins, []byte("\r\n")) {
			t.Fatalf("inserted %q with the wrong line ending (CRLF file: %v)", ins, crlf)
		}
		return
	}
	t.Fatalf("output is not the input plus one watch_file line:\n in: %q\nout: %q", in, out)
}

// checkIdempotent checks that syncing the output again changes nothing.
func checkIdempotent(t testing.TB, out []byte, files []string) {
	t.Helper()
	again, added, err := Sync(out, files)
	if err != nil {
		t.Fatalf("second Sync: %v", err)
	}
	if len(added) != 0 || !bytes.Equal(again, out) {
		t.Fatalf("second Sync is not a no-op: added %q\nfirst:  %q\nsecond: %q", added, out, again)
	}
}

func TestEnvrcSyncErrors(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		files []string
		want  string
	}{
		{"unterminated double quote", "dotenv\necho \"oops\n", []string{"devshell.toml"}, "unterminated"},
		{"unterminated single quote", "echo 'oops", []string{"devshell.toml"}, "unterminated"},
		{"unterminated heredoc", "cat <<EOF\nbody\n", []string{"devshell.toml"}, "unterminated"},
		{"dangling and-and", "dotenv &&", []string{"devshell.toml"}, "unterminated"},
		{"trailing continuation", "dotenv \\\n", []string{"devshell.toml"}, "unterminated"},
		{"open case", "case x in\n", []string{"devshell.toml"}, "unterminated"},
		{"empty file name", "use flake\n", []string{""}, "empty file name"},
		{"NUL in file name", "use flake\n", []string{"a\x00b"}, "NUL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, added, err := Sync([]byte(tc.in), tc.files)
			if err == nil {
				t.Fatalf("Sync(%q) = %q, %q; want an error", tc.in, out, added)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q: want one line containing %q", err, tc.want)
			}
		})
	}
	// An unterminated construct after the use flake line does not matter:
	// the watch goes before it.
	out, added, err := Sync([]byte("use flake\necho \"oops\n"), []string{"devshell.toml"})
	if err != nil || !slices.Equal(added, []string{"devshell.toml"}) ||
		string(out) != "watch_file devshell.toml\nuse flake\necho \"oops\n" {
		t.Fatalf("Sync = %q, %q, %v", out, added, err)
	}
}

func TestEnvrcNewEnvrc(t *testing.T) {
	cases := []struct {
		files []string
		want  string
	}{
		{[]string{"devshell.toml"}, "watch_file devshell.toml\nuse flake\n"},
		{[]string{"devshell.toml", "nix/rust.toml", "my shell.nix"}, "watch_file devshell.toml nix/rust.toml 'my shell.nix'\nuse flake\n"},
		{nil, "use flake\n"},
	}
	for _, tc := range cases {
		got := New(tc.files)
		if string(got) != tc.want {
			t.Errorf("New(%q) = %q, want %q", tc.files, got, tc.want)
		}
		// A new .envrc already watches everything it names.
		checkIdempotent(t, got, tc.files)
	}
}

func TestShellQuote(t *testing.T) {
	cases := []struct{ in, want string }{
		{"devshell.toml", "devshell.toml"},
		{"nix/a-b_c+d@e%f:g,h=i.nix", "nix/a-b_c+d@e%f:g,h=i.nix"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"*.toml", "'*.toml'"},
		{"$HOME", "'$HOME'"},
		{"~x", "'~x'"},
		{"#x", "'#x'"},
		{"a\nb", "'a\nb'"},
	}
	for _, tc := range cases {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// Whatever the quoting, the lexer reads the original name back.
		p := parse([]byte("watch_file " + Quote(tc.in) + "\n"))
		if len(p.cmds) != 1 || len(p.cmds[0].words) != 2 || p.cmds[0].words[1].text != tc.in {
			t.Errorf("Quote(%q) does not read back: %+v", tc.in, p.cmds)
		}
	}
}

// direnvRC is the user-level direnvrc of the direnv cross-check. It is a
// stand-in on purpose: the cases call `use flake`, `use nix`, `layout python`
// and `has nix`, which would build shells or depend on the machine; only the
// watch commands (direnv's own stdlib) are under test. has claims nix so the
// `if has nix` cases take their branch on machines without nix.
//
// nix-direnv's use_flake decides whether its cached environment is stale by
// comparing the files in DIRENV_WATCHES at the time it runs, so only watches
// declared before it matter. The stand-in records DIRENV_WATCHES at its first
// call in direnvAtUseFlake, which the test reads as what nix-direnv sees.
const direnvRC = `use_flake() {
  [ -n "${` + direnvAtUseFlake + `+x}" ] || export ` + direnvAtUseFlake + `="${DIRENV_WATCHES-}"
}
use_nix() { :; }
layout_python() { :; }
has() { [ "$1" = nix ] || type "$1" >/dev/null 2>&1; }
# what nix-direnv defines it as
nix_direnv_watch_file() { watch_file "$@"; }
`

// direnvAtUseFlake names the variable in which direnvRC's use_flake
// keeps the watches declared before its first call.
const direnvAtUseFlake = "DEVSH_TEST_WATCHES_AT_USE_FLAKE"

// direnvExceptions lists where real direnv knowingly disagrees with the
// coverage model. after: files covered by the model that direnv does not
// watch after the sync; before: files the model adds that direnv already
// watched; noUseFlake: the model finds a `use flake` command but direnv never
// calls the stand-in use_flake.
var direnvExceptions = map[string]struct {
	after, before []string
	noUseFlake    bool
}{
	// The brief counts commands after || and in pipelines; bash skips the
	// right side of || when the left succeeds and runs pipeline parts in
	// subshells, whose watches direnv never sees.
	"cover-after-separators": {after: []string{"c.toml", "e.toml"}},
	// The .envrc redefines watch_file itself, so no line can watch anything.
	"no-cover-function-name": {after: []string{"devshell.toml"}},
	// Brace expansion and command substitution do name devshell.toml; the
	// model treats expansions as unknown and adds a redundant watch.
	"no-cover-dynamic": {before: []string{"devshell.toml"}},
	// The .envrc defines its own use_flake, which has no nix-direnv rule:
	// every watch counts there, and the model still inserts before the call.
	"insert-not-after-function-watch": {noUseFlake: true},
	// Bash keeps the CR of a CRLF line in the last word (direnv watches
	// "devshell.toml\r", runs `use "flake\r"`, and `\` before CRLF is no
	// continuation), so a CRLF .envrc never works under direnv; the sync only
	// keeps its line endings.
	"crlf-before-use":           {after: []string{"devshell.toml"}, noUseFlake: true},
	"crlf-end-no-final-newline": {after: []string{"devshell.toml"}},
	"crlf-covered":              {after: []string{"nix/a.nix"}, noUseFlake: true},
}

// TestEnvrcAgreesWithDirenv runs every golden case through the real direnv:
// after the sync direnv must watch every file, and before it direnv must not
// already watch the files the sync added. "Watches" is what nix-direnv's
// use_flake sees: the watches declared before the first use_flake call when
// the .envrc calls it (a later watch_file does not make nix-direnv rebuild),
// else every watch the .envrc declares.
func TestEnvrcAgreesWithDirenv(t *testing.T) {
	direnv, err := exec.LookPath("direnv")
	if err != nil {
		t.Fatalf("direnv is required for this test (CI installs it): %v", err)
	}
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			exc := direnvExceptions[tc.name]
			root := t.TempDir()
			project := filepath.Join(root, "project")
			for _, f := range tc.files {
				p := filepath.Join(project, filepath.FromSlash(f))
				if filepath.IsAbs(f) {
					continue
				}
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("# fixture\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out, _, err := Sync([]byte(tc.in), tc.files)
			if err != nil {
				t.Fatal(err)
			}
			before := direnvWatches(t, direnv, root, project, []byte(tc.in))
			after := direnvWatches(t, direnv, root, project, out)
			// The model and direnv must agree on whether use_flake runs, or
			// the checks below would compare the wrong watch sets.
			for _, run := range []struct {
				name    string
				content []byte
				w       direnvResult
			}{{"before", []byte(tc.in), before}, {"after", out, after}} {
				modelUse := parse(run.content).firstUseFlake() >= 0
				if want := modelUse && !exc.noUseFlake; (run.w.atUseFlake != nil) != want {
					t.Errorf("%s the sync: direnv called use_flake: %v, expected %v", run.name, run.w.atUseFlake != nil, want)
				}
			}
			for _, f := range tc.files {
				abs := f
				if !filepath.IsAbs(f) {
					abs = filepath.Join(project, filepath.FromSlash(f))
				}
				watchedAfter := after.seen()[filepath.Clean(abs)]
				if watchedAfter == slices.Contains(exc.after, f) {
					t.Errorf("after the sync direnv watches %s: %v, expected %v; it watches %v",
						f, watchedAfter, !watchedAfter, slices.Sorted(maps.Keys(after.seen())))
				}
				if slices.Contains(tc.added, path.Clean(f)) {
					if watchedBefore := before.seen()[filepath.Clean(abs)]; watchedBefore != slices.Contains(exc.before, f) {
						t.Errorf("sync added %s; before it direnv watched it: %v, expected %v", f, watchedBefore, !watchedBefore)
					}
				}
			}
		})
	}
}

// direnvResult is what direnv watches after loading an .envrc: all its
// watches, and those declared before the first use_flake call (nil when
// use_flake was not called).
type direnvResult struct {
	all        map[string]bool
	atUseFlake map[string]bool
}

// seen returns the watches nix-direnv's use_flake acts on: those declared
// before it when it runs, else all.
func (r direnvResult) seen() map[string]bool {
	if r.atUseFlake != nil {
		return r.atUseFlake
	}
	return r.all
}

// direnvWatches writes content as project/.envrc, allows it, and
// returns the paths direnv watches after loading it, with HOME and the XDG
// directories isolated under root.
func direnvWatches(t *testing.T, direnv, root, project string, content []byte) direnvResult {
	t.Helper()
	home := filepath.Join(root, "home")
	config := filepath.Join(home, ".config")
	if err := os.MkdirAll(filepath.Join(config, "direnv"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(config, "direnv", "direnvrc"), []byte(direnvRC), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(project, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(project, ".envrc"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + config,
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"DIRENV_LOG_FORMAT=",
	}
	run := func(args ...string) []byte {
		cmd := exec.Command(direnv, args...)
		cmd.Dir = project
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.Output()
		if err != nil {
			t.Fatalf("direnv %s: %v: %s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout
	}
	run("allow", project)
	// One JSON array of all watches, then one of the watches at use_flake
	// when it ran.
	script := `"$0" show_dump "$DIRENV_WATCHES" && if [ -n "${` + direnvAtUseFlake + `+x}" ]; then "$0" show_dump "$` + direnvAtUseFlake + `"; fi`
	dump := run("exec", project, "sh", "-c", script, direnv)
	dec := json.NewDecoder(bytes.NewReader(dump))
	var res direnvResult
	for i := 0; ; i++ {
		var watches []struct{ Path string }
		err := dec.Decode(&watches)
		if err == io.EOF && i > 0 {
			break
		}
		if err != nil || i > 1 {
			t.Fatalf("parse direnv show_dump output %q: %v", dump, err)
		}
		set := make(map[string]bool, len(watches))
		for _, w := range watches {
			set[filepath.Clean(w.Path)] = true
		}
		if i == 0 {
			res.all = set
		} else {
			res.atUseFlake = set
		}
	}
	return res
}
