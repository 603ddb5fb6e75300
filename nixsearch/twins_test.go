package nixsearch

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestIndexNamesakes: the candidates are the other names with the same
// pname and version, leaving out the name itself and its alias-set names.
func TestIndexNamesakes(t *testing.T) {
	mk := func(attr, pname, version string) Package { return Package{Attr: attr, Pname: pname, Version: version} }
	ix := NewIndex([]Package{
		mk("python3", "python3", "3.13.7"), mk("python313", "python3", "3.13.7"), mk("python312", "python3", "3.12.11"),
		mk("python313Packages.black", "black", "25.1"), mk("python312Packages.black", "black", "25.1"),
		mk("jq", "jq", "1.8.1"), mk("weird", "", ""), mk("weird2", "", ""),
	}).WithAliasSets(map[string]string{"python3Packages": "python313Packages"})
	got := ix.Namesakes([]string{"python3", "python3Packages.black", "jq", "weird", "missing"})
	want := map[string][]string{
		"python3": {"python313"},
		// python313Packages.black is python3Packages.black itself.
		"python3Packages.black": {"python312Packages.black"},
	}
	if !maps.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("Namesakes = %v, want %v", got, want)
	}
	if got := ix.Namesakes([]string{"jq"}); got != nil {
		t.Errorf("Namesakes(jq) = %v, want nil", got)
	}
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"python3", "python313", true},
		{"python313", "python3", true},
		{"python3", "python312", false},
		{"python3Packages.black", "python312Packages.black", true},
		{"python3Packages.black", "python313Packages.black", false}, // one package
		{"jq", "jq", false},
		{"weird", "weird2", false}, // no pname
		{"python3", "missing", false},
	} {
		if got := ix.Namesake(c.a, c.b); got != c.want {
			t.Errorf("Namesake(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestNixTwinsFixture runs the real nix on a fixture where python313 is
// python3 and python313Packages.python is too, while python3Full shares
// their pname and version but is another derivation and pyBroken does not
// evaluate: one nix eval tells them apart.
func TestNixTwinsFixture(t *testing.T) {
	env := newNixTestEnv(t, []string{"twins"}, nil)
	src := env.source("twins")
	pkgs, err := env.nix.Search(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(pkgs)
	ask := ix.Namesakes([]string{"python3", "jq", "python3Full"})
	if want := []string{"pyBroken", "python313", "python313Packages.python", "python3Full"}; !slices.Equal(ask["python3"], want) {
		t.Fatalf("Namesakes(python3) = %v, want %v", ask["python3"], want)
	}
	before := env.runner.Count()
	got, err := env.nix.Twins(context.Background(), src, ask)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"python3":                  {"python313", "python313Packages.python"},
		"python313":                {"python3"},
		"python313Packages.python": {"python3"},
	}
	if !maps.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("Twins = %v, want %v", got, want)
	}
	if n := env.runner.Count() - before; n != 1 {
		t.Errorf("nix ran %d times, want 1", n)
	}
	// Nothing to ask: nix does not run.
	if got, err := env.nix.Twins(context.Background(), src, nil); got != nil || err != nil || env.runner.Count() != before+1 {
		t.Errorf("Twins(nil) = %v, %v after %d runs", got, err, env.runner.Count()-before)
	}
}

// TestNixTwinsArgs checks the argv as data: one nix eval of the package
// set applying the expression, which carries the names asked about.
func TestNixTwinsArgs(t *testing.T) {
	args := Nix{}.twinsArgs(Source{Ref: "path:/x", System: "x86_64-linux"}, "legacyPackages", map[string][]string{"python3": {"python313"}})
	if len(args) < 5 || args[len(args)-4] != "--json" || args[len(args)-3] != "path:/x#legacyPackages.x86_64-linux" || args[len(args)-2] != "--apply" {
		t.Fatalf("args = %q", args)
	}
	if expr := args[len(args)-1]; !strings.Contains(expr, `\"python3\":[\"python313\"]`) || !strings.Contains(expr, "drvPath") {
		t.Errorf("expression = %s", expr)
	}
}

func TestTwinsBothWays(t *testing.T) {
	got := TwinsBothWays(map[string][]string{"a": {"c", "b", "a"}, "b": {"a"}, "x": nil})
	want := map[string][]string{"a": {"b", "c"}, "b": {"a"}, "c": {"a"}}
	if !maps.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("TwinsBothWays = %v, want %v", got, want)
	}
	if got := TwinsBothWays(map[string][]string{"x": {}}); got != nil {
		t.Errorf("TwinsBothWays(no pair) = %v, want nil", got)
	}
}
