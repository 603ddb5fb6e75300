package nixsearch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devsh/devsh/internal/proctest"
)

// buildPackages lists an index's packages.
func buildPackages(ix *Index) []Package {
	out := make([]Package, ix.Len())
	for i := range out {
		out[i] = ix.At(i)
	}
	return out
}

// buildSearchFields keeps what nix search prints of each package.
func buildSearchFields(pkgs []Package) []Package {
	out := make([]Package, len(pkgs))
	for i, p := range pkgs {
		out[i] = Package{Attr: p.Attr, Pname: p.Pname, Version: p.Version, Description: p.Description}
	}
	return out
}

// buildWriteFlake writes a flake at dir whose legacyPackages.<system> holds
// pkgs (nested attributes as sets with recurseForDerivations) as fake
// derivations: name pname-version, meta.description, and, from the
// package, mainProgram, license (spdxId; "unfree" gets free = false),
// broken, knownVulnerabilities and platforms (none of this system's when
// Unavailable). extra is Nix code added to the top-level set.
func buildWriteFlake(t testing.TB, dir string, pkgs []Package, extra string) {
	t.Helper()
	type node struct {
		kids map[string]*node
		pkg  *Package
	}
	root := &node{kids: map[string]*node{}}
	for i := range pkgs {
		n := root
		for _, seg := range strings.Split(pkgs[i].Attr, ".") {
			if n.kids[seg] == nil {
				n.kids[seg] = &node{kids: map[string]*node{}}
			}
			n = n.kids[seg]
		}
		n.pkg = &pkgs[i]
	}
	var b strings.Builder
	b.WriteString(`{
  outputs = { self }:
    let
      pkgsFor = system:
        let
          mk = name: description: meta: derivation { inherit system name; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; }
            // { meta = { inherit description; } // meta; };
        in {
`)
	var write func(n *node, depth int)
	write = func(n *node, depth int) {
		names := make([]string, 0, len(n.kids))
		for k := range n.kids {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			c := n.kids[k]
			b.WriteString(strings.Repeat(" ", depth))
			b.WriteString(nixStringLiteral(k))
			b.WriteString(" = ")
			if p := c.pkg; p != nil {
				name := p.Pname
				if p.Version != "" {
					name += "-" + p.Version
				}
				var meta []string
				if p.MainProgram != "" {
					meta = append(meta, "mainProgram = "+nixStringLiteral(p.MainProgram)+";")
				}
				if p.License != "" {
					free := "true"
					if p.Unfree {
						free = "false"
					}
					meta = append(meta, "license = { spdxId = "+nixStringLiteral(p.License)+"; free = "+free+"; };")
				}
				if p.Homepage != "" {
					meta = append(meta, "homepage = "+nixStringLiteral(p.Homepage)+";")
				}
				if p.Broken {
					meta = append(meta, "broken = true;")
				}
				if p.Insecure {
					meta = append(meta, `knownVulnerabilities = [ "CVE" ];`)
				}
				if p.Unavailable {
					meta = append(meta, `platforms = [ "no-such-system" ];`)
				}
				fmt.Fprintf(&b, "mk %s %s { %s };\n", nixStringLiteral(name), nixStringLiteral(p.Description), strings.Join(meta, " "))
				continue
			}
			b.WriteString("{ recurseForDerivations = true;\n")
			write(c, depth+1)
			b.WriteString(strings.Repeat(" ", depth) + "};\n")
		}
	}
	write(root, 10)
	b.WriteString(extra)
	b.WriteString(`        };
    in {
      legacyPackages.x86_64-linux = pkgsFor "x86_64-linux";
      legacyPackages.aarch64-linux = pkgsFor "aarch64-linux";
    };
}
`)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// buildGenPackages is n generated packages with meta: every third has a
// main program, every fourth a licence (every 40th unfree), a few are
// broken, insecure or unavailable here.
func buildGenPackages(n int) []Package {
	return buildDecorate(genPackages(n))
}

// buildDecorate gives pkgs the meta buildGenPackages describes.
func buildDecorate(pkgs []Package) []Package {
	for i := range pkgs {
		p := &pkgs[i]
		if i%3 == 0 {
			p.MainProgram = p.Attr[strings.LastIndexByte(p.Attr, '.')+1:]
		}
		if i%4 == 0 {
			p.License = "MIT"
			if i%40 == 0 {
				p.License, p.Unfree = "unfree", true
			}
		}
		if i%7 == 0 {
			p.Homepage = "https://example.org/" + p.Attr
		}
		p.Broken = i%97 == 0
		p.Insecure = i%89 == 0
		p.Unavailable = i%83 == 0
	}
	return pkgs
}

// buildExtraAttrs are top-level attributes nix search must skip or keep:
// an alias that throws, an assertion, a set without
// recurseForDerivations, a non-derivation value, a derivation whose
// description is not a string (skipped), and one whose meta throws
// (skipped: nix search reads meta.description).
const buildExtraAttrs = `
          zz-removed = throw "removed";
          zz-assert = assert system == "none"; mk "zz-assert-1" "" { };
          zz-hidden = { inner = mk "inner-1" "" { }; };
          zz-value = 42;
          zz-baddesc = (mk "zz-baddesc-1" "" { }) // { meta.description = 1; };
          zz-throwmeta = (mk "zz-throwmeta-1" "" { }) // { meta = throw "no meta"; };
          zz-throwlicense = mk "zz-throwlicense-1.0" "kept" { license = throw "no licence"; mainProgram = "tl"; };
` + buildAliasAttrs

// buildAliasAttrs are top-level sets of one family (zzpyPackages) for the
// alias-set search: zzpy1Packages, and zzpy2Packages and zzpy3Packages
// (the same set) are listed; zzpyPackages, not entered by nix search, is
// zzpy2Packages (and so zzpy3Packages: the first in attribute order is
// taken). Their names hash into different shards.
const buildAliasAttrs = `
          inherit (let
            one = { recurseForDerivations = true; a = mk "zzpy-a-1" "one's a" { }; b = mk "zzpy-b-1" "one's b" { }; };
            two = { recurseForDerivations = true; a = mk "zzpy-a-2" "two's a" { }; b = mk "zzpy-b-2" "two's b" { }; c = mk "zzpy-c-2" "two's c" { }; };
          in { zzpy1Packages = one; zzpy2Packages = two; zzpy3Packages = two; zzpyPackages = two // { recurseForDerivations = false; }; })
            zzpy1Packages zzpy2Packages zzpy3Packages zzpyPackages;
`

// buildWantAliases is what Nix.AliasSets finds for buildAliasAttrs.
var buildWantAliases = map[string]string{"zzpyPackages": "zzpy2Packages"}

// TestBuildIndexMatchesNixSearch: on the fixture nixpkgs, on a generated
// flake of 3,000 packages in nested sets, on a flake with packages.<system>
// only (pkgsonly) and on one with both sets (bothsets), the index build
// (unsharded and in 2, 3 and 5 processes) lists exactly what one plain
// `nix search` lists (legacyPackages' entry where both sets have an
// attribute), and all builds are identical, meta included, alias sets too
// (the shards find them in the same nix processes, and they equal what
// Nix.AliasSets finds after nix search); so is a build of the generated
// flake whose shards are planned from a previous index.
func TestBuildIndexMatchesNixSearch(t *testing.T) {
	env := newNixTestEnv(t, []string{"nixpkgs", "pkgsonly", "bothsets"}, nil)
	gen := buildGenPackages(3000)
	buildWriteFlake(t, filepath.Join(env.dir, "gen"), gen, buildExtraAttrs)
	ctx := context.Background()
	// What the index holds of the flakes with packages.<system>, written out
	// (the comparison with nix search alone would pass were both wrong the
	// same way): pkgsonly has packages.<system> only; in bothsets an
	// attribute of both sets is legacyPackages', and nix search descends
	// into a recurseForDerivations set under legacyPackages only.
	wantPkgs := map[string][]Package{
		"pkgsonly": {
			{Attr: "alpha", Pname: "alpha", Version: "1.0", Description: "The alpha tool"},
			{Attr: "beta", Pname: "beta", Version: "2.0", Description: "The beta tool"},
		},
		"bothsets": {
			{Attr: "aardvark", Pname: "aardvark", Version: "1.0", Description: "in legacyPackages only"},
			{Attr: "beta", Pname: "beta", Version: "2.0", Description: "in packages only"},
			{Attr: "default", Pname: "beta", Version: "2.0", Description: "in packages only"},
			{Attr: "shared", Pname: "shared", Version: "1.0", Description: "shared, from legacyPackages"},
			{Attr: "tools.lint", Pname: "lint", Version: "0.1", Description: "nested under legacyPackages"},
			{Attr: "zebra", Pname: "zebra", Version: "3.0", Description: "in both, from legacyPackages"},
		},
	}
	for _, fixture := range []string{"nixpkgs", "gen", "pkgsonly", "bothsets"} {
		src := env.source(fixture)
		found, err := env.nix.Search(ctx, src, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The unsharded search as an index: of an attribute in both sets,
		// the legacyPackages one (Search lists it first, NewIndex keeps
		// the first).
		plain := buildSearchFields(buildPackages(NewIndex(found)))
		wantAliases, err := env.nix.AliasSets(ctx, src, NewIndex(found))
		if err != nil {
			t.Fatal(err)
		}
		if fixture == "gen" && !maps.Equal(wantAliases, buildWantAliases) {
			t.Errorf("gen: AliasSets after nix search = %v, want %v", wantAliases, buildWantAliases)
		}
		var unsharded []Package
		for _, procs := range []int{1, 2, 3, 5} {
			runs := env.runner.Count()
			ix, err := env.nix.BuildIndex(ctx, src, BuildOptions{Procs: procs})
			if err != nil {
				t.Fatalf("%s, %d procs: %v", fixture, procs, err)
			}
			if n, shards := env.runner.Count()-runs, len(planShards(procs, nil)); n != shards {
				t.Errorf("%s, %d procs: %d nix runs for %d shards, want one each and none for the alias sets", fixture, procs, n, shards)
			}
			if got := ix.AliasSets(); !maps.Equal(got, wantAliases) {
				t.Errorf("%s, %d procs: alias sets %v, want %v (as Nix.AliasSets finds them)", fixture, procs, got, wantAliases)
			}
			got := buildPackages(ix)
			if !slices.Equal(buildSearchFields(got), plain) {
				t.Errorf("%s, %d procs: %d packages differ from nix search's %d (%d before duplicates were dropped)", fixture, procs, len(got), len(plain), len(found))
				buildDiff(t, buildSearchFields(got), plain)
			}
			if ix.MetaMissing() != "" {
				t.Errorf("%s, %d procs: MetaMissing() = %q", fixture, procs, ix.MetaMissing())
			}
			if want, ok := wantPkgs[fixture]; ok && !slices.Equal(buildSortedByAttr(buildSearchFields(got)), want) {
				t.Errorf("%s, %d procs: index holds %+v, want %+v", fixture, procs, buildSearchFields(got), want)
			}
			if procs == 1 {
				unsharded = got
			} else if !slices.Equal(got, unsharded) {
				t.Errorf("%s: the build in %d processes differs from the unsharded one", fixture, procs)
				buildDiff(t, got, unsharded)
			}
		}
		if fixture == "gen" {
			// Planned from a previous index: sets the table does not know
			// as their own items (one missing from this flake), and the
			// table's rPackages, small here, hashed into the buckets.
			hint := buildHintIndex(gen, "gnomeExtensions", "xorg", "goneSet")
			for _, procs := range []int{2, 3} {
				var named []string
				for _, sh := range planShards(procs, hint) {
					named = append(named, sh.Names...)
				}
				slices.Sort(named)
				if want := []string{"gnomeExtensions", "goneSet", "xorg"}; !slices.Equal(named, want) {
					t.Fatalf("%d procs with the hint: the shards name %v, want %v", procs, named, want)
				}
				ix, err := env.nix.BuildIndex(ctx, src, BuildOptions{Procs: procs, Hint: hint})
				if err != nil {
					t.Fatalf("%s, %d procs, hint: %v", fixture, procs, err)
				}
				if got := buildPackages(ix); !slices.Equal(got, unsharded) {
					t.Errorf("%s: the build in %d processes planned from a previous index differs from the unsharded one", fixture, procs)
					buildDiff(t, got, unsharded)
				}
				if got := ix.AliasSets(); !maps.Equal(got, wantAliases) {
					t.Errorf("%s, %d procs, hint: alias sets %v, want %v", fixture, procs, got, wantAliases)
				}
			}
			// The generated meta survives (the extra attributes aside).
			ix := NewIndex(unsharded)
			for _, want := range gen {
				if got, ok := ix.Lookup(want.Attr); !ok || got != want {
					t.Errorf("%s = %+v, want %+v", want.Attr, got, want)
					break
				}
			}
			if p, _ := ix.Lookup("zz-throwlicense"); p.Description != "kept" || p.MainProgram != "tl" || p.License != "" {
				t.Errorf("a licence that throws: %+v, want the package with an empty licence", p)
			}
		}
	}
}

// buildSortedByAttr returns pkgs sorted by attribute path.
func buildSortedByAttr(pkgs []Package) []Package {
	out := slices.Clone(pkgs)
	slices.SortFunc(out, func(a, b Package) int { return strings.Compare(a.Attr, b.Attr) })
	return out
}

// buildHintIndex is a previous index for planning: pkgs plus
// nixShardBigSetMin made-up members of each of sets, so that they count as
// big nested sets.
func buildHintIndex(pkgs []Package, sets ...string) *Index {
	out := slices.Clone(pkgs)
	for _, set := range sets {
		for i := range nixShardBigSetMin {
			out = append(out, Package{Attr: fmt.Sprintf("%s.hint-%d", set, i), Pname: "hint", Version: "1"})
		}
	}
	return NewIndex(out)
}

func buildDiff(t *testing.T, got, want []Package) {
	t.Helper()
	g, w := map[string]Package{}, map[string]Package{}
	for _, p := range got {
		g[p.Attr] = p
	}
	for _, p := range want {
		w[p.Attr] = p
	}
	n := 0
	for a, p := range w {
		if q, ok := g[a]; !ok || q != p {
			if n++; n <= 5 {
				t.Logf("  %s: got %+v, want %+v", a, q, p)
			}
		}
	}
	for a, p := range g {
		if _, ok := w[a]; !ok {
			if n++; n <= 10 {
				t.Logf("  extra %s: %+v", a, p)
			}
		}
	}
}

// TestBuildIndexFixtureMeta: the meta of the fixture nixpkgs, as the index
// holds it.
func TestBuildIndexFixtureMeta(t *testing.T) {
	env := newNixTestEnv(t, []string{"nixpkgs"}, nil)
	ix, err := env.nix.BuildIndex(context.Background(), env.source("nixpkgs"), BuildOptions{Procs: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []Package{
		{Attr: "ripgrep", MainProgram: "rg", License: "MIT"},
		{Attr: "cargo-edit", MainProgram: "cargo-add", License: "Apache-2.0, MIT", Homepage: "https://github.com/killercup/cargo-edit"},
		{Attr: "flyctl", MainProgram: "flyctl", License: "Apache-2.0", Homepage: "https://fly.io/"},
		{Attr: "terraform", MainProgram: "terraform", License: "BUSL-1.1", Unfree: true},
		{Attr: "fd", Broken: true},
		{Attr: "openssl", Insecure: true},
		{Attr: "tmux", Unavailable: true},                                     // meta.platforms: darwin only
		{Attr: "kubectl", Unavailable: true},                                  // meta.badPlatforms: linux
		{Attr: "python3Packages.black", MainProgram: "black", License: "MIT"}, // an alias set
		{Attr: "gopls"},
	} {
		p, ok := ix.Lookup(want.Attr)
		p.Pname, p.Version, p.Description = "", "", ""
		if !ok || p != want {
			t.Errorf("%s = %+v, want %+v", want.Attr, p, want)
		}
	}
}

// TestBuildIndexMetaFallback: a package whose meta fails with an error
// builtins.tryEval cannot catch (a type error) breaks the meta walk of its
// shard; that shard is searched with nix search instead, so the index
// still has every package, and says that meta is missing for some.
func TestBuildIndexMetaFallback(t *testing.T) {
	env := newNixTestEnv(t, nil, nil)
	buildWriteFlake(t, filepath.Join(env.dir, "gen"), buildGenPackages(200),
		`          zz-typeerror = mk "zz-typeerror-1.0" "meta with a type error" { mainProgram = 1 + "x"; };
`+buildAliasAttrs)
	src := env.source("gen")
	ctx := context.Background()
	plain, err := env.nix.Search(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, procs := range []int{1, 3} {
		ix, err := env.nix.BuildIndex(ctx, src, BuildOptions{Procs: procs})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(buildSearchFields(buildPackages(ix)), plain) {
			t.Errorf("%d procs: the fallback lists other packages than nix search", procs)
		}
		if m := ix.MetaMissing(); !strings.Contains(m, "meta of ") || !strings.Contains(m, "not gathered") || strings.Contains(m, "\n") {
			t.Errorf("%d procs: MetaMissing() = %q, want one line saying meta is missing", procs, m)
		}
		if _, ok := ix.Lookup("zz-typeerror"); !ok {
			t.Errorf("%d procs: zz-typeerror missing", procs)
		}
		// The shard searched with nix search found no alias sets: one
		// more nix eval (Nix.AliasSets) does.
		if got := ix.AliasSets(); !maps.Equal(got, buildWantAliases) {
			t.Errorf("%d procs: alias sets %v, want %v", procs, got, buildWantAliases)
		}
	}
}

// TestBuildIndexAliasFailureKeepsMeta: when only the alias-set search
// fails a shard's meta walk (an error builtins.tryEval cannot catch, in a
// sample member of a candidate alias set, which the walk never enters),
// the walk is run again without it: the index keeps its meta and lacks
// only the alias sets (Nix.AliasSets, tried then, fails the same way).
func TestBuildIndexAliasFailureKeepsMeta(t *testing.T) {
	env := newNixTestEnv(t, nil, nil)
	buildWriteFlake(t, filepath.Join(env.dir, "gen"), buildGenPackages(200), `
          zzbad1Packages = { recurseForDerivations = true; a = mk "zzbad-a-1" "listed" { }; };
          zzbadPackages = { a = (mk "zzbad-a-1" "listed" { }) // { drvPath = 1 + "x"; }; };
`)
	src := env.source("gen")
	ctx := context.Background()
	found, err := env.nix.Search(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.nix.AliasSets(ctx, src, NewIndex(found)); err == nil {
		t.Fatal("Nix.AliasSets succeeded; the fixture must make the alias search fail")
	}
	plain := buildSearchFields(buildPackages(NewIndex(found)))
	for _, procs := range []int{1, 3} {
		ix, err := env.nix.BuildIndex(ctx, src, BuildOptions{Procs: procs})
		if err != nil {
			t.Fatalf("%d procs: %v", procs, err)
		}
		if !slices.Equal(buildSearchFields(buildPackages(ix)), plain) {
			t.Errorf("%d procs: the index lists other packages than nix search", procs)
		}
		if m := ix.MetaMissing(); m != "" {
			t.Errorf("%d procs: MetaMissing() = %q, want the meta kept", procs, m)
		}
		if a := ix.AliasSets(); len(a) != 0 {
			t.Errorf("%d procs: alias sets %v, want none", procs, a)
		}
	}
}

// TestBuildIndexFailingShard: a shard that fails (an error under
// packages.<system>, which nix search does not skip) fails the build with
// nix's message, and Store.Build caches nothing.
func TestBuildIndexFailingShard(t *testing.T) {
	env := newNixTestEnv(t, []string{"evalerror"}, nil)
	src := env.source("evalerror")
	src.Key = "k"
	s := Store{Nix: env.nix, Cache: Cache{Dir: t.TempDir()}}
	for _, procs := range []int{1, 3} {
		_, _, err := s.Build(context.Background(), src, BuildOptions{Procs: procs})
		var nixErr *NixError
		// (The one-line summary of a nix ≥ 2.13 error is the stderr
		// parser's job; the shard's error must carry nix's message.)
		if !errors.As(err, &nixErr) || !strings.Contains(nixErr.Stderr, "gamma fails to evaluate") {
			t.Fatalf("%d procs: err = %v, want nix's error naming gamma", procs, err)
		}
		if _, _, err := s.Load(src); !errors.Is(err, ErrCacheMiss) {
			t.Errorf("%d procs: after a failed build Load = %v, want ErrCacheMiss", procs, err)
		}
	}
}

// TestBuildIndexNoPackages: a flake with neither set is an error.
func TestBuildIndexNoPackages(t *testing.T) {
	env := newNixTestEnv(t, nil, nil)
	dir := filepath.Join(env.dir, "empty")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), []byte("{ outputs = { self }: { }; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := env.nix.BuildIndex(context.Background(), env.source("empty"), BuildOptions{Procs: 2})
	if err == nil || !strings.Contains(err.Error(), "has no packages") || !errors.Is(err, ErrNoPackages) {
		t.Errorf("err = %v, want 'has no packages' (ErrNoPackages)", err)
	}
	// Never cached as an empty index.
	src := env.source("empty")
	src.Key = "k"
	s := Store{Nix: env.nix, Cache: Cache{Dir: t.TempDir()}}
	if _, _, err := s.Build(context.Background(), src, BuildOptions{}); !errors.Is(err, ErrNoPackages) {
		t.Errorf("Store.Build = %v, want ErrNoPackages", err)
	}
	if _, _, err := s.Load(src); !errors.Is(err, ErrCacheMiss) {
		t.Errorf("after an empty build Load = %v, want ErrCacheMiss", err)
	}
}

// TestBuildIndexCancelKillsEveryNix: cancelling a sharded build of the
// slow fixture once every process reported progress ends all of them.
func TestBuildIndexCancelKillsEveryNix(t *testing.T) {
	env := newNixTestEnv(t, []string{"slow"}, nil)
	marker := env.registry
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	var running int
	var since time.Time
	_, err := env.nix.BuildIndex(ctx, env.source("slow"), BuildOptions{Procs: 3, Progress: func(p BuildProgress) {
		if p.Evaluated < 3000 {
			return
		}
		// Cancel once all three run (a nix that starts slowly may not
		// have yet), or after a while in any case.
		if since.IsZero() {
			since = time.Now()
		}
		n := buildProcessGroups(t, proctest.Live(t, marker))
		if n < 3 && time.Since(since) < 10*time.Second {
			return
		}
		once.Do(func() {
			running = n
			cancel()
		})
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if running != 3 {
		t.Errorf("%d nix process groups ran at once, want 3", running)
	}
	proctest.AwaitNone(t, marker)
}

// TestBuildIndexProgressAndPartial: progress sums every shard's count and
// grows; each finished shard but the last yields a partial index that
// holds the packages of the shards done with their meta, and says it is
// partial (not that meta is missing); the final index is not partial.
func TestBuildIndexProgressAndPartial(t *testing.T) {
	env := newNixTestEnv(t, nil, nil)
	buildWriteFlake(t, filepath.Join(env.dir, "gen"), buildGenPackages(2000), "")
	var progress []BuildProgress
	var partial []*Index
	ix, err := env.nix.BuildIndex(context.Background(), env.source("gen"), BuildOptions{
		Procs:    2,
		Progress: func(p BuildProgress) { progress = append(progress, p) },
		Partial:  func(ix *Index) { partial = append(partial, ix) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Partial() != "" {
		t.Errorf("final index: Partial() = %q", ix.Partial())
	}
	last := progress[len(progress)-1]
	if last.ShardsDone != last.Shards || last.Shards != len(planShards(2, nil)) || last.Indexed != ix.Len() || last.Evaluated < ix.Len() {
		t.Errorf("last progress %+v, index of %d", last, ix.Len())
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Evaluated < progress[i-1].Evaluated || progress[i].Indexed < progress[i-1].Indexed {
			t.Fatalf("progress went back: %+v then %+v", progress[i-1], progress[i])
		}
	}
	if len(partial) != last.Shards-1 {
		t.Fatalf("%d partial indexes for %d shards", len(partial), last.Shards)
	}
	for k, p := range partial {
		if k > 0 && p.Len() < partial[k-1].Len() || p.Len() >= ix.Len() || p.Len() == 0 {
			t.Errorf("partial index %d has %d packages (final %d)", k, p.Len(), ix.Len())
		}
		if want := fmt.Sprintf("%d of %d shards", k+1, last.Shards); p.Partial() != want || p.MetaMissing() != "" {
			t.Errorf("partial index %d: Partial() = %q, MetaMissing() = %q; want %q and no meta missing", k, p.Partial(), p.MetaMissing(), want)
		}
		for i := range p.Len() {
			if q, ok := ix.Lookup(p.Attr(i)); !ok || q != p.At(i) {
				t.Fatalf("partial index %d holds %+v, not in the final index", k, p.At(i))
			}
		}
	}
}

// TestPlanShards: every big set is in exactly one shard, every hash bucket
// in exactly one, packages.<system> in one, and the shards are balanced.
func TestPlanShards(t *testing.T) {
	hint := NewIndex(genPackages(genCount))
	for _, tc := range []struct {
		procs int
		hint  *Index
	}{{1, nil}, {2, nil}, {4, nil}, {2, hint}, {8, hint}} {
		shards := planShards(tc.procs, tc.hint)
		if tc.procs == 1 {
			if len(shards) != 1 || !shards[0].All || !shards[0].Packages {
				t.Errorf("1 proc: %+v, want one shard of everything", shards)
			}
			continue
		}
		if len(shards) != nixShardsPerProc*tc.procs {
			t.Errorf("%d procs: %d shards", tc.procs, len(shards))
		}
		names := map[string]int{}
		buckets := map[int]int{}
		pkgs, total, heaviest := 0, 0, 0
		for k, s := range shards {
			if s.All {
				t.Errorf("%d procs: a sharded plan has an All shard", tc.procs)
			}
			for _, n := range s.Names {
				names[n]++
			}
			for _, b := range s.Buckets {
				buckets[b]++
				if s.Of != nixShardBucketsPerShard*len(shards) {
					t.Errorf("shard %d: buckets of %d", k, s.Of)
				}
			}
			if s.Packages {
				pkgs++
			}
			total += s.weight
			heaviest = max(heaviest, s.weight)
			if k > 0 && s.weight > shards[k-1].weight {
				t.Errorf("%d procs: shards not largest first", tc.procs)
			}
		}
		big, _ := nixShardSizes(tc.hint)
		for n := range big {
			if names[n] != 1 {
				t.Errorf("%d procs: %s in %d shards", tc.procs, n, names[n])
			}
		}
		for b := range nixShardBucketsPerShard * len(shards) {
			if buckets[b] != 1 {
				t.Errorf("%d procs: bucket %d in %d shards", tc.procs, b, buckets[b])
			}
		}
		if pkgs != 1 {
			t.Errorf("%d procs: packages.<system> in %d shards", tc.procs, pkgs)
		}
		// Balanced up to the biggest single set.
		if limit := max(total/len(shards)*5/4, big["rPackages"]); heaviest > limit {
			t.Errorf("%d procs: heaviest shard %d of total %d", tc.procs, heaviest, total)
		}
	}
}

// TestBuildProcs: one nix per core, but no more than half the available
// memory holds at nixProcMemory each, and never fewer than one; without a
// known MemAvailable only the cores count.
func TestBuildProcs(t *testing.T) {
	const gib = 1 << 30
	for _, tc := range []struct {
		cpus  int
		avail uint64
		known bool
		want  int
	}{
		{2, 0, false, 2},
		{16, 0, false, 16},
		{2, 23 * gib, true, 2},  // the README's machine: cores decide
		{8, 64 * gib, true, 8},  // 21 by memory
		{16, 16 * gib, true, 5}, // 8 GiB / 1.5 GiB = 5.3
		{4, 6 * gib, true, 2},   // exactly 2 × 1.5 GiB in half
		{4, 6*gib - 1, true, 1},
		{4, 2 * gib, true, 1}, // not even one fits: still one
		{4, 0, true, 1},
		{0, 64 * gib, true, 1},
	} {
		if got := buildProcs(tc.cpus, tc.avail, tc.known); got != tc.want {
			t.Errorf("buildProcs(%d cpus, %d bytes, known %v) = %d, want %d", tc.cpus, tc.avail, tc.known, got, tc.want)
		}
	}
	if p := BuildProcs(); p < 1 || p > runtime.NumCPU() {
		t.Errorf("BuildProcs() = %d on %d cores", p, runtime.NumCPU())
	}
}

// TestParseMemAvailable: MemAvailable of a /proc/meminfo, in bytes.
func TestParseMemAvailable(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     uint64
		ok       bool
	}{
		{"meminfo", "MemTotal:       24596212 kB\nMemFree:         1033412 kB\nMemAvailable:   19461352 kB\nBuffers:          200 kB\n", 19461352 << 10, true},
		{"first line", "MemAvailable: 1 kB\n", 1024, true},
		{"no unit", "MemAvailable: 3\n", 3072, true},
		{"old kernel without it", "MemTotal: 1024 kB\nMemFree: 512 kB\n", 0, false},
		{"not a number", "MemAvailable: lots kB\n", 0, false},
		{"empty", "", 0, false},
	} {
		got, ok := parseMemAvailable(strings.NewReader(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: parseMemAvailable = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// buildProcessGroups counts the process groups of pids: each nix the runner
// starts leads its own group (newer nix forks helpers with the same
// command line).
func buildProcessGroups(t *testing.T, pids []int) int {
	t.Helper()
	groups := map[int]bool{}
	for _, pid := range pids {
		stat, err := proctest.ReadStat(pid)
		if err != nil {
			continue // ended meanwhile
		}
		groups[stat.Pgrp] = true
	}
	return len(groups)
}

// TestParseShardJSON: the meta walk's { aliases; entries; } object, in
// either order; aliases null means the walk did not look; anything else
// is an error.
func TestParseShardJSON(t *testing.T) {
	const entry = `["legacyPackages.x86_64-linux.hello","hello","2.12","Says hello","hello","GPL-3.0","https://h",1]`
	for _, tc := range []struct {
		name, in  string
		keys      []string
		aliases   [][2]string
		known     bool
		wantError string
	}{
		{"aliases first", `{"aliases":[["pythonPackages","python313Packages"]],"entries":[` + entry + `]}`,
			[]string{"legacyPackages.x86_64-linux.hello"}, [][2]string{{"pythonPackages", "python313Packages"}}, true, ""},
		{"entries first", `{"entries":[` + entry + `],"aliases":[]}`, []string{"legacyPackages.x86_64-linux.hello"}, [][2]string{}, true, ""},
		{"not looked", `{"aliases":null,"entries":[]}`, nil, nil, false, ""},
		{"no aliases field", `{"entries":[]}`, nil, nil, false, ""},
		{"old list", `[` + entry + `]`, nil, nil, false, "expected a JSON object"},
		{"no entries", `{"aliases":[]}`, nil, nil, false, "no entries"},
		{"other field", `{"entries":[],"x":1}`, nil, nil, false, `unexpected field "x"`},
		{"twice", `{"entries":[],"entries":[]}`, nil, nil, false, "twice"},
		{"bad pair", `{"aliases":[["a"]],"entries":[]}`, nil, nil, false, "aliases"},
		{"truncated", `{"entries":[` + entry, nil, nil, false, "truncated"},
		{"trailing", `{"entries":[]} 1`, nil, nil, false, "after the JSON object"},
		{"empty", ``, nil, nil, false, "empty output"},
	} {
		var keys []string
		var aliases [][2]string
		known := false
		err := parseShardJSON(strings.NewReader(tc.in), func(key string, p Package) { keys = append(keys, key) },
			func(pairs [][2]string) { aliases, known = pairs, true })
		if tc.wantError != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantError) {
				t.Errorf("%s: err = %v, want one with %q", tc.name, err, tc.wantError)
			}
			continue
		}
		if err != nil || !slices.Equal(keys, tc.keys) || known != tc.known || !slices.Equal(aliases, tc.aliases) {
			t.Errorf("%s: keys %v, aliases %v (known %v), err %v; want %v, %v (%v)", tc.name, keys, aliases, known, err, tc.keys, tc.aliases, tc.known)
		}
	}
}
