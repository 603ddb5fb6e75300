package main

import (
	"slices"
	"strings"
	"testing"
)

// cliCargoAttrs returns the fixture's attributes that "cargo" matches, sorted.
func cliCargoAttrs() []string {
	return []string{"cargo", "cargo-edit", "cargo-edit-alias", "cargo-edit-unwrapped", "cargo-watch"}
}

func TestCLISearchBuildsIndexThenWorksWithoutNix(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n\n[[commands]]\npackage = \"cargo-watch\"\n")

	r := cliRun(t, "-C", dir, "search", "cargo", "--json")
	r.cliWant(t, 0)
	// No index yet: it is built first, with a progress line on stderr.
	if !strings.Contains(r.stderr, "indexing nixpkgs") || !strings.Contains(r.stderr, "indexed nixpkgs") {
		t.Errorf("stderr = %q, want the index build's progress lines", r.stderr)
	}
	items := cliDecodeSearch(t, r.stdout)
	var attrs []string
	for _, it := range items {
		attrs = append(attrs, it.Attr)
	}
	if len(attrs) == 0 || attrs[0] != "cargo" {
		t.Fatalf("search cargo = %v, want cargo first", attrs)
	}
	if got := slices.Sorted(slices.Values(attrs)); !slices.Equal(got, cliCargoAttrs()) {
		t.Errorf("search cargo matched %v, want %v", got, cliCargoAttrs())
	}
	for _, it := range items {
		// Installed: in a packages list or brought in by [[commands]].
		wantInstalled := it.Attr == "cargo" || it.Attr == "cargo-watch"
		if it.Installed != wantInstalled {
			t.Errorf("%s installed = %v, want %v", it.Attr, it.Installed, wantInstalled)
		}
		if it.Attr == "cargo-edit" {
			// The meta comes from the index (the build's nix eval).
			want := searchItem{Attr: "cargo-edit", Pname: "cargo-edit", Version: "0.13.7", Description: "Utility for managing cargo dependencies from the command line",
				MainProgram: "cargo-add", License: "Apache-2.0, MIT", Homepage: "https://github.com/killercup/cargo-edit"}
			if it != want {
				t.Errorf("cargo-edit = %+v, want %+v", it, want)
			}
		}
	}

	// Warm cache: the same search with no nix anywhere on PATH.
	cliPathOnly(t)
	r2 := cliRun(t, "-C", dir, "search", "cargo", "--json")
	r2.cliWant(t, 0)
	if r2.stdout != r.stdout {
		t.Errorf("warm search stdout = %q, want the cold one %q", r2.stdout, r.stdout)
	}
	if r2.stderr != "" {
		t.Errorf("warm search stderr = %q, want nothing (no rebuild)", r2.stderr)
	}

	// Text output: one row per package, installed ones marked.
	r3 := cliRun(t, "-C", dir, "search", "cargo")
	r3.cliWant(t, 0)
	lines := strings.Split(strings.TrimSuffix(r3.stdout, "\n"), "\n")
	if len(lines) != len(items) {
		t.Fatalf("text search printed %d lines, want %d:\n%s", len(lines), len(items), r3.stdout)
	}
	for i, l := range lines {
		f := strings.Fields(l)
		mark := ""
		if items[i].Installed {
			mark = "✓"
			if len(f) < 2 || f[0] != mark || f[1] != items[i].Attr {
				t.Errorf("line %d = %q, want ✓ %s", i, l, items[i].Attr)
			}
		} else if len(f) < 1 || f[0] != items[i].Attr {
			t.Errorf("line %d = %q, want %s first", i, l, items[i].Attr)
		}
	}
}

func TestCLISearchNoMatchAndLimit(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
	cliRun(t, "-C", dir, "index").cliWant(t, 0)

	r := cliRun(t, "-C", dir, "search", "--json", "zzqqxxjj")
	r.cliWant(t, 0)
	if r.stdout != "[]\n" {
		t.Errorf("search --json with no match = %q, want %q", r.stdout, "[]\n")
	}

	r = cliRun(t, "-C", dir, "search", "zzqqxxjj")
	r.cliWant(t, 0)
	if r.stdout != "" || !strings.Contains(r.stderr, "no package matches") {
		t.Errorf("text search with no match: stdout %q, stderr %q", r.stdout, r.stderr)
	}

	all := cliDecodeSearch(t, cliRun(t, "-C", dir, "search", "--json", "--limit", "0", "cargo").stdout)
	if len(all) != len(cliCargoAttrs()) {
		t.Fatalf("--limit 0 gave %d results, want all %d", len(all), len(cliCargoAttrs()))
	}
	r = cliRun(t, "-C", dir, "search", "--json", "--limit", "2", "cargo")
	r.cliWant(t, 0)
	two := cliDecodeSearch(t, r.stdout)
	if len(two) != 2 || two[0] != all[0] || two[1] != all[1] {
		t.Errorf("--limit 2 = %+v, want the first two of %+v", two, all)
	}

	r = cliRun(t, "-C", dir, "search", "--limit", "2", "cargo")
	r.cliWant(t, 0)
	if n := strings.Count(r.stdout, "\n"); n != 2 {
		t.Errorf("text --limit 2 printed %d lines:\n%s", n, r.stdout)
	}
	if want := "2 of 5 matches shown"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}

	// Several words must all match.
	r = cliRun(t, "-C", dir, "search", "--json", "--limit", "0", "cargo", "unwr")
	r.cliWant(t, 0)
	got := cliDecodeSearch(t, r.stdout)
	if len(got) != 1 || got[0].Attr != "cargo-edit-unwrapped" {
		t.Errorf("search cargo unwr = %+v, want only cargo-edit-unwrapped", got)
	}
}

func TestCLISearchSanitizesDescriptions(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
	r := cliRun(t, "-C", dir, "search", "--json", "colortool")
	r.cliWant(t, 0)
	items := cliDecodeSearch(t, r.stdout)
	if len(items) == 0 || items[0].Attr != "colortool" {
		t.Fatalf("search colortool = %+v", items)
	}
	if strings.ContainsAny(items[0].Description, "\x1b\x07\n") {
		t.Errorf("description %q keeps control characters", items[0].Description)
	}
	r = cliRun(t, "-C", dir, "search", "colortool")
	r.cliWant(t, 0)
	if strings.ContainsAny(r.stdout, "\x1b\x07") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("text output %q: want one line, no control characters", r.stdout)
	}
}
