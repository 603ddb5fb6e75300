package nixsearch

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestNixAliasSetsFixture runs the real nix on the fixture nixpkgs, whose
// pythonPackages is python313Packages without recurseForDerivations (as
// nixpkgs' python3Packages is): one nix eval finds it, and nothing else —
// nodePackages is unlisted but no alias, python3Packages is listed, the
// throwing alias nodejs-16_x is not a set.
func TestNixAliasSetsFixture(t *testing.T) {
	env := newNixTestEnv(t, []string{"nixpkgs"}, nil)
	src := env.source("nixpkgs")
	pkgs, err := env.nix.Search(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(pkgs)
	got, err := env.nix.AliasSets(context.Background(), src, ix)
	if err != nil {
		t.Fatal(err)
	}
	// python3Packages and python313Packages hold the same derivations;
	// the first listed set of the family (in attribute order) that agrees
	// is taken.
	want := map[string]string{"pythonPackages": "python313Packages"}
	if !maps.Equal(got, want) {
		t.Errorf("AliasSets = %v, want %v", got, want)
	}
	if env.runner.Count() != 2 {
		t.Errorf("nix ran %d times, want 2 (search, one eval)", env.runner.Count())
	}

	// Searched under the alias: found, shown under the typed name.
	ax := ix.WithAliasSets(got)
	res, err := NewMatcher(ax, 1).Search(context.Background(), Query{Text: "pythonPackages.requests"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) == 0 || res.Matches[0].Name != "pythonPackages.requests" ||
		ax.At(res.Matches[0].Index).Attr != "python313Packages.requests" {
		t.Errorf("pythonPackages.requests: %+v", res.Matches)
	}
	// Verify agrees that the alias path is a package.
	valid, err := env.nix.Verify(context.Background(), src, []string{"pythonPackages.requests"})
	if err != nil || !valid["pythonPackages.requests"] {
		t.Errorf("Verify(pythonPackages.requests) = %v, %v", valid, err)
	}
}

// TestNixAliasSetsArgs checks the argv as data: one nix eval of the
// package set applying the probe, which carries each listed set's family
// and sample members.
func TestNixAliasSetsArgs(t *testing.T) {
	ix := NewIndex([]Package{
		{Attr: "hello"},
		{Attr: "python312Packages.a"}, {Attr: "python312Packages.b"}, {Attr: "python312Packages.c"},
		{Attr: "python313Packages.a"}, {Attr: "python313Packages.x.y"},
	})
	n := Nix{Bin: "nix"}
	args := n.aliasSetsArgs(Source{Ref: "path:/n", System: "x86_64-linux"}, "legacyPackages", ix)
	// nix eval's own argv prefix (nixBase), then the installable and the
	// function.
	base := n.nixBase("eval")
	k := len(base)
	if !slices.Equal(args[:k], base) || !slices.Equal(args[k:k+3], []string{"--json", "path:/n#legacyPackages.x86_64-linux", "--apply"}) || len(args) != k+4 {
		t.Fatalf("argv %q", args)
	}
	p := aliasProbeFor(ix)
	if !slices.Equal(p.Listed, []string{"python312Packages", "python313Packages"}) {
		t.Errorf("listed %q", p.Listed)
	}
	fam := p.Families["pythonPackages"]
	if len(fam) != 2 || !slices.Equal(fam[0].Samples, []string{"a", "b"}) || !slices.Equal(fam[1].Samples, []string{"a"}) {
		t.Errorf("families %+v (nested x.y is no sample)", p.Families)
	}
	if !strings.Contains(args[k+3], `\"python313Packages\"`) {
		t.Errorf("the probe is not in the expression: %s", args[k+3])
	}
}

func TestIndexAliasNames(t *testing.T) {
	ix := NewIndex([]Package{{Attr: "python313Packages.requests"}, {Attr: "hello"}}).
		WithAliasSets(map[string]string{
			"python3Packages":   "python313Packages",
			"pythonPackages":    "python313Packages",
			"nope":              "noSuchSet",       // target not a set: dropped
			"python313Packages": "python3Packages", // a listed set is no alias
		})
	if got := ix.AliasSets(); !maps.Equal(got, map[string]string{"python3Packages": "python313Packages", "pythonPackages": "python313Packages"}) {
		t.Errorf("AliasSets = %v", got)
	}
	for _, tc := range []struct{ in, canon string }{
		{"python3Packages.requests", "python313Packages.requests"},
		{"python313Packages.requests", "python313Packages.requests"},
		{"hello", "hello"},
		{"python3Packages", "python3Packages"},
	} {
		if got := ix.Canonical(tc.in); got != tc.canon {
			t.Errorf("Canonical(%q) = %q, want %q", tc.in, got, tc.canon)
		}
	}
	want := []string{"python313Packages.requests", "python3Packages.requests", "pythonPackages.requests"}
	for _, n := range want {
		if got := ix.Names(n); !slices.Equal(got, want) {
			t.Errorf("Names(%q) = %q, want %q", n, got, want)
		}
	}
}
