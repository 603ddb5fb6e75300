package nixsearch

import (
	"slices"
	"testing"
)

func TestIndexSortsAndDedupes(t *testing.T) {
	in := []Package{
		{Attr: "zlib", Version: "1"},
		{Attr: "python313Packages.requests", Version: "2"},
		{Attr: "cargo", Version: "first"},
		{Attr: "cargo-edit"},
		{Attr: "cargo", Version: "second"},
		{Attr: "cargo.x"},
	}
	orig := slices.Clone(in)
	ix := NewIndex(in)
	if !slices.Equal(in, orig) {
		t.Error("NewIndex modified its argument")
	}
	var got []string
	for i := 0; i < ix.Len(); i++ {
		got = append(got, ix.At(i).Attr)
	}
	want := []string{"cargo", "cargo-edit", "cargo.x", "python313Packages.requests", "zlib"}
	if !slices.Equal(got, want) {
		t.Errorf("attrs %q, want %q", got, want)
	}
	if p, _ := ix.Lookup("cargo"); p.Version != "first" {
		t.Errorf("duplicate kept version %q, want the first", p.Version)
	}
}

func TestIndexLookup(t *testing.T) {
	ix := matchTestIndex()
	for _, tc := range []struct {
		attr string
		ok   bool
	}{
		{"cargo", true},
		{"python313Packages.requests", true},
		{"requests", false},
		{"Cargo", false}, // attribute paths are case-sensitive
		{"", false},
		{"zzz", false},
		{"cargo-edit-unwrapped", true},
	} {
		p, ok := ix.Lookup(tc.attr)
		if ok != tc.ok || (ok && p.Attr != tc.attr) {
			t.Errorf("Lookup(%q) = %q, %v; want ok=%v", tc.attr, p.Attr, ok, tc.ok)
		}
	}
	if _, ok := NewIndex(nil).Lookup("x"); ok {
		t.Error("empty index found something")
	}
}

func TestIndexSuggest(t *testing.T) {
	ix := matchTestIndex()
	for _, tc := range []struct {
		name string
		n    int
		want []string
	}{
		{"cargo-edt", 3, []string{"cargo-edit", "cargo-deny"}},
		// (emacsPackages holds two packages here, rPackages one)
		{"carg", 3, []string{"cargo", "emacsPackages.cargo", "rPackages.cargo"}},
		{"Cargo-Edit", 1, []string{"cargo-edit"}},
		{"requets", 3, []string{"python313Packages.requests", "python312Packages.requests", "python311Packages.requests"}},
		{"python313Packages.reqeusts", 1, []string{"python313Packages.requests"}},
		{"helo", 5, []string{"hello"}},
		{"rsutc", 1, []string{"rustc"}}, // transposition counts once
		{"qqqqqqqq", 3, nil},
		{"cargo", 0, nil},
	} {
		if got := ix.Suggest(tc.name, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("Suggest(%q, %d) = %q, want %q", tc.name, tc.n, got, tc.want)
		}
	}
}

func TestIndexVersionCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"python313Packages", "python312Packages", -1},
		{"python312Packages", "python313Packages", 1},
		{"python313Packages", "python39Packages", -1},
		{"python39Packages", "python313Packages", 1},
		{"rubyPackages_3_4", "rubyPackages_3_1", -1},
		{"rubyPackages_3_10", "rubyPackages_3_9", -1},
		{"python313Packages", "python313Packages", 0},
		{"rubyPackages", "rubyPackages_3_4", 0}, // no differing digit runs
		{"lua51Packages", "luajitPackages", 0},
		{"php08", "php8", 0}, // leading zeros do not count
	} {
		if got := indexVersionCompare(tc.a, tc.b); got != tc.want {
			t.Errorf("indexVersionCompare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestIndexFamily(t *testing.T) {
	for in, want := range map[string]string{
		"python313Packages": "pythonPackages",
		"rubyPackages_3_4":  "rubyPackages",
		"perl540Packages":   "perlPackages",
		"haskellPackages":   "haskellPackages",
		"":                  "",
	} {
		if got := indexFamily(in); got != want {
			t.Errorf("indexFamily(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIndexSetVariants(t *testing.T) {
	ix := NewIndex([]Package{
		{Attr: "python312Packages.a"}, {Attr: "python313Packages.a"}, {Attr: "python313Packages.b"},
		{Attr: "kodiPackages.a"}, {Attr: "a"}, {Attr: "python3-x"},
	})
	want := map[string]int{"python312Packages": 2, "python313Packages": 2, "kodiPackages": 1}
	if len(ix.sets) != len(want) {
		t.Fatalf("sets %+v, want %v", ix.sets, want)
	}
	for _, s := range ix.sets {
		if want[s.name] != s.variants {
			t.Errorf("set %s has %d variants, want %d", s.name, s.variants, want[s.name])
		}
	}
	for i := 0; i < ix.Len(); i++ {
		a := ix.At(i).Attr
		if top := ix.set[i] < 0; top != !slices.Contains([]byte(a), '.') {
			t.Errorf("%s: set %d", a, ix.set[i])
		}
	}
}

// TestIndexMetaFields: every meta field survives NewIndex (sorted, first of
// equal attributes kept) and the per-field accessors agree with At.
func TestIndexMetaFields(t *testing.T) {
	pkgs := []Package{
		{Attr: "ripgrep", Pname: "ripgrep", Version: "14.1.1", MainProgram: "rg", License: "MIT, Unlicense", Homepage: "https://github.com/BurntSushi/ripgrep"},
		{Attr: "steam", License: "unfree", Unfree: true},
		{Attr: "darwin-only", Unavailable: true},
		{Attr: "old", Broken: true, Insecure: true},
		{Attr: "ripgrep", MainProgram: "second copy, dropped"},
	}
	ix := NewIndex(pkgs)
	if ix.Len() != 4 {
		t.Fatalf("Len() = %d, want 4", ix.Len())
	}
	for _, want := range pkgs[:4] {
		got, ok := ix.Lookup(want.Attr)
		if !ok || got != want {
			t.Errorf("Lookup(%q) = %+v, %v, want %+v", want.Attr, got, ok, want)
		}
	}
	for i := range ix.Len() {
		p := ix.At(i)
		if ix.Attr(i) != p.Attr || ix.MainProgram(i) != p.MainProgram || ix.Unfree(i) != p.Unfree ||
			ix.Broken(i) != p.Broken || ix.Insecure(i) != p.Insecure || ix.Unavailable(i) != p.Unavailable {
			t.Errorf("accessors of %d disagree with At: %+v", i, p)
		}
	}
	if ix.MetaMissing() != "" {
		t.Errorf("MetaMissing() = %q", ix.MetaMissing())
	}
	if m := ix.WithMetaMissing("not gathered"); m.MetaMissing() != "not gathered" || ix.MetaMissing() != "" || m.At(0) != ix.At(0) {
		t.Error("WithMetaMissing changed the original or lost the packages")
	}
	if p := ix.WithPartial("1 of 2 shards"); p.Partial() != "1 of 2 shards" || p.MetaMissing() != "" || ix.Partial() != "" || p.At(0) != ix.At(0) {
		t.Error("WithPartial changed the original, set MetaMissing or lost the packages")
	}
}
