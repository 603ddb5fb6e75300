package nixsearch

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// rankTestIndex is a hand-made index for the tiers: main programs,
// versioned attributes of several naming conventions, variants, and sets
// of several families and sizes.
func rankTestIndex() *Index {
	p := func(attr, version, mainProgram string) Package {
		return Package{Attr: attr, Pname: attr, Version: version, MainProgram: mainProgram}
	}
	pkgs := []Package{
		p("ripgrep", "14.1.1", "rg"), p("ripgrep-all", "0.10", "rga"), p("rgx", "1.0", ""),
		p("emacsPackages.rg", "1", ""), p("emacsPackages.magit", "4", ""), p("emacsPackages.org", "9", ""),
		p("neovim", "0.11", "nvim"), p("neovim-unwrapped", "0.11", "nvim"), p("nvimpager", "0.13", ""),
		p("python311", "3.11.13", "python3"), p("python312", "3.12.11", "python3"), p("python314", "3.14.0rc3", "python3"),
		p("python312Packages.requests", "2.32", ""), p("python313Packages.requests", "2.32", ""),
		p("python313Packages.flask", "3", ""), p("python312Packages.flask", "3", ""), p("kodiPackages.requests", "1", ""),
		p("postgresql", "17.6", "psql"), p("postgresql_16", "16.10", "psql"), p("postgresql_18", "18rc1", "psql"),
		p("postgrest", "12.2", ""), p("go", "1.25.0", "go"), p("go_1_24", "1.24.7", "go"), p("gopls", "0.20", ""),
		p("jdk", "21.0.8+9", "java"), p("jdk17", "17.0.16", "java"), p("jdk21_headless", "21.0.8", "java"),
		p("lua5_4_compat", "5.4.7", "lua"), p("lua", "5.2.4", "lua"),
		p("nodejs_20", "20.19.5", "node"), p("nodejs-slim_20", "20.19.5", "node"), p("nodejs_24", "24.8.0", "node"),
		p("kubectl", "1.34", "kubectl"), p("kubectl-tree", "0.4", ""), p("terraform", "1.13", "terraform"),
		p("vimPlugins.telescope-nvim", "1", ""), p("lua51Packages.telescope-nvim", "1", ""), p("lua52Packages.telescope-nvim", "1", ""),
		p("vimPlugins.vim-fugitive", "1", ""), p("vimPlugins.nvim-cmp", "1", ""),
		p("tmsu", "0.7", ""), p("tmux", "3.5a", ""), p("emacsPackages.flaskish", "1", ""),
		p("python313Packages.httpx", "0.28", ""),
	}
	for i := range pkgs {
		if pkgs[i].Attr == "jdk" {
			pkgs[i].Pname = "openjdk"
		}
	}
	return NewIndex(pkgs).WithAliasSets(map[string]string{"python3Packages": "python313Packages", "luaPackages": "lua52Packages"})
}

func TestRankTiers(t *testing.T) {
	ix := rankTestIndex()
	m := NewMatcher(ix, 2)
	for _, tc := range []struct {
		query string
		want  []string // Name of the first results, in order
		why   string   // Why of the first result
	}{
		// exact top-level name first; then the main program, plain
		// before -unwrapped; then exact names in sets; then prefixes
		{"neovim", []string{"neovim", "neovim-unwrapped"}, ""},
		{"rg", []string{"ripgrep", "rgx", "emacsPackages.rg"}, "rg"},
		{"nvim", []string{"neovim", "neovim-unwrapped", "nvimpager"}, "nvim"},
		{"psql", []string{"postgresql", "postgresql_18", "postgresql_16"}, "psql"}, // newest first
		// the python family is the larger, its default (the alias target)
		// first; kodiPackages after
		{"requests", []string{"python313Packages.requests", "python312Packages.requests", "kodiPackages.requests"}, ""},
		// vimPlugins holds more packages than the lua sets
		{"telescope-nvim", []string{"vimPlugins.telescope-nvim", "lua52Packages.telescope-nvim", "lua51Packages.telescope-nvim"}, ""},
		// several words: joined by '-' they are the name; or one word is
		// the name in a set
		{"ripgrep all", []string{"ripgrep-all"}, ""},
		{"py313 flask", []string{"python313Packages.flask"}, ""},
		// versions, whichever way the attribute writes them
		{"python 3.12", []string{"python312"}, ""},
		{"python@3.12", []string{"python312"}, ""},
		{"postgres 16", []string{"postgresql_16"}, ""},
		{"postgresql@17", []string{"postgresql"}, ""}, // its version is 17.6
		{"go 1.24", []string{"go_1_24"}, ""},
		{"jdk 21", []string{"jdk", "jdk21_headless"}, ""},
		{"lua 5.4", []string{"lua5_4_compat"}, ""},
		{"nodejs@20", []string{"nodejs_20", "nodejs-slim_20"}, ""},
		{"node 20", []string{"nodejs_20", "nodejs-slim_20"}, ""},
		// no such version: the closest newer one, marked
		{"python 3.13", []string{"python314"}, "newer: 3.14.0rc3"},
		{"postgres 12", []string{"postgresql_16", "postgresql"}, "newer: 16.10"},
		// typos: a swap, a missing letter, an extra one
		{"kubeclt", []string{"kubectl"}, ""},
		{"ripgerp", []string{"ripgrep"}, ""},
		{"terrafrom", []string{"terraform"}, ""},
		{"terraorm", []string{"terraform"}, ""},
		{"kubecttl", []string{"kubectl"}, ""},
		// at one edit, the same letters (a swap) before a wrong letter
		{"tmxu", []string{"tmux", "tmsu"}, ""},
		// a version query by the package's pname: jdk is openjdk
		{"openjdk 21", []string{"jdk"}, ""},
		// nested prefixes: the larger family of sets first, newest first
		{"flas", []string{"python313Packages.flask", "python312Packages.flask", "emacsPackages.flaskish"}, ""},
		// an alias set: resolved, shown under the typed name
		{"python3Packages.requests", []string{"python3Packages.requests"}, ""},
		{"python3Packages.fl", []string{"python3Packages.flask"}, ""},
		{"luaPackages.telescope-nvim", []string{"luaPackages.telescope-nvim"}, ""},
	} {
		res, ok := rankWantFirst(t, m, tc.query, tc.want)
		if !ok {
			continue
		}
		if res.Matches[0].Why != tc.why {
			t.Errorf("%q: why %q, want %q", tc.query, res.Matches[0].Why, tc.why)
		}
		if res.Total < len(res.Matches) {
			t.Errorf("%q: total %d below %d rows", tc.query, res.Total, len(res.Matches))
		}
	}
}

func TestRankTypoOnlyWhenPoor(t *testing.T) {
	ix := rankTestIndex()
	m := NewMatcher(ix, 1)
	// "kubectl" matches by name: no typo rows (kubectl-tree is a prefix
	// match, not a typo).
	res := matchSearch(t, m, Query{Text: "kubectl"}, 0)
	for _, mt := range res.Matches {
		if mt.Positions == nil {
			t.Errorf("kubectl: %s joined without matching (a typo row)", mt.Name)
		}
	}
	// Short words get no typo search: "rgp" is no typo of rga.
	if res := matchSearch(t, m, Query{Text: "ngz"}, 0); res.Total != 0 {
		t.Errorf("ngz: %d matches, want 0", res.Total)
	}
	// A typo row is counted once in Total.
	res = matchSearch(t, m, Query{Text: "kubeclt"}, 0)
	if res.Total != len(res.Matches) {
		t.Errorf("kubeclt: total %d, %d rows", res.Total, len(res.Matches))
	}
}

func TestRankAliasPositions(t *testing.T) {
	ix := rankTestIndex()
	res := matchSearch(t, NewMatcher(ix, 1), Query{Text: "python3Packages.req"}, 1)
	if len(res.Matches) != 1 {
		t.Fatalf("no match")
	}
	mt := res.Matches[0]
	name := "python3Packages.requests"
	if mt.Name != name {
		t.Fatalf("name %q", mt.Name)
	}
	// the alias typed, then "req": every position inside Name
	want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18}
	if !slices.Equal(mt.Positions, want) {
		t.Errorf("positions %v, want %v", mt.Positions, want)
	}
}

func TestRankSmartCase(t *testing.T) {
	ix := NewIndex([]Package{{Attr: "SDL2"}, {Attr: "sdl2-compat"}, {Attr: "python3Packages.PyGithub"}, {Attr: "pygithub-cli"}})
	m := NewMatcher(ix, 1)
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"sdl2", []string{"sdl2-compat", "SDL2"}}, // ignores case: the prefix both
		{"SDL", []string{"SDL2"}},
		{"PyG", []string{"python3Packages.PyGithub"}},
		{"pyg", []string{"pygithub-cli", "python3Packages.PyGithub"}},
	} {
		res := matchSearch(t, m, Query{Text: tc.q}, 0)
		var got []string
		for _, mt := range res.Matches {
			got = append(got, mt.Name)
		}
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q = %q, want %q", tc.q, got, want)
		}
	}

	// The typo fallback ignores case; a cased word's rows that needed it
	// say so, a typo that keeps the case does not.
	ix = NewIndex([]Package{{Attr: "cargo"}, {Attr: "python3Packages.PyGithub"}, {Attr: "rustc"}})
	m = NewMatcher(ix, 1)
	for _, tc := range []struct {
		q    string
		want []string // name, why
	}{
		{"Cargo", []string{"cargo", WhyCaseIgnored}},
		{"cargo", []string{"cargo", ""}},
		{"Crago", []string{"cargo", WhyCaseIgnored}},
		{"crago", []string{"cargo", ""}},
		{"PyGihtub", []string{"python3Packages.PyGithub", ""}},
		{"PYGithub", []string{"python3Packages.PyGithub", WhyCaseIgnored}},
		{"pygihtub", []string{"python3Packages.PyGithub", ""}},
		{"Rustc", []string{"rustc", WhyCaseIgnored}},
		{"Rust", []string{"rustc", WhyCaseIgnored}}, // two edits case for case, one ignoring it
	} {
		res := matchSearch(t, m, Query{Text: tc.q}, 0)
		var got []string
		for _, mt := range res.Matches {
			got = append(got, mt.Name, mt.Why)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestRankParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
	}{
		{"3.12", []int{3, 12}}, {"20", []int{20}}, {"v1.24", []int{1, 24}}, {"5_4", []int{5, 4}},
		{"3.", nil}, {".3", nil}, {"x1", nil}, {"", nil}, {"1..2", []int{1, 2}}, {"-1", nil},
	} {
		got, ok := rankParseVersion(tc.in)
		if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
			t.Errorf("rankParseVersion(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
	for _, tc := range []struct {
		attr, base, suffix string
		parts              []string
	}{
		{"python312", "python", "", []string{"312"}},
		{"lua5_4_compat", "lua", "compat", []string{"5", "4"}},
		{"go_1_24", "go", "", []string{"1", "24"}},
		{"nodejs-slim_20", "nodejs-slim", "", []string{"20"}},
		{"jdk", "jdk", "", nil},
		{"python313freethreading", "python", "freethreading", []string{"313"}},
	} {
		base, parts, suffix := rankAttrVersion(tc.attr)
		if base != tc.base || suffix != tc.suffix || !slices.Equal(parts, tc.parts) {
			t.Errorf("rankAttrVersion(%q) = %q %q %q", tc.attr, base, parts, suffix)
		}
	}
}

func TestRankContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewMatcher(rankTestIndex(), 1).Search(ctx, Query{Text: "python 3.12"}, 1); err == nil {
		t.Error("cancelled version query returned no error")
	}
}

func TestRankSuggest(t *testing.T) {
	ix := rankTestIndex()
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"rg", []string{"ripgrep"}}, // a command: its package
		{"nvim", []string{"neovim", "neovim-unwrapped"}},
		{"terrafrom", []string{"terraform"}},
		{"python3Packages.reqests", []string{"python3Packages.requests"}}, // under the typed alias
	} {
		if got := ix.Suggest(tc.name, 2); len(got) < len(tc.want) || !slices.Equal(got[:len(tc.want)], tc.want) {
			t.Errorf("Suggest(%q) = %q, want prefix %q", tc.name, got, tc.want)
		}
	}
}

func TestVersionAttr(t *testing.T) {
	ix := rankTestIndex()
	for _, tc := range []struct {
		spec, attr, version string
		exact, variant, ok  bool
	}{
		{"nodejs@20", "nodejs_20", "20.19.5", true, false, true},
		{"python@3.12", "python312", "3.12.11", true, false, true},
		{"python@3.13", "python314", "3.14.0rc3", false, false, true}, // closest newer
		{"postgres@16", "postgresql_16", "16.10", true, false, true},
		{"go@1.24", "go_1_24", "1.24.7", true, false, true},
		{"jdk@21", "jdk", "21.0.8+9", true, false, true}, // not jdk21_headless
		{"jdk@17", "jdk17", "17.0.16", true, false, true},
		{"lua@5.2", "lua", "5.2.4", true, false, true},
		{"lua@5.4", "lua5_4_compat", "5.4.7", true, true, true}, // only a suffixed one
		{"nodejs@30", "", "", false, false, false},              // nothing newer
		{"tmux@3", "tmux", "3.5a", true, false, true},
		{"nodejs", "", "", false, false, false},
		{"nodejs@x", "", "", false, false, false},
		{"@20", "", "", false, false, false},
		{"nosuch@1", "", "", false, false, false},
	} {
		attr, version, exact, variant, ok := ix.VersionAttr(tc.spec)
		if attr != tc.attr || version != tc.version || exact != tc.exact || variant != tc.variant || ok != tc.ok {
			t.Errorf("VersionAttr(%q) = %q %q %v %v %v; want %q %q %v %v %v", tc.spec, attr, version, exact, variant, ok, tc.attr, tc.version, tc.exact, tc.variant, tc.ok)
		}
	}
}

// TestRankProgramsScanMatchesTable: before Matcher.Prepare a main program
// is looked up by scanning, after it in the table; both give the same
// packages in the same order, for every program of the index, in other
// cases and absent.
func TestRankProgramsScanMatchesTable(t *testing.T) {
	ix := rankTestIndex()
	r := ix.rankPrepare()
	progs := []string{"NVIM", "Rg", "absent", ""}
	for i := range ix.Len() {
		if mp := ix.MainProgram(i); mp != "" {
			progs = append(progs, mp)
		}
	}
	scanned := map[string][]int32{}
	for _, p := range progs {
		scanned[p] = r.runs(ix, strings.ToLower(p))
	}
	if len(scanned["nvim"]) != 2 || len(scanned["python3"]) != 3 {
		t.Fatalf("scan: nvim %v, python3 %v; want 2 and 3 packages", scanned["nvim"], scanned["python3"])
	}
	NewMatcher(ix, 0).Prepare()
	if !r.progBuilt.Load() {
		t.Fatal("Prepare did not build the main-program table")
	}
	for _, p := range progs {
		if got := r.runs(ix, strings.ToLower(p)); !slices.Equal(got, scanned[p]) {
			t.Errorf("runs(%q): table %v, scan %v", p, got, scanned[p])
		}
	}
	masks, lens := ix.rankTypoTables(r)
	if len(masks) != ix.Len() || len(lens) != ix.Len() {
		t.Errorf("typo tables: %d masks, %d lengths for %d packages", len(masks), len(lens), ix.Len())
	}
}

// TestRankDefaultSets: an exact name in a set its language defaults to
// (an alias set's target, the first of a family of several) ranks before
// top-level prefixes; one in another set (rPackages, haskellPackages) after
// them, as any nested match at equal quality — unless no top-level name
// starts with the query, when the ecosystem order decides as for default
// sets.
func TestRankDefaultSets(t *testing.T) {
	p := func(attr string) Package { return Package{Attr: attr, Pname: attr, Version: "1"} }
	ix := NewIndex([]Package{
		p("rustc"), p("rustup"), p("rust-analyzer"), p("rPackages.rust"), p("rPackages.dplyr"), p("rPackages.ggplot2"),
		p("vimPlugins.nvim-treesitter-parsers.rust"), p("vimPlugins.telescope-nvim"), p("vimPlugins.vim-fugitive"), p("vimPlugins.nvim-cmp"),
		p("python313Packages.black"), p("python312Packages.black"), p("black-hole-solver"),
		p("emacsPackages.magit"), p("emacsPackages.erlang"),
		p("beam28Packages.erlang"), p("beam27Packages.erlang"), p("haskellPackages.erlang"), p("erlang-ls"),
		p("lua52Packages.telescope-nvim"), p("lua51Packages.telescope-nvim"),
		p("mysql84"), p("mysql80"), p("haskellPackages.mysql"),
	}).WithAliasSets(map[string]string{"python3Packages": "python313Packages", "luaPackages": "lua52Packages"})
	m := NewMatcher(ix, 2)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"rust", []string{"rustc", "rustup", "rust-analyzer", "rPackages.rust", "vimPlugins.nvim-treesitter-parsers.rust"}},
		{"mysql", []string{"mysql84", "mysql80", "haskellPackages.mysql"}},
		{"black", []string{"python313Packages.black", "black-hole-solver", "python312Packages.black"}},
		{"erlang", []string{"beam28Packages.erlang", "erlang-ls", "emacsPackages.erlang", "haskellPackages.erlang", "beam27Packages.erlang"}},
		{"magit", []string{"emacsPackages.magit"}},
		{"telescope-nvim", []string{"vimPlugins.telescope-nvim", "lua52Packages.telescope-nvim", "lua51Packages.telescope-nvim"}},
	} {
		rankWantFirst(t, m, tc.query, tc.want)
	}
}

// rankWantFirst searches query with m and reports an error unless the
// first results' names are want; it returns the result and whether they
// were.
func rankWantFirst(t *testing.T, m *Matcher, query string, want []string) (Result, bool) {
	t.Helper()
	res := matchSearch(t, m, Query{Text: query}, 0)
	var got []string
	for _, mt := range res.Matches {
		got = append(got, mt.Name)
	}
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("%q = %q, want prefix %q", query, got, want)
		return res, false
	}
	return res, true
}
