package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/devsh/devsh/nixsearch"
)

// cliLabelRe matches how the fixture's locked nixpkgs is named.
const cliLabelRe = `nixpkgs \S+ \(flake\.lock\)`

// TestCLIAddSaysWhy: without an index, every name nix refuses is refused
// with what nix said, and a package nix would not build here is refused
// unless --no-verify; unfree and insecure packages are added with a warning
// naming what the flake must allow.
func TestCLIAddSaysWhy(t *testing.T) {
	refused := []struct {
		name string
		want string // the whole error line, a regular expression
	}{
		{"nodejs-16_x", `not a package in ` + cliLabelRe + `: nodejs-16_x \(nix: 'nodejs-16_x' has been removed: end of life\); nothing changed`},
		{"broken-eval", `not a package in ` + cliLabelRe + `: broken-eval \(nix: .*no-such-system.*\); nothing changed`},
		{"cargo-edt", `not a package in ` + cliLabelRe + `: cargo-edt \(no such attribute; devsh index enables suggestions\); nothing changed`},
		{"pkgs.jq", `not a package in ` + cliLabelRe + `: pkgs\.jq \(devshell names start below pkgs: did you mean jq\?\); nothing changed`},
		{"python3Packages", `not a package in ` + cliLabelRe + `: python3Packages \(a package set, not a package\); nothing changed`},
		{"fd", `fd is marked broken in ` + cliLabelRe + `, so nix refuses to build it; pass --no-verify to add anyway; nothing changed`},
		{"kubectl", `kubectl is not available on \S+ in ` + cliLabelRe + ` \(meta\.platforms\), so nix refuses to build it here; pass --no-verify to add anyway; nothing changed`},
	}
	dir := cliProject(t, cliOneCargo)
	for _, c := range refused {
		r := cliRun(t, "-C", dir, "--no-direnv", "add", c.name)
		r.cliWant(t, 1)
		if re := regexp.MustCompile(`^devsh: ` + c.want + "\n$"); !re.MatchString(r.stderr) {
			t.Errorf("add %s: stderr %q, want %s", c.name, r.stderr, re)
		}
		r.cliWantNoEdit(t, dir, cliOneCargo)
	}

	// --no-verify adds a broken package all the same.
	r := cliRun(t, "-C", dir, "--no-direnv", "add", "--no-verify", "fd")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ fd added\n")

	// Unfree and insecure: written, with the warning first.
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "terraform", "openssl")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ terraform added\n+ openssl added\n")
	want := "warning: terraform is unfree (BUSL-1.1): nix builds it only when the flake imports nixpkgs with config.allowUnfree = true; flake.nix does not appear to set it: add config.allowUnfree = true; to its import nixpkgs { … }\n" +
		"warning: openssl is marked insecure (meta.knownVulnerabilities): nix builds it only when the flake imports nixpkgs with config.permittedInsecurePackages listing it\n"
	if r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
	cliWantTOML(t, dir, "[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"fd\", \"terraform\", \"openssl\"]\n")
}

// TestCLIAddSaysWhyFromIndex: with the index, suggestions name close
// matches, the package providing a command (rg → ripgrep) and a package in
// a set; its meta decides the warnings without running nix.
func TestCLIAddSaysWhyFromIndex(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	cliRun(t, "-C", dir, "index").cliWant(t, 0)
	for _, c := range []struct{ name, want string }{
		{"rg", `rg \(ripgrep provides rg\)`},
		{"cargo-edt", `cargo-edt \(did you mean cargo-edit[^)]*\?\)`},
		{"pkgs.jq", `pkgs\.jq \(devshell names start below pkgs: did you mean jq\?\)`},
		{"python3Packages", `python3Packages \(a package set, not a package: name one inside it, e\.g\. python3Packages\.\S+\)`},
	} {
		r := cliRun(t, "-C", dir, "--no-direnv", "add", c.name)
		r.cliWant(t, 1)
		if re := regexp.MustCompile(`^devsh: not a package in ` + cliLabelRe + `: ` + c.want + "; nothing changed\n$"); !re.MatchString(r.stderr) {
			t.Errorf("add %s: stderr %q, want %s", c.name, r.stderr, re)
		}
	}

	// The index's meta is enough: no nix on PATH. A flake.nix that sets
	// allowUnfree is quoted.
	flake := filepath.Join(dir, "flake.nix")
	cliWrite(t, flake, strings.Replace(cliRead(t, flake), "outputs =", "# unfree tools are fine here\n  nixConfig.x = { config.allowUnfree = true; };\n  outputs =", 1))
	cliPathOnly(t)
	r := cliRun(t, "-C", dir, "--no-direnv", "add", "terraform")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ terraform added\n")
	if want := "warning: terraform is unfree (BUSL-1.1): nix builds it only when the flake imports nixpkgs with config.allowUnfree = true; flake.nix appears to set it (line 4: nixConfig.x = { config.allowUnfree = true; };)\n"; r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "fd")
	r.cliWant(t, 1)
	r.cliOneLineError(t, "fd is marked broken", "--no-verify")
}

// TestCLIAddShowsChecking: on a terminal, stderr shows what the nix check
// is doing while it runs, and clears the line after.
func TestCLIAddShowsChecking(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	r := cliRunIO(t, context.Background(), &IOStreams{ErrTTY: true}, "-C", dir, "--no-direnv", "add", "cargo-edit")
	r.cliWant(t, 0)
	if re := regexp.MustCompile(`^checking cargo-edit in ` + cliLabelRe + "…\r\033\\[K$"); !re.MatchString(r.stderr) {
		t.Errorf("stderr = %q, want the checking line, then cleared", r.stderr)
	}
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "jq")
	r.cliWant(t, 0)
	if r.stderr != "" {
		t.Errorf("piped stderr = %q, want nothing", r.stderr)
	}
}

// TestCLIAddVersionSpec: nodejs@20, as devbox and flox write it, is the
// attribute that is that version in the project's nixpkgs, read from the
// index; a missing version names the closest newer attribute and writes
// nothing; without an index the error says how to get one.
func TestCLIAddVersionSpec(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	r := cliRun(t, "-C", dir, "--no-direnv", "add", "nodejs@20")
	r.cliWant(t, 1)
	r.cliOneLineError(t, "nodejs@20 names a version", "run devsh index", "devsh search nodejs 20")
	r.cliWantNoEdit(t, dir, cliOneCargo)

	cliRun(t, "-C", dir, "index").cliWant(t, 0)
	for _, c := range []struct{ spec, want string }{
		{"nodejs@21", "nodejs@21: nodejs has no version 21 in "},
		{"nodejs@30", "nodejs@30: no attribute is nodejs at version 30 in "},
	} {
		r := cliRun(t, "-C", dir, "--no-direnv", "add", c.spec)
		r.cliWant(t, 1)
		r.cliOneLineError(t, c.want, "nothing changed")
		r.cliWantNoEdit(t, dir, cliOneCargo)
	}
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "nodejs@21")
	r.cliOneLineError(t, "the closest newer is nodejs (22.19.0): devsh add nodejs")

	// The index decides; nix is not asked.
	cliPathOnly(t)
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "nodejs@20", "nodejs@22", "nodejs_20")
	r.cliWant(t, 0)
	r.cliWantOut(t, "+ nodejs_20 added\n+ nodejs added\n")
	if re := regexp.MustCompile(`^nodejs@20 is nodejs_20 \(20\.19\.5\) in ` + cliLabelRe + "\nnodejs@22 is nodejs \\(22\\.19\\.0\\) in " + cliLabelRe + "\n$"); !re.MatchString(r.stderr) {
		t.Errorf("stderr = %q, want %s", r.stderr, re)
	}
	cliWantTOML(t, dir, "[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"nodejs_20\", \"nodejs\"]\n")

	r = cliRun(t, "-C", dir, "--no-direnv", "remove", "nodejs@20")
	r.cliWant(t, 0)
	r.cliWantOut(t, "- nodejs_20 removed\n")
	cliWantTOML(t, dir, "[devshell]\nname = \"demo\"\npackages = [\"cargo\", \"nodejs\"]\n")
}

// TestVerifyNotPackage: an unknown name's hints from the index name the
// package whose command it is, then close names, never one twice.
func TestVerifyNotPackage(t *testing.T) {
	ix := nixsearch.NewIndex([]nixsearch.Package{
		{Attr: "ripgrep", MainProgram: "rg"},
		{Attr: "ripgrep-all", MainProgram: "rga"},
		{Attr: "rgp"},
		{Attr: "jq"},
	})
	for _, tc := range []struct{ name, want string }{
		{"rg", "ripgrep provides rg; did you mean rgp?"},
		{"rga", "ripgrep-all provides rga; did you mean rgp?"},
		{"jx", "did you mean jq?"},
		{"zzzzzz", "no such attribute"},
	} {
		got := verifyNotPackage(nixsearch.NameCheck{Name: tc.name, Status: nixsearch.NameMissing}, ix, nil)
		if got != tc.want {
			t.Errorf("verifyNotPackage(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
