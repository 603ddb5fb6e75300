package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devsh/devsh/nixsearch"
	"github.com/spf13/cobra"
)

// completeNames runs cobra's hidden __complete command and returns the
// offered names (descriptions dropped) and the directive.
func completeNames(t *testing.T, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	r := cliRun(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	r.cliWant(t, exitOK)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	var d int
	if _, err := fmt.Sscanf(last, ":%d", &d); err != nil {
		t.Fatalf("__complete output does not end with the directive: %q", r.stdout)
	}
	var names []string
	for _, l := range lines[:len(lines)-1] {
		name, _, _ := strings.Cut(l, "\t")
		names = append(names, name)
	}
	return names, cobra.ShellCompDirective(d)
}

func TestCompletionScripts(t *testing.T) {
	cliEnv(t)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := cliRun(t, "completion", shell)
		r.cliWant(t, exitOK)
		if !strings.Contains(r.stdout, "devsh") || !strings.Contains(r.stdout, cobra.ShellCompRequestCmd) {
			t.Errorf("%s script does not call devsh %s:\n%.300s", shell, cobra.ShellCompRequestCmd, r.stdout)
		}
		if shell == "bash" {
			// The script must at least be valid bash.
			cmd := exec.Command("bash", "-n")
			cmd.Stdin = strings.NewReader(r.stdout)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("bash -n on the bash script: %v\n%s", err, out)
			}
		}
	}
	cliRun(t, "completion", "powershell").cliWant(t, exitUsage)
	cliRun(t, "completion").cliWant(t, exitUsage)
	cliRun(t, "completion", "bash", "zsh").cliWant(t, exitUsage)
	if names, _ := completeNames(t, "completion", ""); !slices.Equal(names, []string{"bash", "zsh", "fish"}) {
		t.Errorf("completion completes %q", names)
	}
}

// TestCompleteAddFromIndex: add completes from the cached index, with nix
// gone from PATH, so completion demonstrably runs no nix.
func TestCompleteAddFromIndex(t *testing.T) {
	dir := cliProjectFiles(t, cliDevshellFlake, map[string]string{"devshell.toml": "[devshell]\npackages = [\"cargo\"]\n"})
	cliRun(t, "-C", dir, "index").cliWant(t, exitOK)
	cliPathOnly(t, "git")

	tests := []struct {
		args      []string
		want      []string
		directive cobra.ShellCompDirective
	}{
		// Best first, as `devsh search carg` ranks: shorter prefix matches
		// first, the -unwrapped variant after the others.
		{[]string{"add", "carg"}, []string{"cargo", "cargo-edit", "cargo-watch", "cargo-edit-alias", "cargo-edit-unwrapped"}, cobra.ShellCompDirectiveNoFileComp},
		// Names already on the command line are not offered again.
		{[]string{"add", "cargo-edit", "cargo-e"}, []string{"cargo-edit-alias", "cargo-edit-unwrapped"}, cobra.ShellCompDirectiveNoFileComp},
		// A package set is one entry, without a trailing space…
		// (the sets in search order: the newest-looking set first)
		{[]string{"add", "python3"}, []string{"python3", "python313Packages.", "python3Packages."}, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace},
		// An alias set nix search does not list completes like its target.
		{[]string{"add", "pythonP"}, []string{"pythonPackages."}, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace},
		{[]string{"add", "pythonPackages.r"}, []string{"pythonPackages.requests"}, cobra.ShellCompDirectiveNoFileComp},
		// …and its members complete once it is typed.
		{[]string{"add", "python3Packages."}, []string{"python3Packages.black", "python3Packages.requests"}, cobra.ShellCompDirectiveNoFileComp},
		{[]string{"add", "zzz"}, nil, cobra.ShellCompDirectiveNoFileComp},
		// Flags parsed before the command apply: --no-verify is the add's.
		{[]string{"add", "--no-verify", "fl"}, []string{"flyctl"}, cobra.ShellCompDirectiveNoFileComp},
	}
	for _, tt := range tests {
		names, d := completeNames(t, append([]string{"-C", dir}, tt.args...)...)
		if !slices.Equal(names, tt.want) || d != tt.directive {
			t.Errorf("complete %q = %q, directive %d; want %q, %d", tt.args, names, d, tt.want, tt.directive)
		}
	}

	// Descriptions come along for zsh and fish, cut to a menu's width.
	r := cliRun(t, cobra.ShellCompRequestCmd, "-C", dir, "add", "cargo-ed")
	if !strings.Contains(r.stdout, "cargo-edit\tUtility for managing cargo dependencies from the command li…\n") {
		t.Errorf("no description for cargo-edit:\n%s", r.stdout)
	}
}

// TestCompleteAddWithoutIndex: no index, no names, and no nix run to build
// one (nix is not even on PATH).
func TestCompleteAddWithoutIndex(t *testing.T) {
	dir := cliProjectFiles(t, cliDevshellFlake, map[string]string{"devshell.toml": "[devshell]\n"})
	cliPathOnly(t, "git")
	names, d := completeNames(t, "-C", dir, "add", "carg")
	if len(names) != 0 || d != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("complete without an index = %q, %d; want nothing", names, d)
	}
	if _, err := os.Stat(cliCacheDir()); !os.IsNotExist(err) {
		t.Errorf("completion touched the cache dir %s: %v", cliCacheDir(), err)
	}
}

// TestCompleteAddStaleIndex: when the lock changed and the new nixpkgs has
// no index yet, completion uses the one the project searched before.
func TestCompleteAddStaleIndex(t *testing.T) {
	dir := cliProjectFiles(t, cliDevshellFlake, map[string]string{"devshell.toml": "[devshell]\n"})
	cliRun(t, "-C", dir, "index").cliWant(t, exitOK)
	// A new nixpkgs: the lock now pins other content (nix ≤ 2.25 writes its
	// narHash into flake.lock; from 2.26 a relative path is locked without
	// one, and the content is what nix reads at each use).
	before := cacheNarHash(t, dir)
	cliWrite(t, filepath.Join(dir, "fakepkgs", "extra.nix"), "{ }\n")
	cliExec(t, dir, "git", "add", "fakepkgs/extra.nix")
	cliExec(t, dir, "nix", "--extra-experimental-features", "nix-command flakes", "flake", "update")
	if after := cacheNarHash(t, dir); after == before {
		t.Fatal("nix flake update did not change the locked nixpkgs: the index would not be stale")
	}
	cliPathOnly(t, "git")
	if names, _ := completeNames(t, "-C", dir, "add", "rustf"); !slices.Equal(names, []string{"rustfmt"}) {
		t.Errorf("complete with a stale index = %q, want rustfmt", names)
	}
}

func TestCompleteRemove(t *testing.T) {
	dir := cliProjectFiles(t, cliDevshellFlake, map[string]string{"devshell.toml": `packages = ["go"]
[devshell]
packages = ["rustc", "cargo", "python3Packages.black"]
[[commands]]
package = "jq"
`})
	cliPathOnly(t, "git")
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"remove", ""}, []string{"go", "rustc", "cargo", "python3Packages.black"}},
		{[]string{"rm", "c"}, []string{"cargo"}},
		{[]string{"remove", "cargo", ""}, []string{"go", "rustc", "python3Packages.black"}},
		{[]string{"remove", "j"}, nil}, // [[commands]] packages are not removable
	}
	for _, tt := range tests {
		names, d := completeNames(t, append([]string{"-C", dir}, tt.args...)...)
		if !slices.Equal(names, tt.want) || d != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("complete %q = %q, %d; want %q", tt.args, names, d, tt.want)
		}
	}
}

func TestCompletionNames(t *testing.T) {
	var pkgs []nixsearch.Package
	for i := range 500 {
		pkgs = append(pkgs, nixsearch.Package{Attr: fmt.Sprintf("lib%03d", i), Description: "a\tlibrary\nwith " + strings.Repeat("long ", 20) + "text"})
	}
	pkgs = append(pkgs,
		nixsearch.Package{Attr: "libPackages.a", Version: "1"},
		nixsearch.Package{Attr: "libPackages.b"},
		nixsearch.Package{Attr: "libPackages.sub.c"},
		nixsearch.Package{Attr: "Lib", Description: "upper case"},
		nixsearch.Package{Attr: "lix", Version: "2.91"},
		// Names a hostile nixpkgs could carry: never offered, since the
		// shell would print them raw.
		nixsearch.Package{Attr: "lixevil\x1b]52;c;aGk=\x07", Description: "clipboard write"},
		nixsearch.Package{Attr: "lixPackages\x1b[31m.red"},
		nixsearch.Package{Attr: "lix\u202eevil"},
	)
	ix := nixsearch.NewIndex(pkgs)

	names := func(comps []cobra.Completion) []string {
		var out []string
		for _, c := range comps {
			n, _, _ := strings.Cut(c, "\t")
			out = append(out, n)
		}
		return out
	}

	comps, d := completionNames(ix, "lib", nil, 200)
	if len(comps) != 200 || d != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("lib: %d names, directive %d; want the limit, 200, and no NoSpace (the set is past it)", len(comps), d)
	}
	// ranked as search ranks: equal scores and lengths, so the newest
	// "version" of the name first
	if got := names(comps[:2]); !slices.Equal(got, []string{"lib499", "lib498"}) {
		t.Errorf("first names %q", got)
	}
	// Descriptions are one line, cut to the width.
	_, desc, _ := strings.Cut(comps[0], "\t")
	if strings.ContainsAny(desc, "\t\n") || len([]rune(desc)) != completionDescWidth || !strings.HasSuffix(desc, "…") || !strings.HasPrefix(desc, "a library with long") {
		t.Errorf("description %q", desc)
	}

	comps, d = completionNames(ix, "libP", nil, 200)
	if got := names(comps); !slices.Equal(got, []string{"libPackages."}) || d != cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveNoSpace {
		t.Errorf("libP: %q, %d", got, d)
	}
	comps, _ = completionNames(ix, "libPackages.", []string{"libPackages.b"}, 200)
	if got := names(comps); !slices.Equal(got, []string{"libPackages.a", "libPackages.sub."}) {
		t.Errorf("libPackages.: %q", got)
	}
	if comps[0] != "libPackages.a\t1" {
		t.Errorf("a package without a description shows its version: %q", comps[0])
	}
	// ranked: the shorter name first
	comps, _ = completionNames(ix, "li", nil, 3)
	if got := names(comps); !slices.Equal(got, []string{"lix", "lib499", "lib498"}) {
		t.Errorf("li limit 3: %q", got)
	}
	comps, _ = completionNames(ix, "L", nil, 200)
	if got := names(comps); !slices.Equal(got, []string{"Lib"}) {
		t.Errorf("L (case-sensitive): %q", got)
	}
	comps, _ = completionNames(ix, "lix", nil, 200)
	if got := names(comps); !slices.Equal(got, []string{"lix"}) {
		t.Errorf("lix: %q (names with escapes must be left out)", got)
	}
	comps, _ = completionNames(ix, "", nil, 1000)
	for _, c := range comps {
		if n, _, _ := strings.Cut(c, "\t"); strings.HasPrefix(n, "lix") && n != "lix" {
			t.Errorf("empty prefix offers %q", n)
		}
	}
	if comps, _ := completionNames(ix, "m", nil, 200); len(comps) != 0 {
		t.Errorf("m: %q", comps)
	}
}

// completionBenchLock pins a nixpkgs by a made-up hash: completion reads the
// key from flake.lock and never fetches anything.
const completionBenchLock = `{
  "nodes": {
    "nixpkgs": {
      "locked": {
        "lastModified": 1700000000,
        "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "owner": "NixOS",
        "repo": "nixpkgs",
        "rev": "870493f9a8cb0b074ae5b09f2a2ecd3e7f64a4e4",
        "type": "github"
      },
      "original": { "owner": "NixOS", "repo": "nixpkgs", "type": "github" }
    },
    "root": { "inputs": { "nixpkgs": "nixpkgs" } }
  },
  "root": "root",
  "version": 7
}
`

// BenchmarkCompleteAdd measures a whole `devsh __complete add PREFIX` run
// in-process (flags, project, flake.lock, index load, prefix scan, output)
// over the real nixpkgs dump named by DEVSH_NIXPKGS_DUMP (~130k names).
func BenchmarkCompleteAdd(b *testing.B) {
	path := os.Getenv("DEVSH_NIXPKGS_DUMP")
	if path == "" {
		b.Skip("DEVSH_NIXPKGS_DUMP is not set (.ci/run sets it to the nixpkgs-search.json.gz test dump)")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	pkgs, err := nixsearch.ParseSearchJSON(zr)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	dir, cache := b.TempDir(), b.TempDir()
	for name, content := range map[string]string{"flake.nix": cliDevshellFlake, "flake.lock": completionBenchLock, "devshell.toml": "[devshell]\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	// The flake.lock pin resolves without running nix.
	src, err := nixsearch.Nix{}.ResolveSource(context.Background(), nixsearch.ResolveOptions{ProjectRoot: dir, CacheDir: cache})
	if err != nil {
		b.Fatalf("ResolveSource: %v", err)
	}
	ix := nixsearch.NewIndex(pkgs)
	if err := (nixsearch.Cache{Dir: cache}).Store(nixsearch.CacheMeta{Key: src.Key, NarHash: src.NarHash, System: src.System, Count: ix.Len()}, ix); err != nil {
		b.Fatal(err)
	}
	getenv := func(string) string { return "" }
	for _, prefix := range []string{"carg", "python313Packages.", ""} {
		b.Run(fmt.Sprintf("prefix=%q", prefix), func(b *testing.B) {
			args := []string{cobra.ShellCompRequestCmd, "--cache-dir", cache, "-C", dir, "add", prefix}
			var out strings.Builder
			ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: io.Discard}
			if code := run(context.Background(), args, ios, getenv); code != exitOK || strings.Count(out.String(), "\n") < 2 {
				b.Fatalf("exit %d, output %q", code, out.String())
			}
			for b.Loop() {
				ios.Out = io.Discard
				if code := run(context.Background(), args, ios, getenv); code != exitOK {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
