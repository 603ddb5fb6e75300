package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
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

// TestPrintSearchWidth: on a terminal each row is cut to its width with the
// name whole and the description cut; piped, rows are whole; names are
// aligned over the first screenful only, so --limit 0 does not pad every row
// to the longest name of all.
func TestPrintSearchWidth(t *testing.T) {
	long := strings.Repeat("a very long description ", 8)
	items := []searchItem{
		{Attr: "cargo", Version: "1.89.0", Description: long, Installed: true},
		{Attr: "cargo-edit", Version: "0.13.7", Description: "Utility for managing cargo dependencies 日本語"},
	}
	for range searchPadRows - len(items) {
		items = append(items, searchItem{Attr: "x", Version: "1"})
	}
	tail := searchItem{Attr: "python313Packages.a-name-longer-than-any-in-the-first-screenful", Version: "2.0", Description: "d"}
	items = append(items, tail)

	print := func(ios IOStreams) []string {
		var out, errOut strings.Builder
		ios.Out, ios.ErrOut = &out, &errOut
		printSearch(&ios, items, len(items))
		return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	}
	tty := print(IOStreams{OutTTY: true, OutWidth: 40})
	want := []string{
		"✓ cargo       1.89.0  a very long descr…",
		"  cargo-edit  0.13.7  Utility for manag…",
	}
	if !slices.Equal(tty[:2], want) {
		t.Errorf("terminal rows =\n%q\nwant\n%q", tty[:2], want)
	}
	if got := tty[len(tty)-1]; got != "  python313Packages.a-name-longer-than-…" {
		t.Errorf("a name wider than the terminal = %q, want it cut at 40 columns", got)
	}
	for _, l := range tty {
		if w := lipgloss.Width(l); w > 40 {
			t.Errorf("row %q is %d columns wide, want ≤ 40", l, w)
		}
	}
	// Wide characters count two columns.
	if got := print(IOStreams{OutTTY: true, OutWidth: 62})[1]; got != "  cargo-edit  0.13.7  Utility for managing cargo dependencies…" {
		t.Errorf("row with wide characters at 62 columns = %q", got)
	}
	if got := print(IOStreams{OutTTY: true, OutWidth: 65})[1]; got != "  cargo-edit  0.13.7  Utility for managing cargo dependencies 日…" || lipgloss.Width(got) != 65 {
		t.Errorf("row with wide characters at 65 columns = %q (%d columns)", got, lipgloss.Width(got))
	}

	piped := print(IOStreams{})
	if want := "✓ cargo       1.89.0  " + strings.TrimRight(long, " "); piped[0] != want {
		t.Errorf("piped row = %q, want the whole row %q", piped[0], want)
	}
	// The versions stay aligned with the screenful's; only the name is longer.
	if want := "  " + tail.Attr + "  2.0     d"; piped[len(piped)-1] != want {
		t.Errorf("piped last row = %q, want %q (not cut)", piped[len(piped)-1], want)
	}
	if piped[2] != "  x           1" {
		t.Errorf("short row = %q, want the names padded to the first screenful's longest (cargo-edit)", piped[2])
	}
}

// TestCLISearchTerminalWidth runs search as on an 50-column terminal and
// piped: the rows of the first are cut to 50 columns, the second's are whole.
func TestCLISearchTerminalWidth(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	cliRun(t, "-C", dir, "index").cliWant(t, 0)
	r := cliRunIO(t, context.Background(), &IOStreams{OutTTY: true, OutWidth: 50}, "-C", dir, "search", "cargo-edit")
	r.cliWant(t, 0)
	if first := strings.SplitN(r.stdout, "\n", 2)[0]; first != "  cargo-edit            0.13.7  Utility for manag…" {
		t.Errorf("first row on a 50-column terminal = %q", first)
	}
	r = cliRun(t, "-C", dir, "search", "cargo-edit")
	r.cliWant(t, 0)
	if first := strings.SplitN(r.stdout, "\n", 2)[0]; first != "  cargo-edit            0.13.7  Utility for managing cargo dependencies from the command line" {
		t.Errorf("first row piped = %q", first)
	}
}

// TestCLISearchRanking: the ranking through the binary's search against
// the real fixture index: a command finds its package and says why, a
// version picks its attribute, a typo finds the name, an alias set is
// searched under the typed name and an installed alias marks its target
// (and the other way round); a cased word matches case for case, its near
// misses found ignoring case marked "case ignored", names and descriptions
// alike; `add`'s did-you-mean ranks the same way.
func TestCLISearchRanking(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"pythonPackages.requests\", \"python313Packages.black\"]\n")
	first := func(args ...string) searchItem {
		t.Helper()
		r := cliRun(t, append([]string{"-C", dir, "search", "--json"}, args...)...)
		r.cliWant(t, 0)
		items := cliDecodeSearch(t, r.stdout)
		if len(items) == 0 {
			t.Fatalf("search %q: no results", args)
		}
		return items[0]
	}
	if it := first("rg"); it.Attr != "ripgrep" || it.Why != "rg" {
		t.Errorf("search rg: first %+v, want ripgrep because of rg", it)
	}
	if it := first("nodejs@20"); it.Attr != "nodejs_20" {
		t.Errorf("search nodejs@20: first %s", it.Attr)
	}
	if it := first("nodejs", "21"); it.Attr != "nodejs" || it.Why != "newer: 22.19.0" {
		t.Errorf("search nodejs 21: first %+v, want nodejs marked newer", it)
	}
	if it := first("kubeclt"); it.Attr != "kubectl" {
		t.Errorf("search kubeclt: first %s", it.Attr)
	}
	if it := first("pythonPackages.req"); it.Attr != "pythonPackages.requests" || !it.Installed {
		t.Errorf("search pythonPackages.req: first %+v, want pythonPackages.requests, installed", it)
	}
	if it := first("python313Packages.requests"); it.Attr != "python313Packages.requests" || !it.Installed {
		t.Errorf("the alias installed must mark its target: %+v", it)
	}
	if it := first("pythonPackages.black"); it.Attr != "pythonPackages.black" || !it.Installed {
		t.Errorf("the target installed must mark the alias: %+v", it)
	}
	// Smart-case: a cased word matches case for case; the near misses
	// found ignoring case (nothing in the fixture has a capital) say so.
	all := func(args ...string) []searchItem {
		t.Helper()
		r := cliRun(t, append([]string{"-C", dir, "search", "--json", "--limit", "0"}, args...)...)
		r.cliWant(t, 0)
		return cliDecodeSearch(t, r.stdout)
	}
	for _, c := range []struct{ q, first string }{{"Rust", "rustc"}, {"Cargo", "cargo"}} {
		items := all(c.q)
		if len(items) == 0 || items[0].Attr != c.first {
			t.Errorf("search %s: %+v, want %s first", c.q, items, c.first)
		}
		for _, it := range items {
			if it.Why != "case ignored" {
				t.Errorf("search %s: %s is not marked \"case ignored\" (%q)", c.q, it.Attr, it.Why)
			}
		}
	}
	if it := first("rust"); it.Attr != "rustc" || it.Why != "" {
		t.Errorf("search rust: first %+v, want rustc by name", it)
	}
	names := func(items []searchItem) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.Attr)
		}
		return out
	}
	// Descriptions: "Rust" case for case leaves out rustc ("Safe, concurrent, …").
	if lower, cased := names(all("-d", "rust")), names(all("-d", "Rust")); !slices.Contains(lower, "rustc") || slices.Contains(cased, "rustc") || len(cased) == 0 {
		t.Errorf("search -d: rust %q, Rust %q; want rustc only in the first", lower, cased)
	}
	// Text output says why a row matched.
	r := cliRun(t, "-C", dir, "search", "Cargo")
	r.cliWant(t, 0)
	if line, _, _ := strings.Cut(r.stdout, "\n"); !strings.HasPrefix(strings.TrimSpace(line), "cargo · case ignored ") {
		t.Errorf("search Cargo: first line %q, want cargo · case ignored", line)
	}
	r = cliRun(t, "-C", dir, "search", "rg")
	r.cliWant(t, 0)
	if line, _, _ := strings.Cut(r.stdout, "\n"); !strings.HasPrefix(strings.TrimSpace(line), "ripgrep · rg ") {
		t.Errorf("search rg: first line %q, want ripgrep · rg", line)
	}
	// add: a command is no attribute; the error names its package, once.
	r = cliRun(t, "-C", dir, "--no-direnv", "add", "rg")
	r.cliWant(t, 1)
	if !strings.Contains(r.stderr, "(ripgrep provides rg)") {
		t.Errorf("add rg: stderr %q, want (ripgrep provides rg)", r.stderr)
	}
}
