package main

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devsh/devsh/devshell"
	runner "github.com/devsh/devsh/internal/run"
	"github.com/devsh/devsh/internal/run/runtest"
	"github.com/devsh/devsh/nixsearch"
	"github.com/devsh/devsh/tui"
)

// The tuiBackend tests drive the TUI's adapter directly, against the same
// locked fixture project as the command-line tests (cliProject), with the
// real nix and direnv.

// tuibToml has plain packages, a [[commands]] package, and a [[commands]]
// package that is also listed (listed once, as a plain package).
const tuibToml = `[devshell]
packages = ["rustc", "cargo"]

[[commands]]
package = "cargo-watch"

[[commands]]
package = "rustc"
`

// tuibNew builds a backend for the project at dir the way runTUI does, with
// buffers for streams and the process environment (isolated by cliEnv).
func tuibNew(t *testing.T, dir string) *tuiBackend {
	t.Helper()
	return tuibNewWith(t, dir, nil)
}

// tuibNewWith is tuibNew with r running every external program (nil:
// the real ones).
func tuibNewWith(t *testing.T, dir string, r runner.Runner) *tuiBackend {
	t.Helper()
	var out, errOut cliBuffer
	g := &GlobalOptions{
		IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: os.Getenv,
		Dir:    dir,
		Runner: r,
	}
	proj, err := g.project()
	if err != nil {
		t.Fatalf("find project in %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if out.String() != "" || errOut.String() != "" {
			t.Errorf("the backend wrote to the terminal streams (the TUI owns them): stdout %q, stderr %q", out.String(), errOut.String())
		}
	})
	return newTUIBackend(g, proj)
}

// tuibProgress records the counts BuildIndex reports.
type tuibProgress struct {
	mu    sync.Mutex
	calls []int
}

func (p *tuibProgress) report(bp tui.BuildProgress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, bp.Evaluated)
}

func (p *tuibProgress) get() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// tuibAttrs lists the attributes of rows, in order.
func tuibAttrs(res tui.Results) []string {
	var attrs []string
	for _, r := range res.Rows {
		attrs = append(attrs, r.Pkg.Attr)
	}
	return attrs
}

// tuibCheckPositions fails unless every row has ascending in-range match
// positions.
func tuibCheckPositions(t *testing.T, res tui.Results) {
	t.Helper()
	for _, r := range res.Rows {
		if len(r.Positions) == 0 {
			t.Errorf("row %s has no match positions", r.Pkg.Attr)
			continue
		}
		if !slices.IsSorted(r.Positions) || r.Positions[0] < 0 || r.Positions[len(r.Positions)-1] >= len(r.Pkg.Attr) {
			t.Errorf("row %s positions %v, want ascending offsets into the attribute", r.Pkg.Attr, r.Positions)
		}
	}
}

func TestTUIBackendIndexAndSearch(t *testing.T) {
	dir := cliProject(t, tuibToml)
	ctx := context.Background()
	b := tuibNew(t, dir)

	// The header names the flake.lock's path input by its directory (the
	// issue-10 label; it was "nixpkgs <hash> (flake.lock)").
	info := b.Project()
	if info.TOMLName != "devshell.toml" {
		t.Errorf("Project() = %+v, want devshell.toml", info)
	}
	if src, err := b.Resolve(ctx); err != nil || src != "nixpkgs ./fakepkgs" {
		t.Errorf("Resolve() = %q, %v; want the flake.lock nixpkgs, nixpkgs ./fakepkgs", src, err)
	}

	// Before any index: Missing, not an error; searching finds nothing.
	got, err := b.OpenIndex(ctx)
	if err != nil || got != (tui.IndexInfo{Missing: true}) {
		t.Fatalf("OpenIndex with no cache = %+v, %v; want Missing", got, err)
	}
	res, err := b.Search(ctx, "cargo", 10)
	if err != nil || len(res.Rows) != 0 || res.Total != 0 {
		t.Errorf("Search before an index = %+v, %v; want no rows", res, err)
	}

	var p tuibProgress
	got, err = b.BuildIndex(ctx, p.report)
	if err != nil {
		t.Fatalf("BuildIndex: %v", err)
	}
	want := cliNixSearchCount(t, filepath.Join(dir, "fakepkgs"))
	if got != (tui.IndexInfo{Count: want}) {
		t.Errorf("BuildIndex = %+v, want Count %d (what nix search finds), current", got, want)
	}
	calls := p.get()
	if len(calls) == 0 || calls[len(calls)-1] <= 0 || !slices.IsSorted(calls) {
		t.Errorf("progress calls %v, want at least one, ascending, ending above 0", calls)
	}
	if files := cacheFiles(t); len(files) != 1 {
		t.Errorf("index files %v, want the one BuildIndex wrote", files)
	}

	res, err = b.Search(ctx, "cargo", 10)
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	attrs := tuibAttrs(res)
	if len(attrs) == 0 || attrs[0] != "cargo" {
		t.Fatalf("Search cargo = %v, want cargo first", attrs)
	}
	if got := slices.Sorted(slices.Values(attrs)); !slices.Equal(got, cliCargoAttrs()) || res.Total != len(cliCargoAttrs()) || res.Query != "cargo" {
		t.Errorf("Search cargo = %v (total %d, query %q), want %v", attrs, res.Total, res.Query, cliCargoAttrs())
	}
	if pos := res.Rows[0].Positions; !slices.Equal(pos, []int{0, 1, 2, 3, 4}) {
		t.Errorf("cargo matched at %v, want [0 1 2 3 4]", pos)
	}
	if r0 := res.Rows[0].Pkg; r0.Version != "1.89.0" || r0.Description != "Downloads your Rust project's dependencies and builds your project" {
		t.Errorf("cargo row = %+v, want the fixture's version and description", r0)
	}
	tuibCheckPositions(t, res)

	two, err := b.Search(ctx, "cargo", 2)
	if err != nil || !slices.Equal(tuibAttrs(two), attrs[:2]) || two.Total != res.Total {
		t.Errorf("Search cargo limit 2 = %v (total %d), %v; want %v of %d", tuibAttrs(two), two.Total, err, attrs[:2], res.Total)
	}

	// A second backend opens the cached index, current, with no nix at all.
	cliPathOnly(t)
	b2 := tuibNew(t, dir)
	got, err = b2.OpenIndex(ctx)
	if err != nil || got != (tui.IndexInfo{Count: want}) {
		t.Errorf("OpenIndex from the cache = %+v, %v; want Count %d, current", got, err, want)
	}
	res2, err := b2.Search(ctx, "cargo", 10)
	if err != nil || !slices.Equal(tuibAttrs(res2), attrs) {
		t.Errorf("Search from the cached index = %v, %v; want %v", tuibAttrs(res2), err, attrs)
	}

	// The ranking's extras reach the rows (from the cached index): why a
	// row matched, the name under an alias set and the package's other
	// names; descriptions are searched on demand.
	if res, err := b2.Search(ctx, "rg", 3); err != nil || len(res.Rows) == 0 || res.Rows[0].Pkg.Attr != "ripgrep" || res.Rows[0].Why != "rg" {
		t.Errorf("Search rg = %+v, %v; want ripgrep because of rg", res.Rows, err)
	}
	if res, err := b2.Search(ctx, "pythonPackages.requests", 3); err != nil || len(res.Rows) == 0 ||
		res.Rows[0].Pkg.Attr != "pythonPackages.requests" || !slices.Contains(res.Rows[0].Also, "python313Packages.requests") {
		t.Errorf("Search pythonPackages.requests = %+v, %v; want it under the alias, also python313Packages.requests", res.Rows, err)
	}
	if res, err := b2.SearchDescriptions(ctx, "multiplexer", 3); err != nil || !slices.Equal(tuibAttrs(res), []string{"tmux"}) {
		t.Errorf("SearchDescriptions multiplexer = %v, %v; want tmux", tuibAttrs(res), err)
	}
}

func TestTUIBackendPackagesAndToggle(t *testing.T) {
	dir := cliProject(t, tuibToml)
	ctx := context.Background()
	b := tuibNew(t, dir)
	toml := filepath.Join(dir, "devshell.toml")

	packages := func() []tui.Installed {
		t.Helper()
		pkgs, err := b.Packages(ctx)
		if err != nil {
			t.Fatalf("Packages: %v", err)
		}
		return pkgs
	}
	initial := []tui.Installed{{Attr: "rustc"}, {Attr: "cargo"}, {Attr: "cargo-watch", FromCommand: true}}
	if got := packages(); !slices.Equal(got, initial) {
		t.Errorf("Packages = %+v, want %+v", got, initial)
	}

	toggle := func(attr string, add bool, want tui.Change) {
		t.Helper()
		before := cliRead(t, toml)
		edit := b.Remove
		if add {
			edit = b.Add
		}
		c, err := edit(ctx, attr)
		if err != nil {
			t.Fatalf("Toggle(%s, %v): %v", attr, add, err)
		}
		// A write carries the file's bytes around it, for undo.
		if fb := c.Bytes; !c.Unchanged && (fb == nil || string(fb.Before) != before || string(fb.After) != cliRead(t, toml)) {
			t.Errorf("Toggle(%s, %v): bytes %+v, want the file before and after", attr, add, fb)
		}
		c.Bytes = nil
		if c != want {
			t.Errorf("Toggle(%s, %v) = %+v, want %+v", attr, add, c, want)
		}
	}

	toggle("jq", true, tui.Change{Attr: "jq", Added: true})
	added := cliRead(t, toml)
	if want := strings.Replace(tuibToml, `"cargo"]`, `"cargo", "jq"]`, 1); added != want {
		t.Errorf("devshell.toml after adding jq:\n%s\nwant:\n%s", added, want)
	}
	if got, want := packages(), []tui.Installed{{Attr: "rustc"}, {Attr: "cargo"}, {Attr: "jq"}, {Attr: "cargo-watch", FromCommand: true}}; !slices.Equal(got, want) {
		t.Errorf("Packages after adding jq = %+v, want %+v", got, want)
	}

	toggle("jq", true, tui.Change{Attr: "jq", Added: true, Unchanged: true})
	if got := cliRead(t, toml); got != added {
		t.Errorf("a second add of jq rewrote devshell.toml:\n%s", got)
	}

	toggle("jq", false, tui.Change{Attr: "jq"})
	if got := cliRead(t, toml); got != tuibToml {
		t.Errorf("devshell.toml after removing jq:\n%s\nwant the original:\n%s", got, tuibToml)
	}
	// Already absent (say, removed in an editor meanwhile): the file has
	// the requested state, which the TUI shows and then re-reads.
	toggle("jq", false, tui.Change{Attr: "jq", Unchanged: true})
	if got := cliRead(t, toml); got != tuibToml {
		t.Errorf("removing an absent package rewrote devshell.toml:\n%s", got)
	}

	// A [[commands]] package is already in the shell: nothing is written.
	toggle("cargo-watch", true, tui.Change{Attr: "cargo-watch", Added: true, Unchanged: true, Note: "provided by [[commands]]"})
	if got := cliRead(t, toml); got != tuibToml {
		t.Errorf("adding a [[commands]] package rewrote devshell.toml:\n%s", got)
	}
	// Removing it is refused: that means editing the [[commands]] entry.
	if c, err := b.Remove(ctx, "cargo-watch"); err == nil || !strings.Contains(err.Error(), "[[commands]]") {
		t.Errorf("Toggle(cargo-watch, false) = %+v, %v; want an error naming [[commands]]", c, err)
	}
	if got := packages(); !slices.Equal(got, initial) {
		t.Errorf("Packages at the end = %+v, want %+v", got, initial)
	}
}

func TestTUIBackendSync(t *testing.T) {
	dir := cliProject(t, tuibToml)
	ctx := context.Background()
	b := tuibNew(t, dir)
	envrc := filepath.Join(dir, ".envrc")

	b.g.NoDirenv = true
	if s, err := b.Sync(ctx); s != "" || err != nil {
		t.Errorf("Sync with --no-direnv = %q, %v; want nothing done", s, err)
	}
	cliNotExist(t, envrc)
	b.g.NoDirenv = false

	if _, err := b.Add(ctx, "jq"); err != nil {
		t.Fatal(err)
	}
	s, err := b.Sync(ctx)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if want := "created .envrc; approve it with: direnv allow " + envrc; s != want {
		t.Errorf("first Sync = %q, want %q (one line, said once)", s, want)
	}
	content := cliRead(t, envrc)
	if !strings.Contains(content, "watch_file devshell.toml") {
		t.Errorf(".envrc = %q, want it to watch devshell.toml", content)
	}

	s, err = b.Sync(ctx)
	if err != nil {
		t.Fatalf("second Sync: %v", err)
	}
	if s != ".envrc up to date" {
		t.Errorf("second Sync = %q, want \".envrc up to date\"", s)
	}
	if got := cliRead(t, envrc); got != content {
		t.Errorf("second Sync rewrote .envrc:\n%s\nwant:\n%s", got, content)
	}
}

func TestTUIBackendMeta(t *testing.T) {
	dir := cliProject(t, tuibToml)
	ctx := context.Background()
	b := tuibNew(t, dir)
	tests := []struct {
		attr string
		want tui.Meta
	}{
		{"cargo-edit", tui.Meta{Homepage: "https://github.com/killercup/cargo-edit", License: "Apache-2.0, MIT", MainProgram: "cargo-add"}},
		// Several homepages: the first; one licence.
		{"flyctl", tui.Meta{Homepage: "https://fly.io/", License: "Apache-2.0", MainProgram: "flyctl"}},
		// No meta beyond the description.
		{"cargo-watch", tui.Meta{}},
		// In a set nix search does not recurse into.
		{"nodePackages.prettier", tui.Meta{}},
		{"python3Packages.black", tui.Meta{License: "MIT", MainProgram: "black"}},
		// Under an alias set nix search does not list: the index has it as
		// python313Packages.black.
		{"pythonPackages.black", tui.Meta{License: "MIT", MainProgram: "black"}},
	}
	for _, tt := range tests {
		got, err := b.Meta(ctx, tt.attr)
		if err != nil || got != tt.want {
			t.Errorf("Meta(%s) = %+v, %v; want %+v", tt.attr, got, err, tt.want)
		}
	}
	if _, err := b.Meta(ctx, "no-such-package"); err == nil || errors.Is(err, tui.ErrNixMissing) {
		t.Errorf("Meta(no-such-package) error = %v, want one saying there is no such attribute", err)
	}
	// With an index, the meta comes from it: a source nix cannot evaluate
	// shows that no nix runs.
	if _, err := b.BuildIndex(ctx, nil); err != nil {
		t.Fatalf("BuildIndex: %v", err)
	}
	b.src.Ref = "path:" + filepath.Join(t.TempDir(), "missing")
	for _, tt := range tests {
		if strings.HasPrefix(tt.attr, "nodePackages.") {
			continue // not in the index: only nix knows it
		}
		got, err := b.Meta(ctx, tt.attr)
		if err != nil || got != tt.want {
			t.Errorf("from the index, Meta(%s) = %+v, %v; want %+v", tt.attr, got, err, tt.want)
		}
	}
	// The warnings only the index knows.
	for attr, want := range map[string]tui.Meta{
		"terraform": {License: "BUSL-1.1", MainProgram: "terraform", Unfree: true},
		"fd":        {Broken: true},
		"openssl":   {Insecure: true},
		"tmux":      {Unavailable: true},
	} {
		if got, err := b.Meta(ctx, attr); err != nil || got != want {
			t.Errorf("from the index, Meta(%s) = %+v, %v; want %+v", attr, got, err, want)
		}
	}
	if _, err := b.Meta(ctx, "nodePackages.prettier"); err == nil {
		t.Error("Meta of a package the index lacks did not ask nix (which cannot evaluate the broken source)")
	}
}

// TestTUIBackendStale: after the lock changes, the index the project used
// before is shown, marked stale, until the new one is built.
func TestTUIBackendStale(t *testing.T) {
	dir := cliProject(t, tuibToml)
	ctx := context.Background()
	b := tuibNew(t, dir)
	if _, err := b.BuildIndex(ctx, nil); err != nil {
		t.Fatalf("BuildIndex: %v", err)
	}
	old, err := b.OpenIndex(ctx)
	if err != nil || old.Stale || old.Missing || old.Count == 0 {
		t.Fatalf("OpenIndex after BuildIndex = %+v, %v; want a current index", old, err)
	}

	cacheAddFakePackage(t, dir)

	b2 := tuibNew(t, dir)
	got, err := b2.OpenIndex(ctx)
	if err != nil || got != (tui.IndexInfo{Count: old.Count, Stale: true}) {
		t.Fatalf("OpenIndex after the lock changed = %+v, %v; want Count %d, Stale", got, err, old.Count)
	}
	res, err := b2.Search(ctx, "rustfmt", 10)
	if err != nil || len(res.Rows) == 0 || res.Rows[0].Pkg.Attr != "rustfmt" {
		t.Errorf("Search rustfmt in the stale index = %v, %v; want rustfmt first", tuibAttrs(res), err)
	}
	res, err = b2.Search(ctx, cacheNewTool, 10)
	if err != nil || slices.Contains(tuibAttrs(res), cacheNewTool) {
		t.Errorf("Search %s in the stale index = %v, %v; want it absent (it came with the new lock)", cacheNewTool, tuibAttrs(res), err)
	}

	var p tuibProgress
	got, err = b2.BuildIndex(ctx, p.report)
	if err != nil {
		t.Fatalf("BuildIndex after the lock changed: %v", err)
	}
	if got != (tui.IndexInfo{Count: old.Count + 1}) {
		t.Errorf("BuildIndex = %+v, want Count %d, current", got, old.Count+1)
	}
	if len(p.get()) == 0 {
		t.Error("BuildIndex reported no progress: it did not evaluate the new nixpkgs")
	}
	res, err = b2.Search(ctx, cacheNewTool, 10)
	if err != nil || len(res.Rows) == 0 || res.Rows[0].Pkg.Attr != cacheNewTool {
		t.Errorf("Search %s after the rebuild = %v, %v; want it first", cacheNewTool, tuibAttrs(res), err)
	}
	if files := cacheFiles(t); len(files) != 2 {
		t.Errorf("index files %v, want the old and the new", files)
	}

	// The project now remembers the new key: a fresh backend is current.
	got, err = tuibNew(t, dir).OpenIndex(ctx)
	if err != nil || got != (tui.IndexInfo{Count: old.Count + 1}) {
		t.Errorf("OpenIndex after the rebuild = %+v, %v; want Count %d, current", got, err, old.Count+1)
	}
}

// TestTUIBackendWithoutNix: no nix and no index; the packages panel still
// works and the index and details say nix is missing.
func TestTUIBackendWithoutNix(t *testing.T) {
	dir := cliProject(t, tuibToml)
	ctx := context.Background()
	cliPathOnly(t, "git")
	b := tuibNew(t, dir)

	got, err := b.OpenIndex(ctx)
	if err != nil || got != (tui.IndexInfo{Missing: true}) {
		t.Errorf("OpenIndex without nix or cache = %+v, %v; want Missing", got, err)
	}
	var p tuibProgress
	_, err = b.BuildIndex(ctx, p.report)
	if !errors.Is(err, tui.ErrNixMissing) || !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("BuildIndex without nix: %v; want tui.ErrNixMissing wrapping exec.ErrNotFound", err)
	}
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("BuildIndex error %q is not one line", err)
	}
	if calls := p.get(); len(calls) != 0 {
		t.Errorf("progress called %v without nix", calls)
	}
	if files := cacheFiles(t); len(files) != 0 {
		t.Errorf("index files %v written without nix", files)
	}
	if _, err := b.Meta(ctx, "cargo-edit"); !errors.Is(err, tui.ErrNixMissing) {
		t.Errorf("Meta without nix: %v; want tui.ErrNixMissing", err)
	}
	if res, err := b.Search(ctx, "cargo", 10); err != nil || len(res.Rows) != 0 {
		t.Errorf("Search without an index = %+v, %v; want no rows", res, err)
	}

	pkgs, err := b.Packages(ctx)
	if want := []tui.Installed{{Attr: "rustc"}, {Attr: "cargo"}, {Attr: "cargo-watch", FromCommand: true}}; err != nil || !slices.Equal(pkgs, want) {
		t.Errorf("Packages without nix = %+v, %v; want %+v", pkgs, err, want)
	}
	if c, err := b.Add(ctx, "jq"); err != nil || c.Bytes == nil || (tui.Change{Attr: c.Attr, Added: c.Added, Unchanged: c.Unchanged, Note: c.Note}) != (tui.Change{Attr: "jq", Added: true}) {
		t.Errorf("Toggle without nix = %+v, %v; want jq added", c, err)
	}
	if m, err := devshell.Find(dir, ""); err != nil {
		t.Fatal(err)
	} else if mf, err := m.ReadManifest(); err != nil || len(mf.Packages()) != 3 || mf.Packages()[2].Attr != "jq" {
		t.Errorf("devshell.toml packages after the add = %+v, %v; want jq last", mf, err)
	}
}

func TestTUISourceLabel(t *testing.T) {
	const hash = "sha256-V1PFcs0AtTht7QFsmWuO9OcalEbMmMGLeJVrBHmTADM="
	date := time.Date(2025, 10, 11, 8, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		src  nixsearch.Source
		date time.Time
		want string
	}{
		{"github lock", nixsearch.Source{Ref: "github:NixOS/nixpkgs/870493f9a8cb0b074ae5b411b2f232015db19a65?narHash=" + hash,
			Origin: "flake.lock", Rev: "870493f9a8cb0b074ae5b411b2f232015db19a65", NarHash: hash}, date,
			"nixpkgs 870493f · 2025-10-11"},
		{"revision without a date", nixsearch.Source{Origin: "flake.lock", Rev: "870493f9a8cb0b074ae5b411b2f232015db19a65", NarHash: hash}, time.Time{},
			"nixpkgs 870493f"},
		{"path below the project", nixsearch.Source{Ref: "path:/src/flynix/fakepkgs?narHash=" + hash, Origin: "flake.lock", NarHash: hash}, date,
			"nixpkgs ./fakepkgs"},
		{"path elsewhere", nixsearch.Source{Ref: "path:/srv/nixpkgs?narHash=" + hash, Origin: "--nixpkgs", NarHash: hash}, time.Time{},
			"nixpkgs /srv/nixpkgs (--nixpkgs)"},
		{"tarball: the hash is all there is", nixsearch.Source{Ref: "https://example.org/nixpkgs.tar.gz?narHash=" + hash, Origin: "flake.lock", NarHash: hash}, date,
			"nixpkgs V1PFcs0"},
		{"registry", nixsearch.Source{Ref: "github:NixOS/nixpkgs/870493f9a8cb0b074ae5b411b2f232015db19a65", Origin: "registry",
			Rev: "870493f9a8cb0b074ae5b411b2f232015db19a65", NarHash: hash}, time.Time{}, "nixpkgs 870493f (registry)"},
	} {
		if got := tuiSourceLabel(c.src, c.date, "/src/flynix"); got != c.want {
			t.Errorf("%s: label %q, want %q", c.name, got, c.want)
		}
	}
}

func TestTUIResolveWithoutLock(t *testing.T) {
	dir := cliProject(t, tuibToml)
	if err := os.Remove(filepath.Join(dir, "flake.lock")); err != nil {
		t.Fatal(err)
	}
	b := tuibNew(t, dir)
	_, err := b.Resolve(context.Background())
	if err == nil || err.Error() != "no flake.lock: run `nix flake lock`, or pass --nixpkgs" {
		t.Fatalf("Resolve without flake.lock: %v; want one line naming the fix", err)
	}
}

// TestTUIBackendUndo: undo gives back the exact bytes when the file still
// has what the change wrote (a removed package returns to its place with
// its comment); when the file changed meanwhile, the inverse edit goes on
// top of the new content.
func TestTUIBackendUndo(t *testing.T) {
	const orig = "[devshell]\npackages = [\n  \"rustc\", # the compiler\n  \"cargo-watch\", # reruns on change\n  \"cargo\",\n]\n"
	dir := cliProject(t, orig)
	toml := filepath.Join(dir, "devshell.toml")
	ctx := context.Background()
	b := tuibNew(t, dir)

	rm, err := b.Remove(ctx, "cargo-watch")
	if err != nil {
		t.Fatal(err)
	}
	back, err := b.Undo(ctx, rm)
	if err != nil {
		t.Fatal(err)
	}
	if got := cliRead(t, toml); got != orig {
		t.Fatalf("after undoing the removal:\n%s\nwant the original bytes:\n%s", got, orig)
	}
	if !back.Exact || !back.Added || back.Attr != "cargo-watch" {
		t.Errorf("undo of the removal = %+v, want cargo-watch added back exactly", back)
	}

	add, err := b.Add(ctx, "jq")
	if err != nil {
		t.Fatal(err)
	}
	// Someone edits the file meanwhile: that edit stays.
	edited := strings.Replace(cliRead(t, toml), "[devshell]\n", "[devshell]\nname = \"edited\"\n", 1)
	cliWrite(t, toml, edited)
	again, err := b.Undo(ctx, add)
	if err != nil {
		t.Fatal(err)
	}
	if again.Exact || again.Added || again.Attr != "jq" {
		t.Errorf("undo after an outside edit = %+v, want jq removed, not exact", again)
	}
	if got, want := cliRead(t, toml), strings.Replace(orig, "[devshell]\n", "[devshell]\nname = \"edited\"\n", 1); got != want {
		t.Fatalf("after undoing on top of an outside edit:\n%s\nwant:\n%s", got, want)
	}
}

// TestTUIBackendCreatesTOML: without devshell.toml the panel is told why
// (tui.ErrNoTOML), and the first add creates the file.
func TestTUIBackendCreatesTOML(t *testing.T) {
	dir := cliProject(t, "")
	ctx := context.Background()
	b := tuibNew(t, dir)
	if _, err := b.Packages(ctx); !errors.Is(err, tui.ErrNoTOML) {
		t.Fatalf("Packages without devshell.toml: %v, want tui.ErrNoTOML", err)
	}
	c, err := b.Add(ctx, "jq")
	if err != nil || !c.Added || c.Unchanged {
		t.Fatalf("first add = %+v, %v", c, err)
	}
	if got, err := b.Packages(ctx); err != nil || len(got) != 1 || got[0].Attr != "jq" {
		t.Fatalf("Packages after the first add = %+v, %v", got, err)
	}
	path := filepath.Join(dir, "devshell.toml")
	created := cliRead(t, path)
	if c.Bytes == nil || !c.Bytes.Created || string(c.Bytes.After) != created {
		t.Fatalf("the first add's bytes = %+v; want Created and After = the file %q", c.Bytes, created)
	}

	// Undoing it while the file holds what the add wrote deletes the file:
	// the project is as before (issue 10: it was left as `packages = []`
	// and the status said the file had changed since).
	u, err := b.Undo(ctx, c)
	if err != nil || !u.Exact || !u.FileGone || u.Added || u.Attr != "jq" {
		t.Fatalf("undo of the add that created the file = %+v, %v; want an exact removal with FileGone", u, err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("devshell.toml after the undo: %v; want it gone", err)
	}
	if _, err := b.Packages(ctx); !errors.Is(err, tui.ErrNoTOML) {
		t.Fatalf("Packages after the undo: %v, want tui.ErrNoTOML", err)
	}
	// Quitting then leaves .envrc alone (a sync would fail reading the
	// missing file, or create an .envrc for nothing).
	if sum, err := b.Sync(ctx); err != nil || sum != "no devshell.toml: .envrc left alone" {
		t.Fatalf("Sync after the undo = %q, %v", sum, err)
	}
	if entries, _ := os.ReadDir(dir); slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return strings.Contains(e.Name(), "devshell.toml") || e.Name() == ".envrc" }) {
		t.Fatalf("a file named after devshell.toml, or an .envrc, is left: %v", entries)
	}

	// Edited since: the inverse edit on what is there, the edit kept.
	c, err = b.Add(ctx, "jq")
	if err != nil || c.Bytes == nil || !c.Bytes.Created {
		t.Fatalf("add after the undo = %+v, %v; want it to create the file again", c, err)
	}
	edited := "# mine\n" + cliRead(t, path)
	cliWrite(t, path, edited)
	u, err = b.Undo(ctx, c)
	if err != nil || u.Exact || u.FileGone || u.Added {
		t.Fatalf("undo after an outside edit = %+v, %v; want the inverse edit", u, err)
	}
	if got := cliRead(t, path); !strings.HasPrefix(got, "# mine\n") || strings.Contains(got, `"jq"`) {
		t.Fatalf("devshell.toml after the inverse edit:\n%s\nwant the comment kept and jq removed", got)
	}
}

// TestTUIBackendPartialIndex: with no index yet, a build in three nix
// processes makes the shards finished so far searchable: while it runs,
// progress reports Indexed packages and Search answers from exactly
// those; at the end the whole index is searched. DEVSH_INDEX_PROCS sets the
// process count.
func TestTUIBackendPartialIndex(t *testing.T) {
	dir := cliProject(t, tuibToml)
	t.Setenv("DEVSH_INDEX_PROCS", "3")
	ctx := context.Background()
	b := tuibNew(t, dir)
	if info, err := b.OpenIndex(ctx); err != nil || !info.Missing {
		t.Fatalf("OpenIndex = %+v, %v; want no index yet", info, err)
	}
	var mu sync.Mutex
	var seen []int // Indexed values that were searched
	got, err := b.BuildIndex(ctx, func(p tui.BuildProgress) {
		if p.Indexed == 0 {
			return
		}
		res, err := b.Search(ctx, "", 1000)
		mu.Lock()
		defer mu.Unlock()
		if err != nil || res.Total != p.Indexed {
			t.Errorf("during the build, Search(\"\") = %d packages, %v; want the %d indexed", res.Total, err, p.Indexed)
		}
		seen = append(seen, p.Indexed)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 || seen[len(seen)-1] >= got.Count {
		t.Errorf("partial results %v during a build of %d packages, want some, each fewer", seen, got.Count)
	}
	if res, err := b.Search(ctx, "", 1000); err != nil || res.Total != got.Count {
		t.Errorf("after the build Search(\"\") = %d, %v; want %d", res.Total, err, got.Count)
	}

	t.Setenv("DEVSH_INDEX_PROCS", "none")
	if _, err := tuibNew(t, dir).BuildIndex(ctx, nil); err == nil || !strings.Contains(err.Error(), "DEVSH_INDEX_PROCS") {
		t.Errorf("BuildIndex with a bad DEVSH_INDEX_PROCS: %v, want an error naming it", err)
	}
}

// TestTUIBackendPartialMetaRunsNoNix: while the index builds, the detail
// pane of a row from a shard already indexed shows that row's meta from
// the partial index (flags included) and asks nix nothing; only a package
// the index lacks is looked up with nix. Nix.Meta's runs are told apart
// from the build's by their --apply expression, and the last lookup shows
// that this tells them.
func TestTUIBackendPartialMetaRunsNoNix(t *testing.T) {
	dir := cliProject(t, tuibToml)
	t.Setenv("DEVSH_INDEX_PROCS", "3")
	ctx := context.Background()
	rec := &runtest.Recorder{}
	b := tuibNewWith(t, dir, rec)
	metaRuns := func() int {
		n := 0
		for _, args := range rec.Runs() {
			if k := slices.Index(args, "--apply"); k >= 0 && k+1 < len(args) && strings.Contains(args[k+1], "mainProgram = field") {
				n++
			}
		}
		return n
	}
	checked, flagged, last := 0, 0, 0
	got, err := b.BuildIndex(ctx, func(p tui.BuildProgress) {
		if p.Indexed == 0 || p.Indexed == last {
			return
		}
		last = p.Indexed
		res, err := b.Search(ctx, "", 1000)
		if err != nil {
			t.Errorf("Search during the build: %v", err)
			return
		}
		for _, row := range res.Rows {
			pk := row.Pkg
			want := tui.Meta{Homepage: pk.Homepage, License: pk.License, MainProgram: pk.MainProgram,
				Unfree: pk.Unfree, Broken: pk.Broken, Insecure: pk.Insecure, Unavailable: pk.Unavailable}
			if m, err := b.Meta(ctx, pk.Attr); err != nil || m != want {
				t.Errorf("during the build (%d indexed), Meta(%s) = %+v, %v; want the index's %+v", p.Indexed, pk.Attr, m, err, want)
			}
			checked++
			if pk.Unfree || pk.Broken || pk.Insecure || pk.Unavailable {
				flagged++
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 || last >= got.Count {
		t.Fatalf("checked %d rows of partial indexes (last %d packages) in a build of %d; want some, before the end", checked, last, got.Count)
	}
	t.Logf("%d rows checked during the build, %d with a flag only the index knows", checked, flagged)
	if n := metaRuns(); n != 0 {
		t.Errorf("Meta ran nix %d times for rows of the partial index", n)
	}
	if _, err := b.Meta(ctx, "nodePackages.prettier"); err != nil {
		t.Fatalf("Meta(nodePackages.prettier), not in the index: %v", err)
	}
	if n := metaRuns(); n != 1 {
		t.Errorf("Meta of a package the index lacks: %d nix runs told as Meta's, want 1", n)
	}
}

// TestTUIBackendTwins: with the real nix on the fixture, where
// cargo-edit-alias is cargo-edit, Twins answers both ways in one nix eval
// and from memory the next time; a name without namesakes runs no nix. An
// add of the twin then changes nothing.
func TestTUIBackendTwins(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo-edit\"]\n")
	ctx := context.Background()
	rec := &runtest.Recorder{}
	b := tuibNewWith(t, dir, rec)
	if _, err := b.BuildIndex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"cargo-edit": {"cargo-edit-alias"}, "cargo-edit-alias": {"cargo-edit"}}
	rec.Take()
	for range 2 {
		got, err := b.Twins(ctx, []string{"cargo-edit", "jq"})
		if err != nil || !maps.EqualFunc(got, want, slices.Equal[[]string]) {
			t.Fatalf("Twins = %v, %v; want %v", got, err, want)
		}
	}
	if runs := rec.Take(); len(runs) != 1 || runs[0][0] != "nix" {
		t.Errorf("runs = %q, want one nix eval for both asks", runs)
	}
	if got, err := b.Twins(ctx, []string{"jq"}); got != nil || err != nil || rec.Count() != 0 {
		t.Errorf("Twins(jq) = %v, %v with %d runs; want nothing, no nix", got, err, rec.Count())
	}
	c, err := b.Add(ctx, "cargo-edit-alias")
	if err != nil || !c.Unchanged {
		t.Errorf("Add(cargo-edit-alias) = %+v, %v; want unchanged", c, err)
	}
	cliWantTOML(t, dir, "[devshell]\npackages = [\"cargo-edit\"]\n")
}
