package nixsearch

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/devsh/devsh/internal/proctest"
	"github.com/devsh/devsh/internal/run/runtest"
)

// nixTestEnv is a temporary copy of fixture flakes with a nix configured to
// work offline against them.
type nixTestEnv struct {
	dir      string // holds the fixture copies
	registry string // flake registry file passed to nix
	runner   *runtest.Recorder
	nix      Nix
}

// newNixTestEnv copies testdata/fixture/<name> for each name into a temp
// dir, writes a flake registry mapping each id in registry to the copy of
// the named fixture, isolates nix's cache directory, and returns a Nix
// whose runs are counted.
func newNixTestEnv(t *testing.T, fixtures []string, registry map[string]string) *nixTestEnv {
	t.Helper()
	nixRequireTool(t, "nix")
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // nix's eval and fetcher caches
	dir := t.TempDir()
	for _, name := range fixtures {
		if err := os.CopyFS(filepath.Join(dir, name), os.DirFS(filepath.Join("testdata", "fixture", name))); err != nil {
			t.Fatalf("copy fixture %s: %v", name, err)
		}
	}
	type ref struct {
		Type string `json:"type"`
		ID   string `json:"id,omitempty"`
		Path string `json:"path,omitempty"`
	}
	type entry struct {
		From ref `json:"from"`
		To   ref `json:"to"`
	}
	reg := struct {
		Flakes  []entry `json:"flakes"`
		Version int     `json:"version"`
	}{Flakes: []entry{}, Version: 2}
	for id, fixture := range registry {
		reg.Flakes = append(reg.Flakes, entry{
			From: ref{Type: "indirect", ID: id},
			To:   ref{Type: "path", Path: filepath.Join(dir, fixture)},
		})
	}
	data, err := json.Marshal(reg)
	if err != nil {
		t.Fatal(err)
	}
	regPath := filepath.Join(dir, "registry.json")
	if err := os.WriteFile(regPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	runner := &runtest.Recorder{}
	return &nixTestEnv{
		dir:      dir,
		registry: regPath,
		runner:   runner,
		nix:      Nix{Runner: runner, ExtraArgs: []string{"--option", "flake-registry", regPath}},
	}
}

// source is an unlocked Source for the copy of a fixture.
func (e *nixTestEnv) source(fixture string) Source {
	return Source{Ref: "path:" + filepath.Join(e.dir, fixture), Origin: "test", System: CurrentSystem()}
}

func TestNixArgs(t *testing.T) {
	n := Nix{ExtraArgs: []string{"--option", "flake-registry", "/etc/devsh/reg.json"}}
	src := Source{Ref: "path:/p?narHash=sha256-x", System: "x86_64-linux"}
	unlocked := Source{Ref: "path:/p", System: "x86_64-linux"} // getFlake needs --impure
	sh := shard{Names: []string{"hello"}, Buckets: []int{1}, Of: 4, Exclude: []string{"rPackages"}, Packages: true}
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"search", n.searchArgs(src), []string{"nix", "--extra-experimental-features", "nix-command flakes", "search", "--log-format", "internal-json", "--option", "flake-registry", "/etc/devsh/reg.json", "--system", "x86_64-linux", "--option", "eval-system", "x86_64-linux", "path:/p?narHash=sha256-x", "^", "--json"}},
		{"search without system, custom bin", Nix{Bin: "/opt/nix/bin/nix"}.searchArgs(Source{Ref: "nixpkgs"}), []string{"/opt/nix/bin/nix", "--extra-experimental-features", "nix-command flakes", "search", "--log-format", "internal-json", "nixpkgs", "^", "--json"}},
		{"metadata", n.metadataArgs("nixpkgs"), []string{"nix", "--extra-experimental-features", "nix-command flakes", "flake", "metadata", "--log-format", "internal-json", "--option", "flake-registry", "/etc/devsh/reg.json", "nixpkgs", "--json"}},
		{"eval", n.evalArgs(src, "legacyPackages", []string{"a"}), []string{"nix", "--extra-experimental-features", "nix-command flakes", "eval", "--log-format", "internal-json", "--option", "flake-registry", "/etc/devsh/reg.json", "--json", "path:/p?narHash=sha256-x#legacyPackages.x86_64-linux", "--apply", nixVerifyExpr([]string{"a"})}},
		{"meta", Nix{}.metaArgs(src, "packages", "a.b"), []string{"nix", "--extra-experimental-features", "nix-command flakes", "eval", "--log-format", "internal-json", "--json", "path:/p?narHash=sha256-x#packages.x86_64-linux", "--apply", nixMetaExpr("a.b")}},
		{"shard meta walk", n.nixShardArgs(src, sh, false), []string{"nix", "--extra-experimental-features", "nix-command flakes", "eval", "--log-format", "internal-json", "--option", "flake-registry", "/etc/devsh/reg.json", "--json", "--expr", nixShardExpr(src, sh, nixShardMetaBody)}},
		{"shard meta walk, unlocked", Nix{}.nixShardArgs(unlocked, sh, false), []string{"nix", "--extra-experimental-features", "nix-command flakes", "eval", "--log-format", "internal-json", "--json", "--expr", nixShardExpr(unlocked, sh, nixShardMetaBody), "--impure"}},
		{"shard search fallback", n.nixShardArgs(src, sh, true), []string{"nix", "--extra-experimental-features", "nix-command flakes", "search", "--log-format", "internal-json", "--option", "flake-registry", "/etc/devsh/reg.json", "--expr", nixShardExpr(src, sh, nixShardSearchBody), "", "^", "--json"}},
		{"shard search fallback, unlocked, custom bin", Nix{Bin: "/opt/nix/bin/nix"}.nixShardArgs(unlocked, sh, true), []string{"/opt/nix/bin/nix", "--extra-experimental-features", "nix-command flakes", "search", "--log-format", "internal-json", "--expr", nixShardExpr(unlocked, sh, nixShardSearchBody), "", "^", "--json", "--impure"}},
		{"check names", n.checkArgs(src, []string{"jq", "python3Packages.black"}), []string{"nix", "--extra-experimental-features", "nix-command flakes", "eval", "--log-format", "internal-json", "--option", "flake-registry", "/etc/devsh/reg.json", "--json", "--expr", nixCheckExpr(src, nixCheckBody, []string{"jq", "python3Packages.black"})}},
		{"check names, unlocked", Nix{}.checkArgs(unlocked, []string{"jq"}), []string{"nix", "--extra-experimental-features", "nix-command flakes", "eval", "--log-format", "internal-json", "--json", "--expr", nixCheckExpr(unlocked, nixCheckBody, []string{"jq"}), "--impure"}},
		{"check run, the failure's message", n.nixCheckRunArgs(src, nixCheckForceBody, []string{"nodejs-16_x"}), []string{"nix", "--extra-experimental-features", "nix-command flakes", "eval", "--log-format", "internal-json", "--option", "flake-registry", "/etc/devsh/reg.json", "--json", "--expr", nixCheckExpr(src, nixCheckForceBody, []string{"nodejs-16_x"})}},
		{"check run, unlocked", Nix{}.nixCheckRunArgs(unlocked, nixCheckForceBody, []string{"a"}), []string{"nix", "--extra-experimental-features", "nix-command flakes", "eval", "--log-format", "internal-json", "--json", "--expr", nixCheckExpr(unlocked, nixCheckForceBody, []string{"a"}), "--impure"}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s:\n got  %q\n want %q", tt.name, tt.got, tt.want)
		}
	}
	// The builders must not share ExtraArgs' backing array between calls.
	a, b := n.searchArgs(src), n.metadataArgs("x")
	if a[len(a)-1] != "--json" || b[len(b)-2] != "x" {
		t.Errorf("argv corrupted by a later call: %q, %q", a, b)
	}
}

// TestNixExprs: the --expr of a shard and of a name check start with the
// flake and system as Nix string literals and carry their input (the shard
// as JSON, the names as attribute paths in JSON), quoted so that nothing in
// them is Nix syntax, followed by the body.
func TestNixExprs(t *testing.T) {
	src := Source{Ref: `path:/p"${x}`, System: "x86_64-linux"}
	sh := shard{Names: []string{"hello"}, Of: 4}
	tests := []struct {
		name string
		expr string
		want []string // in this order
		body string
	}{
		{"shard", nixShardExpr(src, sh, nixShardMetaBody), []string{
			"let\n", `flake = builtins.getFlake "path:/p\"\${x}";`, `sys = "x86_64-linux";`,
			`shard = builtins.fromJSON "{\"all\":false,\"names\":[\"hello\"],\"buckets\":[],\"of\":4,\"exclude\":[],\"packages\":false,\"aliases\":false}";`,
		}, nixShardMetaBody},
		{"check", nixCheckExpr(src, nixCheckBody, []string{"jq", "python3Packages.black"}), []string{
			"let\n", `flake = builtins.getFlake "path:/p\"\${x}";`, `sys = "x86_64-linux";`,
			`paths = builtins.fromJSON "[[\"jq\"],[\"python3Packages\",\"black\"]]";`,
		}, nixCheckBody},
	}
	for _, tt := range tests {
		rest := tt.expr
		for _, w := range tt.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: %q missing (or out of order) in\n%s", tt.name, w, tt.expr)
				break
			}
			rest = rest[i+len(w):]
		}
		if !strings.HasSuffix(tt.expr, tt.body) {
			t.Errorf("%s: the expression does not end with its body", tt.name)
		}
	}
}

// TestNixAbsRegistry: a relative flake-registry file becomes absolute (nix
// would fetch it as a URL); URLs, absolute paths and other options stay.
func TestNixAbsRegistry(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	in := []string{"--option", "flake-registry", "testdata/reg.json", "--option", "tarball-ttl", "0"}
	got := Nix{ExtraArgs: in}.metadataArgs("x")
	want := []string{"nix", "--extra-experimental-features", "nix-command flakes", "flake", "metadata", "--log-format", "internal-json",
		"--option", "flake-registry", filepath.Join(wd, "testdata", "reg.json"), "--option", "tarball-ttl", "0", "x", "--json"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if in[2] != "testdata/reg.json" {
		t.Errorf("ExtraArgs changed: %q", in)
	}
	for _, keep := range []string{"https://example.com/registry.json", "/abs/reg.json"} {
		if got := nixAbsRegistry([]string{"--option", "flake-registry", keep}); got[2] != keep {
			t.Errorf("nixAbsRegistry(%q) = %q", keep, got[2])
		}
	}
}

// TestNixRegistryArgs: the argv nix gets for each spelling of the
// flake-registry setting, and "" rejected (nix < 2.13 fetches it as a URL).
func TestNixRegistryArgs(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(wd, "reg.json")
	tests := []struct {
		name    string
		extra   []string
		want    []string // the ExtraArgs part of the argv
		wantErr bool
	}{
		{"option relative", []string{"--option", "flake-registry", "reg.json"}, []string{"--option", "flake-registry", abs}, false},
		{"flag relative", []string{"--flake-registry", "reg.json"}, []string{"--flake-registry", abs}, false},
		{"option absolute", []string{"--option", "flake-registry", "/etc/reg.json"}, []string{"--option", "flake-registry", "/etc/reg.json"}, false},
		{"url", []string{"--flake-registry", "https://example.com/r.json"}, []string{"--flake-registry", "https://example.com/r.json"}, false},
		{"option empty", []string{"--option", "flake-registry", ""}, []string{"--option", "flake-registry", ""}, true},
		{"flag empty", []string{"--flake-registry", ""}, []string{"--flake-registry", ""}, true},
		{"empty after another option", []string{"--option", "tarball-ttl", "0", "--option", "flake-registry", ""}, []string{"--option", "tarball-ttl", "0", "--option", "flake-registry", ""}, true},
		{"other setting empty", []string{"--option", "substituters", ""}, []string{"--option", "substituters", ""}, false},
		{"setting name as a value", []string{"--option", "flake-registry"}, []string{"--option", "flake-registry"}, false},
		{"none", nil, []string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := Nix{ExtraArgs: tt.extra}.metadataArgs("x")
			base := Nix{}.nixBase("flake", "metadata")
			got := args[len(base) : len(args)-2]
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("argv extra = %q, want %q", got, tt.want)
			}
			err := nixRegistryArgsErr(args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("nixRegistryArgsErr = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && (!strings.Contains(err.Error(), `flake-registry "" is not supported`) ||
				!strings.Contains(err.Error(), nixEmptyRegistry) || strings.Contains(err.Error(), "\n")) {
				t.Errorf("error does not name the cause and the fix in one line: %v", err)
			}
		})
	}
}

// TestNixRegistryEmptyNeverRuns: a run with flake-registry "" fails before
// nix starts (the runner is never called), for every command.
func TestNixRegistryEmptyNeverRuns(t *testing.T) {
	runner := &runtest.Recorder{}
	n := Nix{Runner: runner, ExtraArgs: []string{"--option", "flake-registry", ""}}
	src := Source{Ref: "path:/nonexistent", System: "x86_64-linux"}
	ctx := context.Background()
	_, verr := n.Verify(ctx, src, []string{"hello"})
	_, merr := n.Meta(ctx, src, "hello")
	_, serr := n.Search(ctx, src, nil)
	for _, err := range []error{verr, merr, serr} {
		if err == nil || !strings.Contains(err.Error(), `flake-registry "" is not supported`) {
			t.Errorf("err = %v, want the flake-registry error", err)
		}
	}
	if c := runner.Count(); c != 0 {
		t.Errorf("nix ran %d times, want 0", c)
	}
}

func TestNixStringLiteral(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, `"plain"`},
		{`a"b`, `"a\"b"`},
		{`back\slash`, `"back\\slash"`},
		{`${builtins.abort "x"}`, `"\${builtins.abort \"x\"}"`},
		{`$$`, `"\$\$"`},
		{"nl\ntab\tcr\r", `"nl\ntab\tcr\r"`},
		{`''`, `"''"`},
	}
	for _, tt := range tests {
		if got := nixStringLiteral(tt.in); got != tt.want {
			t.Errorf("nixStringLiteral(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestNixPathsLiteral(t *testing.T) {
	got := nixPathsLiteral([]string{"python3Packages.requests", "hello", `x"${y}`})
	want := `builtins.fromJSON "[[\"python3Packages\",\"requests\"],[\"hello\"],[\"x\\\"\${y}\"]]"`
	if got != want {
		t.Errorf("nixPathsLiteral =\n %s\nwant\n %s", got, want)
	}
}

func TestNixCommandNameAndSummary(t *testing.T) {
	n := Nix{ExtraArgs: []string{"--option", "flake-registry", "r"}}
	names := []struct {
		args []string
		want string
	}{
		{n.searchArgs(Source{Ref: "x"}), "nix search"},
		{n.metadataArgs("x"), "nix flake metadata"},
		{n.evalArgs(Source{Ref: "x", System: "s"}, "packages", nil), "nix eval"},
		{[]string{"nix"}, "nix"},
	}
	for _, tt := range names {
		if got := nixCommandName(tt.args); got != tt.want {
			t.Errorf("nixCommandName(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
	e := &NixError{Args: n.metadataArgs("x"), ExitCode: 1, Stderr: "error: boom\n  at x"}
	if got, want := e.Error(), "nix flake metadata failed (exit status 1): boom (nix could not fetch that source (offline?): run `nix flake lock` once while online so nix keeps it in its store, or pass --nixpkgs with a local nixpkgs)"; got != want {
		t.Errorf("NixError.Error() = %q, want %q", got, want)
	}
}

// TestNixErrorHint: the cause and fix named for nix's own messages. The
// messages are nix's words (2.8 to 2.26 as run here; the too-old one is nix
// 2.3's, written from its source, as no nix that old runs here).
func TestNixErrorHint(t *testing.T) {
	tests := []struct{ cmd, msg, hintHas string }{
		{"nix search", "unrecognised flag '--extra-experimental-features'", "too old for flakes"},
		{"nix flake metadata", "cannot find flake 'flake:nixpkgs' in the flake registries", "flake registry"},
		{"nix flake metadata", "unable to download 'https://api.github.com/repos/NixOS/nixpkgs/tarball/0b7a': Couldn't resolve host name (6)", "`nix flake lock`"},
		{"nix search", "Failed to open archive (Source threw exception: error: unable to download 'https://github.com/NixOS/nixpkgs/archive/0b7a.tar.gz': Couldn't resolve host name (6))", "offline"},
		{"nix flake metadata", "path '//home/user/gone' does not exist", "that path does not exist"},
		{"nix flake metadata", "getting status of '/home/user/gone': No such file or directory", "that path does not exist"},
		{"nix search", "path '/nix/store/2gk7…-source/missing.nix' does not exist", "evaluation error"},
		{"nix flake metadata", "opening Git repository '/home/user/gone': could not find repository", "could not fetch"},
		{"nix eval", "flake 'path:/x' does not provide attribute 'packages.x86_64-linux.legacyPackages.x86_64-linux', 'legacyPackages.x86_64-linux.legacyPackages.x86_64-linux' or 'legacyPackages.x86_64-linux'", "no such attribute"},
		{"nix search", "gamma fails to evaluate", "evaluation error"},
		{"nix flake metadata", "input 'tarball+https://channels.nixos.org/nixos-unstable/nixexprs' is unsupported", "need nix 2.12"},
		{"nix search", "syntax error, unexpected end of file, expecting ';'", "--nixpkgs"},
	}
	for _, tt := range tests {
		hint := nixErrorHint(tt.cmd, tt.msg)
		if !strings.Contains(hint, tt.hintHas) {
			t.Errorf("nixErrorHint(%s, %q) = %q, want it to contain %q", tt.cmd, tt.msg, hint, tt.hintHas)
		}
	}
}

func TestNixSearchFixture(t *testing.T) {
	env := newNixTestEnv(t, []string{"nixpkgs"}, nil)
	var progress []int
	pkgs, err := env.nix.Search(context.Background(), env.source("nixpkgs"), func(n int) { progress = append(progress, n) })
	if err != nil {
		t.Fatal(err)
	}
	byAttr := map[string]Package{}
	for i, p := range pkgs {
		if i > 0 && pkgs[i-1].Attr >= p.Attr {
			t.Errorf("not sorted at %d: %q then %q", i, pkgs[i-1].Attr, p.Attr)
		}
		if strings.Contains(p.Attr, "legacyPackages") || strings.Contains(p.Attr, "x86_64-linux") {
			t.Errorf("attr %q keeps its prefix", p.Attr)
		}
		byAttr[p.Attr] = p
	}
	// 35 top-level derivations + cargo-edit-alias + 2×2 python packages.
	if len(pkgs) != 40 {
		t.Errorf("found %d packages, want 40: %v", len(pkgs), pkgs)
	}
	want := map[string]Package{
		"cargo-edit":               {Attr: "cargo-edit", Pname: "cargo-edit", Version: "0.13.7", Description: "Utility for managing cargo dependencies from the command line"},
		"cargo-edit-alias":         {Attr: "cargo-edit-alias", Pname: "cargo-edit", Version: "0.13.7", Description: "Utility for managing cargo dependencies from the command line"},
		"python3Packages.requests": {Attr: "python3Packages.requests", Pname: "python3.13-requests", Version: "2.32.3", Description: "HTTP library for Python"},
		"python313Packages.black":  {Attr: "python313Packages.black", Pname: "python3.13-black", Version: "25.1.0", Description: "Uncompromising Python code formatter"},
		"colortool":                {Attr: "colortool", Pname: "colortool", Version: "1.0", Description: "Prints red text and more"},
		"tmux":                     {Attr: "tmux", Pname: "tmux", Version: "3.5a", Description: "Terminal multiplexer"},
	}
	for attr, w := range want {
		if got := byAttr[attr]; got != w {
			t.Errorf("%s = %+v, want %+v", attr, got, w)
		}
	}
	for attr := range byAttr {
		if strings.HasPrefix(attr, "nodePackages") || attr == "nodejs-16_x" || attr == "broken-eval" || attr == "python3Packages" {
			t.Errorf("%s should not be searchable", attr)
		}
	}
	if len(progress) == 0 || progress[len(progress)-1] < len(pkgs) {
		t.Errorf("progress calls %v, want a final count ≥ %d", progress, len(pkgs))
	}
	for i := 1; i < len(progress); i++ {
		if progress[i] <= progress[i-1] {
			t.Errorf("progress not increasing: %v", progress)
		}
	}
	if env.runner.Count() != 1 {
		t.Errorf("nix ran %d times, want 1", env.runner.Count())
	}
}

func TestNixSearchOtherSystem(t *testing.T) {
	env := newNixTestEnv(t, []string{"nixpkgs", "pkgsonly"}, nil)
	src := env.source("nixpkgs")
	src.System = "aarch64-linux"
	pkgs, err := env.nix.Search(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 40 || pkgs[0].Attr != "bat" {
		t.Errorf("aarch64-linux search: %d packages, first %+v", len(pkgs), pkgs[0])
	}
	// packages.<system> (no legacyPackages): prefix stripped too.
	pkgs, err = env.nix.Search(context.Background(), env.source("pkgsonly"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{
		{Attr: "alpha", Pname: "alpha", Version: "1.0", Description: "The alpha tool"},
		{Attr: "beta", Pname: "beta", Version: "2.0", Description: "The beta tool"},
	}
	if !reflect.DeepEqual(pkgs, want) {
		t.Errorf("pkgsonly search = %+v, want %+v", pkgs, want)
	}
}

func TestNixSearchSyntaxError(t *testing.T) {
	env := newNixTestEnv(t, []string{"broken"}, nil)
	pkgs, err := env.nix.Search(context.Background(), env.source("broken"), nil)
	var nixErr *NixError
	if !errors.As(err, &nixErr) {
		t.Fatalf("Search error = %v (%T), want *NixError; packages %v", err, err, pkgs)
	}
	// The position differs: 4:46 on nix 2.8, 5:1 from 2.24.
	if nixErr.ExitCode != 1 || !strings.Contains(nixErr.Stderr, "syntax error") || !regexp.MustCompile(`flake\.nix:[45]:`).MatchString(nixErr.Stderr) {
		t.Errorf("NixError = %+v", nixErr)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "nix search") || !strings.Contains(msg, "syntax error") {
		t.Errorf("Error() = %q, want one line naming nix search and the syntax error", msg)
	}
}

func TestNixSearchEvalErrorAfterProgress(t *testing.T) {
	// Here nix prints a complete JSON object on stdout and still exits 1:
	// the exit status decides.
	env := newNixTestEnv(t, []string{"evalerror"}, nil)
	maxProgress := 0
	_, err := env.nix.Search(context.Background(), env.source("evalerror"), func(n int) { maxProgress = max(maxProgress, n) })
	var nixErr *NixError
	if !errors.As(err, &nixErr) {
		t.Fatalf("Search error = %v, want *NixError", err)
	}
	if !strings.Contains(nixErr.Stderr, "gamma fails to evaluate") || strings.Contains(nixErr.Stderr, "evaluating '") {
		t.Errorf("stderr tail = %q", nixErr.Stderr)
	}
	if maxProgress <= 0 {
		t.Errorf("progress never reported a positive count (max %d)", maxProgress)
	}
}

func TestNixSearchCancelKillsNix(t *testing.T) {
	env := newNixTestEnv(t, []string{"slow"}, nil)
	// The registry path lies in this test's own temp dir and is on nix's
	// command line: a marker no other process carries.
	marker := env.registry
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	progressed := false
	pkgs, err := env.nix.Search(ctx, env.source("slow"), func(n int) {
		once.Do(func() {
			progressed = n > 0
			if len(proctest.Live(t, marker)) != 1 {
				t.Errorf("want exactly one nix running at the first progress line, found %v", proctest.Live(t, marker))
			}
			cancel()
		})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Search error = %v (%d packages), want context.Canceled", err, len(pkgs))
	}
	if !progressed {
		t.Error("no progress before the cancel")
	}
	proctest.AwaitNone(t, marker)
}

func TestNixVerify(t *testing.T) {
	env := newNixTestEnv(t, []string{"nixpkgs"}, nil)
	names := []string{
		"cargo-edit",
		"python3Packages.requests",
		"nodePackages.prettier",    // not searched, still valid
		"cargo-edit-alias",         // renamed alias: the same derivation
		"no-such-package",          // unknown
		"nodejs-16_x",              // alias that throws
		"broken-eval",              // fails to evaluate
		"python3Packages",          // a set, not a derivation
		"python3Packages.nope",     // unknown in a set
		"cargo-edit.meta",          // not a derivation
		"hello.x.y",                // walks past a derivation
		`evil"${abort "x"}\name`,   // cannot inject nix syntax
		"python3Packages.requests", // duplicates are fine
	}
	valid, err := env.nix.Verify(context.Background(), env.source("nixpkgs"), names)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"cargo-edit": true, "python3Packages.requests": true, "nodePackages.prettier": true, "cargo-edit-alias": true}
	if !reflect.DeepEqual(valid, want) {
		t.Errorf("Verify = %v, want %v", valid, want)
	}
	if env.runner.Count() != 1 {
		t.Errorf("Verify ran nix %d times for %d names, want 1", env.runner.Count(), len(names))
	}

	valid, err = env.nix.Verify(context.Background(), env.source("nixpkgs"), nil)
	if err != nil || len(valid) != 0 || env.runner.Count() != 1 {
		t.Errorf("Verify(no names) = %v, %v after %d runs; want empty, no run", valid, err, env.runner.Count())
	}
}

func TestNixVerifyPackagesFallback(t *testing.T) {
	env := newNixTestEnv(t, []string{"pkgsonly"}, nil)
	valid, err := env.nix.Verify(context.Background(), env.source("pkgsonly"), []string{"alpha", "notdrv", "gamma"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(valid, map[string]bool{"alpha": true}) {
		t.Errorf("Verify = %v, want only alpha", valid)
	}
	// One run for legacyPackages (missing), one for packages.
	if env.runner.Count() != 2 {
		t.Errorf("nix ran %d times, want 2", env.runner.Count())
	}
}

func TestNixVerifyBrokenFlake(t *testing.T) {
	env := newNixTestEnv(t, []string{"broken"}, nil)
	_, err := env.nix.Verify(context.Background(), env.source("broken"), []string{"hello"})
	var nixErr *NixError
	if !errors.As(err, &nixErr) || !strings.Contains(nixErr.Stderr, "syntax error") {
		t.Fatalf("Verify error = %v, want *NixError with the syntax error", err)
	}
	if env.runner.Count() != 1 {
		t.Errorf("nix ran %d times, want 1 (no packages fallback for other errors)", env.runner.Count())
	}
}

func TestNixMeta(t *testing.T) {
	env := newNixTestEnv(t, []string{"nixpkgs", "pkgsonly"}, nil)
	src := env.source("nixpkgs")
	tests := []struct {
		attr string
		want PackageMeta
	}{
		{"cargo-edit", PackageMeta{Homepage: "https://github.com/killercup/cargo-edit", License: "Apache-2.0, MIT", MainProgram: "cargo-add"}},
		{"flyctl", PackageMeta{Homepage: "https://fly.io/", License: "Apache-2.0", MainProgram: "flyctl"}},
		{"python3Packages.black", PackageMeta{License: "MIT", MainProgram: "black"}},
		{"hello", PackageMeta{Homepage: "https://www.gnu.org/software/hello/manual/", License: "GPL-3.0-or-later", MainProgram: "hello"}},
		{"colortool", PackageMeta{}},
		{"nodePackages.prettier", PackageMeta{}},
	}
	for _, tt := range tests {
		got, err := env.nix.Meta(context.Background(), src, tt.attr)
		if err != nil {
			t.Errorf("Meta(%s): %v", tt.attr, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Meta(%s) = %+v, want %+v", tt.attr, got, tt.want)
		}
	}
	for _, attr := range []string{"no-such-package", "nodejs-16_x"} {
		if _, err := env.nix.Meta(context.Background(), src, attr); err == nil || !strings.Contains(err.Error(), "no such attribute") {
			t.Errorf("Meta(%s) error = %v, want no such attribute", attr, err)
		}
	}
	got, err := env.nix.Meta(context.Background(), env.source("pkgsonly"), "alpha")
	if err != nil || got != (PackageMeta{License: "MIT"}) {
		t.Errorf("Meta(pkgsonly alpha) = %+v, %v", got, err)
	}
}

func TestNixMissingBinary(t *testing.T) {
	n := Nix{Bin: "devsh-no-such-nix"}
	_, err := n.Search(context.Background(), Source{Ref: "path:/nonexistent", System: "x86_64-linux"}, nil)
	if !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("Search with a missing nix: %v, want exec.ErrNotFound", err)
	}
	var nixErr *NixError
	if errors.As(err, &nixErr) {
		t.Errorf("a missing binary is not a NixError: %v", err)
	}
}

// TestNixErrorsNameCause runs the real nix into each failure devsh can
// meet and checks the one-line error: nix's own message (never the bare
// "error:" line that starts an error with a trace from nix 2.13), and the
// cause and fix devsh names. The messages differ between nix versions; the
// test runs on each (see .ci/run).
func TestNixErrorsNameCause(t *testing.T) {
	env := newNixTestEnv(t, []string{"empty", "evalerror", "broken"}, nil)
	ctx := context.Background()
	gone := filepath.Join(env.dir, "gone")
	check := func(t *testing.T, err error, nixSays []string, cause string) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		msg := err.Error()
		t.Logf("nix %s", msg)
		if strings.ContainsAny(msg, "\n\r\x1b") {
			t.Errorf("error is not one clean line: %q", msg)
		}
		found := false
		for _, s := range nixSays {
			found = found || strings.Contains(msg, s)
		}
		if !found {
			t.Errorf("error %q has none of nix's words %q", msg, nixSays)
		}
		if !strings.Contains(msg, cause) {
			t.Errorf("error %q does not name the cause/fix %q", msg, cause)
		}
		var nixErr *NixError
		if errors.As(err, &nixErr) && (nixErr.Message == "" || strings.HasSuffix(msg, "): ")) {
			t.Errorf("NixError without nix's message: %+v", nixErr)
		}
	}
	t.Run("evaluation error", func(t *testing.T) {
		_, err := env.nix.Search(ctx, env.source("evalerror"), nil)
		check(t, err, []string{"): gamma fails to evaluate"}, "an evaluation error in that flake")
	})
	t.Run("syntax error", func(t *testing.T) {
		_, err := env.nix.Search(ctx, env.source("broken"), nil)
		check(t, err, []string{"): syntax error, unexpected end of file"}, "--nixpkgs")
	})
	t.Run("no package set", func(t *testing.T) {
		// nix 2.8: {} and exit 0, so ErrNoPackages; from 2.13 nix's error.
		_, err := env.nix.Search(ctx, env.source("empty"), nil)
		check(t, err, []string{"neither legacyPackages." + CurrentSystem(), "does not provide attribute 'packages." + CurrentSystem() + "' or 'legacyPackages." + CurrentSystem() + "'"}, "--nixpkgs")
	})
	t.Run("unknown attribute", func(t *testing.T) {
		_, err := env.nix.Verify(ctx, env.source("empty"), []string{"hello"})
		check(t, err, []string{"does not provide attribute"}, "no such attribute")
	})
	t.Run("missing path", func(t *testing.T) {
		_, err := env.nix.ResolveSource(ctx, ResolveOptions{Override: "path:" + gone})
		check(t, err, []string{"No such file or directory", "does not exist"}, "that path does not exist")
	})
	t.Run("fetch failed", func(t *testing.T) {
		src := Source{Ref: "file://" + gone + ".tar.gz?narHash=sha256-AAAAcs0AtTht7QFsmWuO9OcalEbMmMGLeJVrBHmTADM%3D", System: CurrentSystem()}
		n := env.nix
		n.ExtraArgs = append(append([]string{}, n.ExtraArgs...), "--option", "download-attempts", "1") // no retries
		_, err := n.Search(ctx, src, nil)
		check(t, err, []string{"unable to download"}, "run `nix flake lock` once while online")
	})
	t.Run("registry without nixpkgs", func(t *testing.T) {
		_, err := env.nix.ResolveSource(ctx, ResolveOptions{ProjectRoot: t.TempDir()})
		check(t, err, []string{"cannot find flake 'flake:nixpkgs' in the flake registries"}, "flake registry")
	})
}
