package nixsearch

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestNixCheckNames runs the real nix on the fixture nixpkgs: each kind of
// name gets its status, packages their meta, failing names nix's message.
func TestNixCheckNames(t *testing.T) {
	env := newNixTestEnv(t, []string{"nixpkgs"}, nil)
	names := []string{
		"terraform",             // unfree
		"fd",                    // broken
		"openssl",               // insecure
		"kubectl",               // unavailable (badPlatforms)
		"ripgrep",               // fine, mainProgram rg
		"nodePackages.prettier", // a set nix search does not enter
		"no-such-package",
		"python3Packages", // a set
		"nodejs-16_x",     // removed: throws
		"broken-eval",     // assertion fails
		`evil"${abort "x"}\name`,
	}
	checks, err := env.nix.CheckNames(context.Background(), env.source("nixpkgs"), names)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != len(names) {
		t.Fatalf("CheckNames gave %d results for %d names", len(checks), len(names))
	}
	by := map[string]NameCheck{}
	for i, c := range checks {
		if c.Name != names[i] {
			t.Errorf("result %d is for %q, want %q", i, c.Name, names[i])
		}
		by[c.Name] = c
	}
	pkg := func(name string) Package {
		t.Helper()
		c := by[name]
		if c.Status != NamePackage || c.Package.Attr != name {
			t.Errorf("%s: %+v, want a package with its entry", name, c)
		}
		return c.Package
	}
	if p := pkg("terraform"); !p.Unfree || p.License != "BUSL-1.1" || p.Broken || p.Insecure || p.Unavailable {
		t.Errorf("terraform = %+v, want unfree BUSL-1.1 only", p)
	}
	if p := pkg("fd"); !p.Broken || p.Unfree {
		t.Errorf("fd = %+v, want broken", p)
	}
	if p := pkg("openssl"); !p.Insecure {
		t.Errorf("openssl = %+v, want insecure", p)
	}
	if p := pkg("kubectl"); !p.Unavailable {
		t.Errorf("kubectl = %+v, want unavailable on %s", p, CurrentSystem())
	}
	if p := pkg("ripgrep"); p.MainProgram != "rg" || p.Unfree || p.Broken || p.Insecure || p.Unavailable {
		t.Errorf("ripgrep = %+v, want mainProgram rg and no flag", p)
	}
	pkg("nodePackages.prettier")
	for name, want := range map[string]NameStatus{"no-such-package": NameMissing, `evil"${abort "x"}\name`: NameMissing, "python3Packages": NameNotPackage} {
		if by[name].Status != want {
			t.Errorf("%s: %+v, want status %d", name, by[name], want)
		}
	}
	if c := by["nodejs-16_x"]; c.Status != NameFails || c.Error != "'nodejs-16_x' has been removed: end of life" {
		t.Errorf("nodejs-16_x: %+v, want nix's throw message", c)
	}
	// 2.8 says "assertion '(system == \"no-such-system\")' failed"; 2.24+ the innermost
	// message: "string '\"x86_64-linux\"' is not equal to string '\"no-such-system\"'".
	if c := by["broken-eval"]; c.Status != NameFails || !strings.Contains(c.Error, "no-such-system") {
		t.Errorf("broken-eval: %+v, want nix's assertion message", c)
	}
	// One evaluation for all names, one more per failing name.
	if got := env.runner.Count(); got != 3 {
		t.Errorf("nix ran %d times, want 3", got)
	}
	if checks, err := env.nix.CheckNames(context.Background(), env.source("nixpkgs"), nil); err != nil || checks != nil || env.runner.Count() != 3 {
		t.Errorf("CheckNames(no names) = %v, %v; want nothing and no nix run", checks, err)
	}
}

// TestNixCheckNamesPackagesOnly: a flake with only packages.<system> is
// checked there.
func TestNixCheckNamesPackagesOnly(t *testing.T) {
	env := newNixTestEnv(t, []string{"pkgsonly"}, nil)
	checks, err := env.nix.CheckNames(context.Background(), env.source("pkgsonly"), []string{"alpha", "notdrv", "gamma"})
	if err != nil {
		t.Fatal(err)
	}
	var got []NameStatus
	for _, c := range checks {
		got = append(got, c.Status)
	}
	if want := []NameStatus{NamePackage, NameNotPackage, NameMissing}; !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v (%+v)", got, want, checks)
	}
	if checks[0].Package.Attr != "alpha" {
		t.Errorf("alpha = %+v, want its entry", checks[0])
	}
}
