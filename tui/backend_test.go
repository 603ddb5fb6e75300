package tui

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/devsh/devsh/nixsearch"
)

// memBackend is the TUI's seam for model tests: an in-memory package index
// and an in-memory devshell.toml package list stand in for the nixsearch
// and devshell packages behind the Backend interface. The behaviour of the
// real TOML editor, nix and direnv is tested in those packages, and the
// whole binary is run end to end (real nix, real direnv, in tmux) by the
// lead's test in cmd/devsh. Failures that nix or direnv would produce are
// injected through the *Err fields.
type memBackend struct {
	mu sync.Mutex
	// also gives rows their other names (Row.Also), as alias sets do.
	also map[string][]string
	// twins is what nix would say of the derivations (Twins: name → the
	// other names of its derivation), twinsErr its failure; twinsAsked
	// records the names of each ask.
	twins      map[string][]string
	twinsErr   error
	twinsAsked [][]string

	project ProjectInfo
	// source and resolveErr are Resolve's answer, warning Warning's.
	source     string
	resolveErr error
	warning    string
	index      []memEntry
	installed  []Installed
	meta       map[string]Meta

	info     IndexInfo
	pkgErr   error // Packages' error, e.g. invalid TOML
	openErr  error
	buildErr error
	syncErr  error
	metaErr  error
	// noFile stands for a project without devshell.toml: Packages says
	// ErrNoTOML, the first add creates the file, and its exact undo
	// deletes it again.
	noFile bool
	// buildTo is the index a build produces; buildSteps the progress
	// counts it reports.
	buildTo    []nixsearch.Package
	buildSteps []int
	// gate, when set, holds OpenIndex until it is closed; buildGate holds
	// BuildIndex after its progress reports.
	gate      chan struct{}
	buildGate chan struct{}
	// searchCtxErrs records ctx.Err() as each Search starts.
	searchCtxErrs []error

	calls []string
}

// memEntry is an indexed package with its lower-case attribute.
type memEntry struct {
	pkg   nixsearch.Package
	lower string
}

func newMemBackend(pkgs []nixsearch.Package, installed ...string) *memBackend {
	b := &memBackend{
		project: ProjectInfo{Dir: "~/src/flynix", TOMLName: "devshell.toml"},
		source:  "nixpkgs 870493f · 2025-10-11",
		meta:    map[string]Meta{},
	}
	b.setIndex(pkgs)
	b.info = IndexInfo{Count: len(pkgs)}
	for _, a := range installed {
		b.installed = append(b.installed, Installed{Attr: a})
	}
	return b
}

func (b *memBackend) setIndex(pkgs []nixsearch.Package) {
	b.index = make([]memEntry, len(pkgs))
	for i, p := range pkgs {
		b.index[i] = memEntry{pkg: p, lower: strings.ToLower(p.Attr)}
	}
}

func (b *memBackend) log(format string, args ...any) {
	b.calls = append(b.calls, fmt.Sprintf(format, args...))
}

// callLog returns the calls made so far, in order, except searches,
// metadata fetches and package reads (which are many and checked
// otherwise).
func (b *memBackend) callLog() []string {
	var out []string
	for _, c := range b.allCalls() {
		if !strings.HasPrefix(c, "search ") && !strings.HasPrefix(c, "meta ") && c != "packages" {
			out = append(out, c)
		}
	}
	return out
}

// allCalls returns every call made so far, in order.
func (b *memBackend) allCalls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.calls)
}

func (b *memBackend) attrs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, it := range b.installed {
		out = append(out, it.Attr)
	}
	return out
}

func (b *memBackend) Project() ProjectInfo { return b.project }

func (b *memBackend) Resolve(ctx context.Context) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.source, b.resolveErr
}

func (b *memBackend) Warning(ctx context.Context) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.warning
}

func (b *memBackend) Packages(ctx context.Context) ([]Installed, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log("packages")
	if b.pkgErr != nil {
		return nil, b.pkgErr
	}
	if b.noFile {
		return nil, fmt.Errorf("%w: devshell.toml: no such file", ErrNoTOML)
	}
	out := slices.Clone(b.installed)
	// Like the real backend: versions and descriptions from the index.
	for i := range out {
		for _, e := range b.index {
			if e.pkg.Attr == out[i].Attr {
				out[i].Version, out[i].Description = e.pkg.Version, e.pkg.Description
			}
		}
	}
	return out, nil
}

func (b *memBackend) toggle(ctx context.Context, attr string, add bool) (c Change, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if add {
		b.log("add %s", attr)
	} else {
		b.log("remove %s", attr)
	}
	before, created := memRender(b.installed), add && b.noFile
	if created {
		before = nil
		b.noFile = false
	}
	defer func() {
		if c.Attr != "" && !c.Unchanged && err == nil {
			c.Bytes = &FileBytes{Before: before, After: memRender(b.installed), Created: created}
		}
	}()
	i := slices.IndexFunc(b.installed, func(it Installed) bool { return it.Attr == attr })
	switch {
	case add && i >= 0:
		return Change{Attr: attr, Added: true, Unchanged: true}, nil
	case add:
		b.installed = append(b.installed, Installed{Attr: attr})
	case i < 0:
		return Change{Attr: attr, Unchanged: true}, nil
	case b.installed[i].FromCommand:
		return Change{}, fmt.Errorf("%s is provided by a [[commands]] entry", attr)
	default:
		b.installed = slices.Delete(b.installed, i, i+1)
	}
	return Change{Attr: attr, Added: add}, nil
}

// Add implements tui.Backend.
func (b *memBackend) Add(ctx context.Context, attr string) (Change, error) {
	return b.toggle(ctx, attr, true)
}

// Remove implements tui.Backend.
func (b *memBackend) Remove(ctx context.Context, attr string) (Change, error) {
	return b.toggle(ctx, attr, false)
}

// memRender is the memBackend's "file": its packages, one a line, with
// FromCommand marked, so that Undo can compare and restore it exactly.
func memRender(items []Installed) []byte {
	var s strings.Builder
	for _, it := range items {
		s.WriteString(it.Attr)
		if it.FromCommand {
			s.WriteString(" cmd")
		}
		s.WriteByte('\n')
	}
	return []byte(s.String())
}

// memParse is memRender's inverse.
func memParse(data []byte) []Installed {
	var out []Installed
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if l == "" {
			continue
		}
		attr, cmd := strings.CutSuffix(l, " cmd")
		out = append(out, Installed{Attr: attr, FromCommand: cmd})
	}
	return out
}

func (b *memBackend) Undo(ctx context.Context, c Change) (Change, error) {
	b.mu.Lock()
	if fb := c.Bytes; fb != nil && fb.Created && !b.noFile && string(memRender(b.installed)) == string(fb.After) {
		defer b.mu.Unlock()
		b.log("undo %s", c.Attr)
		b.installed, b.noFile = nil, true
		return Change{Attr: c.Attr, Added: !c.Added, Exact: true, FileGone: true}, nil
	}
	if fb := c.Bytes; fb != nil && fb.Before != nil && string(memRender(b.installed)) == string(fb.After) {
		defer b.mu.Unlock()
		b.log("undo %s", c.Attr)
		b.installed = memParse(fb.Before)
		return Change{Attr: c.Attr, Added: !c.Added, Exact: true}, nil
	}
	b.mu.Unlock()
	return b.toggle(ctx, c.Attr, !c.Added)
}

func (b *memBackend) Sync(ctx context.Context) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log("sync")
	if b.syncErr != nil {
		return "", b.syncErr
	}
	return ".envrc watches devshell.toml; direnv reloaded", nil
}

func (b *memBackend) OpenIndex(ctx context.Context) (IndexInfo, error) {
	if b.gate != nil {
		<-b.gate
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log("open")
	return b.info, b.openErr
}

func (b *memBackend) BuildIndex(ctx context.Context, progress func(BuildProgress)) (IndexInfo, error) {
	b.mu.Lock()
	steps, to, err := b.buildSteps, b.buildTo, b.buildErr
	b.log("build")
	b.mu.Unlock()
	for _, n := range steps {
		progress(BuildProgress{Evaluated: n})
	}
	if b.buildGate != nil {
		select {
		case <-b.buildGate:
		case <-ctx.Done():
			return IndexInfo{}, ctx.Err()
		}
	}
	if err != nil {
		return IndexInfo{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setIndex(to)
	b.info = IndexInfo{Count: len(to)}
	return b.info, nil
}

func (b *memBackend) Search(ctx context.Context, query string, limit int) (Results, error) {
	b.mu.Lock()
	index := b.index
	b.log("search %q", query)
	b.searchCtxErrs = append(b.searchCtxErrs, ctx.Err())
	also := b.also
	b.mu.Unlock()
	res := memSearch(index, query, limit)
	for i := range res.Rows {
		res.Rows[i].Also = also[res.Rows[i].Pkg.Attr]
	}
	return res, nil
}

func (b *memBackend) SearchDescriptions(ctx context.Context, query string, limit int) (Results, error) {
	b.mu.Lock()
	index := b.index
	b.log("search descriptions %q", query)
	b.searchCtxErrs = append(b.searchCtxErrs, ctx.Err())
	b.mu.Unlock()
	return memSearchDescriptions(index, query, limit), nil
}

// memSearchDescriptions is the tests' description search: every word a
// case-insensitive substring of the attribute or the description, in index
// order.
func memSearchDescriptions(index []memEntry, query string, limit int) Results {
	res := Results{Query: query}
	words := strings.Fields(strings.ToLower(query))
	for _, e := range index {
		text := e.lower + " " + strings.ToLower(e.pkg.Description)
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(text, w)
		}
		if !ok {
			continue
		}
		res.Total++
		if len(res.Rows) < limit {
			res.Rows = append(res.Rows, Row{Pkg: e.pkg})
		}
	}
	return res
}

func (b *memBackend) Meta(ctx context.Context, attr string) (Meta, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log("meta %s", attr)
	if b.metaErr != nil {
		return Meta{}, b.metaErr
	}
	return b.meta[attr], nil
}

func (b *memBackend) Twins(ctx context.Context, names []string) (map[string][]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.twinsAsked = append(b.twinsAsked, names)
	if b.twinsErr != nil {
		return nil, b.twinsErr
	}
	ask := map[string][]string{}
	for _, n := range names {
		ask[n] = b.twins[n]
	}
	return nixsearch.TwinsBothWays(ask), nil
}

// memSearch is a small but real matcher for the tests: the query's
// characters must appear in order in the attribute (case-insensitive). A
// contiguous match scores above a scattered one, an earlier match above a
// later one, a shorter attribute above a longer one; ties keep index order.
// It keeps the best limit rows in a min-heap.
func memSearch(index []memEntry, query string, limit int) Results {
	res := Results{Query: query}
	if query == "" {
		res.Total = len(index)
		for _, e := range index[:min(limit, len(index))] {
			res.Rows = append(res.Rows, Row{Pkg: e.pkg})
		}
		return res
	}
	q := strings.ToLower(query)
	top := &memTop{}
	for i, e := range index {
		score, ok := memScore(e.lower, q)
		if !ok {
			continue
		}
		res.Total++
		s := memScored{score: score, i: i}
		if top.Len() < limit {
			heap.Push(top, s)
		} else if top.less(top.s[0], s) {
			top.s[0] = s
			heap.Fix(top, 0)
		}
	}
	best := top.s
	slices.SortFunc(best, func(a, b memScored) int {
		if top.less(a, b) {
			return 1
		}
		return -1
	})
	for _, s := range best {
		e := index[s.i]
		res.Rows = append(res.Rows, Row{Pkg: e.pkg, Positions: memPositions(e.lower, q)})
	}
	return res
}

type memScored struct{ score, i int }

// memTop is a min-heap of the best matches: the worst kept one on top.
type memTop struct{ s []memScored }

// less orders worse before better: lower score, or later in the index.
func (t *memTop) less(a, b memScored) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.i > b.i
}
func (t *memTop) Len() int           { return len(t.s) }
func (t *memTop) Less(i, j int) bool { return t.less(t.s[i], t.s[j]) }
func (t *memTop) Swap(i, j int)      { t.s[i], t.s[j] = t.s[j], t.s[i] }
func (t *memTop) Push(x any)         { t.s = append(t.s, x.(memScored)) }
func (t *memTop) Pop() any {
	x := t.s[len(t.s)-1]
	t.s = t.s[:len(t.s)-1]
	return x
}

// memScore scores attr (lower case) for q (lower case).
func memScore(attr, q string) (int, bool) {
	if i := strings.Index(attr, q); i >= 0 {
		score := 10_000 - 10*i - len(attr)
		if len(attr) == len(q) {
			score += 5_000
		}
		return score, true
	}
	j, gaps := 0, 0
	for i := 0; i < len(attr) && j < len(q); i++ {
		if attr[i] == q[j] {
			j++
		} else if j > 0 {
			gaps++
		}
	}
	if j < len(q) {
		return 0, false
	}
	return 1_000 - gaps - len(attr), true
}

// memPositions returns the byte offsets of q's characters in attr.
func memPositions(attr, q string) []int {
	if i := strings.Index(attr, q); i >= 0 {
		pos := make([]int, len(q))
		for k := range pos {
			pos[k] = i + k
		}
		return pos
	}
	var pos []int
	j := 0
	for i := 0; i < len(attr) && j < len(q); i++ {
		if attr[i] == q[j] {
			pos = append(pos, i)
			j++
		}
	}
	return pos
}

// testPackages is a small index like the fixture flake's.
func testPackages() []nixsearch.Package {
	p := func(attr, version, desc string) nixsearch.Package {
		pname := attr
		if i := strings.LastIndexByte(attr, '.'); i >= 0 {
			pname = attr[i+1:]
		}
		return nixsearch.Package{Attr: attr, Pname: pname, Version: version, Description: desc}
	}
	return []nixsearch.Package{
		p("cargo", "1.89.0", "Downloads your Rust project's dependencies and builds your project"),
		p("cargo-audit", "0.21.2", "Audit Cargo.lock files for crates with security vulnerabilities"),
		p("cargo-edit", "0.13.7", "Utility for managing cargo dependencies from the command line"),
		p("cargo-edit-unwrapped", "0.13.7", "Utility for managing cargo dependencies from the command line (unwrapped)"),
		p("cargo-watch", "8.5.3", "Cargo subcommand for watching over Cargo project's source"),
		p("cargo-nextest", "0.9.92", "Next-generation test runner for Rust projects"),
		p("rustc", "1.89.0", "Safe, concurrent, practical language (wrapper script)"),
		p("rustfmt", "1.89.0", "Tool for formatting Rust code according to style guidelines"),
		p("rust-analyzer", "2025-08-25", "Modular compiler frontend for the Rust language"),
		p("flyctl", "0.3.172", "Command line tools for fly.io services"),
		p("go", "1.25.0", "Go Programming language"),
		p("gopls", "0.20.0", "Official language server for the Go language"),
		p("nodejs", "22.18.0", "Event-driven I/O framework for the V8 JavaScript engine"),
		p("python3", "3.13.6", "High-level dynamically-typed programming language"),
		p("python3Packages.requests", "2.32.4", "HTTP library for Python"),
		p("python3Packages.black", "25.1.0", "Uncompromising Python code formatter"),
		p("ripgrep", "14.1.1", "Utility that combines the usability of The Silver Searcher with the raw speed of grep"),
		p("fd", "10.2.0", "Simple, fast and user-friendly alternative to find"),
		p("jq", "1.8.1", "Lightweight and flexible command-line JSON processor"),
		p("shellcheck", "0.11.0", "Shell script analysis tool"),
		p("direnv", "2.37.1", "Shell extension that manages your environment"),
		p("git", "2.50.1", "Distributed version control system"),
		p("tmux", "3.5a", "Terminal multiplexer"),
		p("hyperfine", "1.19.0", "Command-line benchmarking tool"),
		p("postgresql", "17.5", "Powerful, open source object-relational database system"),
		p("redis", "8.0.3", "Open source, advanced key-value store"),
	}
}

// testMeta is the metadata the tests' backend knows.
func testMeta() map[string]Meta {
	return map[string]Meta{
		"cargo-edit":               {Homepage: "https://github.com/killercup/cargo-edit", License: "MIT", MainProgram: "cargo-add"},
		"cargo":                    {Homepage: "https://crates.io", License: "MIT OR Apache-2.0", MainProgram: "cargo"},
		"python3Packages.requests": {Homepage: "https://requests.readthedocs.io", License: "Apache-2.0"},
		"hyperfine":                {License: "unfree", Unfree: true, Broken: true, Insecure: true, Unavailable: true},
	}
}

// testAttrs lists the attributes of testPackages.
func testAttrs() []string {
	var out []string
	for _, p := range testPackages() {
		out = append(out, p.Attr)
	}
	return out
}
