package nixsearch

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode"

	"github.com/sahilm/fuzzy"
)

// matchTestIndex is a hand-made index for the ranking cases.
func matchTestIndex() *Index {
	attrs := []string{
		"go", "gopls", "go_1_24", "golangci-lint", "mongodb", "gotools",
		"emacsPackages.go", "texlivePackages.go", "vimPlugins.nvim-treesitter-parsers.go",
		"cargo", "cargo-edit", "cargo-edit-unwrapped", "cargo-expand", "cargo-deny",
		"rPackages.cargo", "emacsPackages.cargo", "rustc",
		"python39Packages.requests", "python311Packages.requests", "python312Packages.requests",
		"python313Packages.requests", "pypy3Packages.requests", "kodiPackages.requests",
		"python312Packages.requests-oauthlib", "python313Packages.requests-oauthlib",
		"python313Packages.grequests", "python313Packages.httpx", "hello", "gnugrep",
	}
	desc := map[string]string{
		"cargo":                      "Downloads your Rust project's dependencies and builds your project",
		"cargo-edit":                 "Utility for managing cargo dependencies from the command line",
		"cargo-edit-unwrapped":       "Utility for managing cargo dependencies from the command line",
		"cargo-deny":                 "Cargo plugin for linting your dependencies",
		"python313Packages.requests": "HTTP library for Python",
		"python313Packages.httpx":    "The next generation HTTP client",
		"hello":                      "Program that produces a familiar, friendly greeting",
		"gnugrep":                    "GNU implementation of the Unix grep command",
	}
	pkgs := make([]Package, len(attrs))
	for i, a := range attrs {
		pkgs[i] = Package{Attr: a, Pname: a[strings.LastIndexByte(a, '.')+1:], Version: "1.0", Description: desc[a]}
	}
	return NewIndex(pkgs)
}

// matchAttrs lists the attributes of a result's matches.
func matchAttrs(ix *Index, r Result) []string {
	out := make([]string, len(r.Matches))
	for i, m := range r.Matches {
		out[i] = ix.At(m.Index).Attr
	}
	return out
}

func matchSearch(t *testing.T, m *Matcher, q Query, limit int) Result {
	t.Helper()
	r, err := m.Search(context.Background(), q, limit)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return r
}

func TestMatchRanking(t *testing.T) {
	ix := matchTestIndex()
	for _, tc := range []struct {
		query string
		want  []string // the first len(want) results, in order
	}{
		// exact attribute, then top-level prefixes by fuzzy score, then
		// the exact last segment in sets no language defaults to (top
		// level first at equal quality), shallower first.
		{"go", []string{"go", "gopls", "go_1_24", "gotools", "golangci-lint", "emacsPackages.go", "texlivePackages.go", "vimPlugins.nvim-treesitter-parsers.go"}},
		// (cargo-deny and cargo-edit tie on score and length: alphabetical;
		// emacsPackages has two packages here, rPackages one: the larger
		// set first)
		{"cargo", []string{"cargo", "cargo-deny", "cargo-edit", "cargo-expand", "cargo-edit-unwrapped", "emacsPackages.cargo", "rPackages.cargo"}},
		// exact last segment: the python family (4 variants) first, newest
		// set first, then other sets by length; then prefixes.
		{"requests", []string{
			"python313Packages.requests", "python312Packages.requests", "python311Packages.requests",
			"python39Packages.requests", "kodiPackages.requests", "pypy3Packages.requests",
			// (a tie: the newer set's first)
			"python313Packages.requests-oauthlib", "python312Packages.requests-oauthlib",
		}},
		// smart case: an upper-case letter matches case for case, so these
		// match nothing by name; the typo search still finds the name
		// (distance 0 once case is ignored), top level first.
		{"CARGO", []string{"cargo", "emacsPackages.cargo", "rPackages.cargo"}},
		{"Requests", []string{"python313Packages.requests", "python312Packages.requests"}},
		// a typed prefix beats a better-scoring fuzzy match elsewhere
		{"cargo-e", []string{"cargo-edit", "cargo-expand", "cargo-edit-unwrapped"}},
		// several words, ANDed, each fuzzy, in any order
		{"cargo edit", []string{"cargo-edit", "cargo-edit-unwrapped"}},
		{"edit cargo", []string{"cargo-edit", "cargo-edit-unwrapped"}},
		// sahilm's separator bonus outweighs the longer name
		{"py313 req", []string{"python313Packages.requests", "python313Packages.requests-oauthlib", "python313Packages.grequests"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			m := NewMatcher(ix, 2)
			r := matchSearch(t, m, Query{Text: tc.query}, 0)
			got := matchAttrs(ix, r)
			if len(got) < len(tc.want) || !slices.Equal(got[:len(tc.want)], tc.want) {
				t.Errorf("Search(%q) =\n  %q\nwant prefix\n  %q", tc.query, got, tc.want)
			}
		})
	}
}

// matchReference is an independent, slow reference for the match set of a
// fuzzy query: every word must be found by fuzzy.Find.
func matchReference(ix *Index, text string) []int {
	var out []int
	for i := 0; i < ix.Len(); i++ {
		ok := true
		for _, w := range strings.Fields(text) {
			if len(fuzzy.Find(w, []string{ix.At(i).Attr})) == 0 {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

func TestMatchMultiWordAND(t *testing.T) {
	ix := matchTestIndex()
	m := NewMatcher(ix, 2)
	for _, q := range []string{"cargo edit", "edit cargo", "py req", "req py 313", "go", "  go  ", "cargo zzz", "e e e"} {
		r := matchSearch(t, m, Query{Text: q}, 0)
		var got []int
		for _, mt := range r.Matches {
			got = append(got, mt.Index)
		}
		slices.Sort(got)
		want := matchReference(ix, q)
		if !slices.Equal(got, want) || r.Total != len(want) {
			t.Errorf("%q: matched %v (total %d), want %v", q, got, r.Total, want)
		}
	}
}

func TestMatchEmptyQuery(t *testing.T) {
	ix := matchTestIndex()
	m := NewMatcher(ix, 2)
	for _, q := range []string{"", "   ", "\t"} {
		r := matchSearch(t, m, Query{Text: q}, 5)
		if r.Total != ix.Len() || len(r.Matches) != 5 {
			t.Fatalf("%q: total %d, %d matches; want %d, 5", q, r.Total, len(r.Matches), ix.Len())
		}
		for i, mt := range r.Matches {
			if mt.Index != i {
				t.Errorf("%q: match %d is package %d, want index order", q, i, mt.Index)
			}
		}
		if all := matchSearch(t, m, Query{Text: q}, 0); len(all.Matches) != ix.Len() {
			t.Errorf("%q with no limit: %d matches, want %d", q, len(all.Matches), ix.Len())
		}
	}
}

func TestMatchPositions(t *testing.T) {
	ix := matchTestIndex()
	m := NewMatcher(ix, 2)
	for _, tc := range []struct {
		query string
		desc  bool
		attr  string
		want  []int
	}{
		{"ce", false, "cargo-edit", []int{0, 6}},
		{"cargo edit", false, "cargo-edit", []int{0, 1, 2, 3, 4, 6, 7, 8, 9}},
		{"req", false, "python313Packages.requests", []int{18, 19, 20}},
		{"edit", true, "cargo-edit", []int{6, 7, 8, 9}},
		{"dependencies", true, "cargo-edit", nil},
	} {
		r := matchSearch(t, m, Query{Text: tc.query, Descriptions: tc.desc}, 0)
		found := false
		for _, mt := range r.Matches {
			if ix.At(mt.Index).Attr == tc.attr {
				found = true
				if !slices.Equal(mt.Positions, tc.want) {
					t.Errorf("%q on %s: positions %v, want %v", tc.query, tc.attr, mt.Positions, tc.want)
				}
			}
		}
		if !found {
			t.Errorf("%q: %s not matched", tc.query, tc.attr)
		}
	}
}

func TestMatchDescriptions(t *testing.T) {
	ix := matchTestIndex()
	m := NewMatcher(ix, 2)
	for _, tc := range []struct {
		query string
		want  []string // all matches, best first
	}{
		// in the description; a word in the attribute weighs more
		{"dependencies", []string{"cargo", "cargo-deny", "cargo-edit", "cargo-edit-unwrapped"}},
		// all four start with "cargo"; cargo's own description lacks it
		{"cargo dependencies", []string{"cargo-deny", "cargo-edit", "cargo-edit-unwrapped", "cargo"}},
		{"dependencies command", []string{"cargo-edit", "cargo-edit-unwrapped"}},
		// smart case: an upper-case letter makes the word case-sensitive
		{"DEPENDENCIES command", nil},
		{"Python", []string{"python313Packages.requests"}},
		{"HTTP", []string{"python313Packages.httpx", "python313Packages.requests"}},
		// attribute or description, case-insensitive, ANDed
		{"http", []string{"python313Packages.httpx", "python313Packages.requests"}},
		{"http client", []string{"python313Packages.httpx"}},
		{"grep", []string{"gnugrep"}},
		{"zzz", nil},
	} {
		r := matchSearch(t, m, Query{Text: tc.query, Descriptions: true}, 0)
		if got := matchAttrs(ix, r); !slices.Equal(got, tc.want) || r.Total != len(tc.want) {
			t.Errorf("%q: %q (total %d), want %q", tc.query, got, r.Total, tc.want)
		}
	}
}

// matchRandString builds a string from an alphabet that exercises the
// scorer: separators, camel case, and runes that fold onto ASCII (the Kelvin
// sign K onto k, ſ onto s), NUL and invalid UTF-8.
func matchRandString(r *rand.Rand, alphabet []string, maxLen int) string {
	n := r.IntN(maxLen + 1)
	var b strings.Builder
	for range n {
		b.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func TestMatchFuzzyEquivalence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	targetAlpha := strings.Split("a b c k s A B C K S - . _ / \\ x y P K ſ é É \x00 \xff 1 2", " ")
	targetAlpha = append(targetAlpha, " ")
	patternAlpha := strings.Split("a b c k s A C K S - . _ x P K ſ é É 1", " ")
	asciiTargets := strings.Split("a b c k s A B C K S - . _ / \\ x y P 1", " ")
	asciiPatterns := strings.Split("a b c k s A C - . _ x P", " ")
	for round := range 30 {
		ta, pa := targetAlpha, patternAlpha
		if round%3 == 0 { // plain ASCII: the prefiltered fast path
			ta, pa = asciiTargets, asciiPatterns
		}
		seen := map[string]bool{}
		var pkgs []Package
		for range 400 {
			a := matchRandString(r, ta, 14)
			if a == "" || seen[a] {
				continue
			}
			seen[a] = true
			pkgs = append(pkgs, Package{Attr: a})
		}
		ix := NewIndex(pkgs)
		attrs := make([]string, ix.Len())
		for i := range attrs {
			attrs[i] = ix.At(i).Attr
		}
		m := NewMatcher(ix, 2)
		m.chunk = 37
		for range 60 {
			pat := matchRandString(r, pa, 4)
			if strings.TrimSpace(pat) == "" {
				continue
			}
			want := map[int]fuzzy.Match{}
			for _, f := range fuzzy.Find(pat, attrs) {
				// Smart case: a pattern with an upper-case letter must
				// also occur case for case.
				if matchRefHasUpper(pat) && !matchRefCasedSubsequence(attrs[f.Index], pat) {
					continue
				}
				want[f.Index] = f
			}
			res := matchSearch(t, m, Query{Text: pat}, 0)
			// An ASCII word of rankTypoMin letters that matches nothing
			// by name or prefix gets typo rows: not fuzzy matches (no
			// positions), left out of the comparison.
			res.Matches = slices.DeleteFunc(res.Matches, func(mt Match) bool {
				_, ok := want[mt.Index]
				return !ok && mt.Positions == nil && len(pat) >= rankTypoMin
			})
			res.Total = len(res.Matches)
			if res.Total != len(want) {
				t.Errorf("round %d %q: %d matches, fuzzy.Find has %d", round, pat, res.Total, len(want))
			}
			for _, mt := range res.Matches {
				f, ok := want[mt.Index]
				switch {
				case !ok:
					t.Errorf("round %d %q matched %q, fuzzy.Find does not", round, pat, attrs[mt.Index])
				case f.Score != mt.Score || !slices.Equal(f.MatchedIndexes, mt.Positions):
					t.Errorf("round %d %q on %q: score %d positions %v, fuzzy.Find %d %v",
						round, pat, attrs[mt.Index], mt.Score, mt.Positions, f.Score, f.MatchedIndexes)
				}
			}
		}
	}
}

// matchRefHasUpper and matchRefCasedSubsequence are the test's own
// statement of smart case, rune by rune.
func matchRefHasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

func matchRefCasedSubsequence(s, pat string) bool {
	rs := []rune(s)
	j := 0
	for _, c := range pat {
		for j < len(rs) && rs[j] != c {
			j++
		}
		if j == len(rs) {
			return false
		}
		j++
	}
	return true
}

// matchCountingCtx reports cancellation from its n-th Err call on.
type matchCountingCtx struct {
	context.Context
	calls atomic.Int64
	n     int64
}

func (c *matchCountingCtx) Err() error {
	if c.calls.Add(1) >= c.n {
		return context.Canceled
	}
	return nil
}

func TestMatchCancel(t *testing.T) {
	ix := NewIndex(genPackages(5000))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := NewMatcher(ix, 2)
	if _, err := m.Search(ctx, Query{Text: "cargo"}, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: err = %v, want context.Canceled", err)
	}
	// Cancelled in the middle of the scan: the workers stop between
	// chunks, and the partial match set is not remembered.
	m.chunk = 50
	cctx := &matchCountingCtx{Context: context.Background(), n: 10}
	if _, err := m.Search(cctx, Query{Text: "a"}, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled midway: err = %v, want context.Canceled", err)
	}
	if got := cctx.calls.Load(); got > 10+int64(m.workers) {
		t.Errorf("scan went on after cancellation: %d ctx checks", got)
	}
	got := matchSearch(t, m, Query{Text: "ab"}, 10)
	want := matchSearch(t, NewMatcher(ix, 1), Query{Text: "ab"}, 10)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after a cancelled search: %+v, want %+v", got, want)
	}
}

// matchEdit applies one random editing step to a query, like a user typing.
func matchEdit(r *rand.Rand, q Query, names []string) Query {
	const typed = "cargoeditpyhnrqus-._3 "
	switch k := r.IntN(20); {
	case k < 11:
		q.Text += string(typed[r.IntN(len(typed))])
	case k < 15:
		if q.Text != "" {
			q.Text = q.Text[:len(q.Text)-1]
		}
	case k < 16:
		q.Text = ""
	case k < 17:
		q.Descriptions = !q.Descriptions
	case k < 19:
		n := names[r.IntN(len(names))]
		q.Text = n[:1+r.IntN(len(n))]
	default:
		q.Text += " " + names[r.IntN(len(names))][:1]
	}
	return q
}

func TestMatchNarrowingProperty(t *testing.T) {
	pkgs := genPackages(3000)
	ix := NewIndex(pkgs)
	names := []string{"cargo-edit", "python313Packages.requests", "haskellPackages", "go", "vim", "utility command", "lib"}
	r := rand.New(rand.NewPCG(7, 8))
	for seq := range 30 {
		m := NewMatcher(ix, 3)
		m.chunk = 64
		var q Query
		for step := range 25 {
			q = matchEdit(r, q, names)
			limit := []int{0, 1, 10}[r.IntN(3)]
			got := matchSearch(t, m, q, limit)
			fresh := NewMatcher(ix, 1)
			want := matchSearch(t, fresh, q, limit)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seq %d step %d %+v limit %d: narrowed result differs from a fresh search\n got %v\nwant %v",
					seq, step, q, limit, matchAttrs(ix, got), matchAttrs(ix, want))
			}
			// The bounded heaps keep exactly the head of the full ranking.
			if limit > 0 {
				all := matchSearch(t, fresh, q, 0)
				all.Matches = all.Matches[:min(limit, len(all.Matches))]
				if !reflect.DeepEqual(got, Result{Query: q, Total: all.Total, Matches: all.Matches}) {
					t.Fatalf("seq %d step %d %+v: top %d differs from the head of the full ranking", seq, step, q, limit)
				}
			}
		}
	}
}

func TestMatchNarrows(t *testing.T) {
	for _, tc := range []struct {
		old, new string
		desc     bool
		want     bool
	}{
		{"car", "carg", false, true},
		{"car", "cxaxr", false, true}, // a subsequence still implies the old match
		{"car", "ca", false, false},
		{"cargo", "cargo e", false, true},
		{"cargo e", "cargo", false, false},
		{"cargo e", "cargo ed", false, true},
		{"ed", "cargo ed", false, false},
		{"car", "carg", true, true},
		{"car", "cxaxr", true, false}, // substring search needs a substring
		{"é", "éa", false, true},
		{"é", "aé", false, false},
		// Half of ſ's two bytes (a byte-cut argument) is U+FFFD to the
		// rune matcher and matches nothing ſ matches.
		{"\xc5", "ſb", false, false},
		{"ſ", "ſb", false, true},
	} {
		o, n := matchPrepare(Query{Text: tc.old, Descriptions: tc.desc}), matchPrepare(Query{Text: tc.new, Descriptions: tc.desc})
		if got := matchNarrows(o, n); got != tc.want {
			t.Errorf("matchNarrows(%q, %q, desc=%v) = %v, want %v", tc.old, tc.new, tc.desc, got, tc.want)
		}
	}
	if matchNarrows(matchPrepare(Query{Text: "a"}), matchPrepare(Query{Text: "ab", Descriptions: true})) {
		t.Error("a fuzzy query narrowed to a description query")
	}
}

func TestMatchConcurrent(t *testing.T) {
	ix := NewIndex(genPackages(4000))
	queries := []Query{
		{Text: "c"}, {Text: "ca"}, {Text: "car"}, {Text: "cargo"}, {Text: "cargo-e"},
		{Text: "py req"}, {Text: "lib", Descriptions: true}, {Text: "vim"}, {Text: "go"}, {Text: ""},
	}
	want := make([]Result, len(queries))
	for i, q := range queries {
		want[i] = matchSearch(t, NewMatcher(ix, 1), q, 20)
	}
	m := NewMatcher(ix, 2)
	m.chunk = 128
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(queries))
	for g := range 8 {
		wg.Go(func() {
			for k := range queries {
				i := (k + g) % len(queries)
				got, err := m.Search(context.Background(), queries[i], 20)
				if err != nil {
					errs <- err
					continue
				}
				if !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Errorf("goroutine %d %+v: concurrent result differs", g, queries[i])
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMatchWorkersDefault(t *testing.T) {
	if m := NewMatcher(matchTestIndex(), 0); m.workers < 1 {
		t.Errorf("workers = %d, want GOMAXPROCS", m.workers)
	}
}

func TestMatchBoundHolds(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alpha := strings.Split("a b c A B C - . _ / \\ x", " ")
	alpha = append(alpha, " ")
	for range 200_000 {
		target := matchRandString(r, alpha, 12)
		pat := indexAppendLower(nil, matchRandString(r, strings.Split("a b c x - .", " "), 5))
		if target == "" || len(pat) == 0 {
			continue
		}
		low := indexAppendLower(nil, target)
		first, ok := matchFirst(low, pat)
		score, _, matched := matchScoreASCII(target, low, pat, nil, false)
		if ok != matched {
			t.Fatalf("%q in %q: subsequence %v, scorer %v", pat, target, ok, matched)
		}
		if ok && score > matchBound(len(pat), first, len(low)) {
			t.Fatalf("%q in %q: score %d above bound %d", pat, target, score, matchBound(len(pat), first, len(low)))
		}
	}
}

func TestMatchIsSeparator(t *testing.T) {
	for c := 0; c < 256; c++ {
		if got, want := matchIsSeparator(byte(c)), strings.IndexByte(matchSeparatorCharacters, byte(c)) >= 0; got != want {
			t.Errorf("matchIsSeparator(%q) = %v, want %v", byte(c), got, want)
		}
	}
}

// TestMatchPrefixScore: the shortcut for a word the attribute starts with
// is sahilm/fuzzy's score exactly (random ASCII targets with separators and
// camel case, words from their first 4–7 bytes).
func TestMatchPrefixScore(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	alpha := strings.Split("a b c A B C - . _ x", " ")
	checked := 0
	for range 50_000 {
		target := matchRandString(r, alpha, 14)
		m := 4 + r.IntN(4)
		if len(target) < m {
			continue
		}
		ix := NewIndex([]Package{{Attr: target}})
		p := matchPrepare(Query{Text: strings.ToLower(target[:m])})
		if len(p.words) != 1 || p.words[0].raw != strings.ToLower(target[:m]) {
			continue // separators made it several words or none
		}
		got, known, isPrefix := ix.matchPrefixScore(0, &p, nil)
		want, ok := ix.matchFuzzy(0, &p)
		if !known || !isPrefix || !ok || got != want {
			t.Fatalf("%q in %q: prefix score %d (known %v), scorer %d (ok %v)", p.words[0].raw, target, got, known, want, ok)
		}
		if f := fuzzy.Find(p.words[0].raw, []string{target}); len(f) != 1 || f[0].Score != got {
			t.Fatalf("%q in %q: prefix score %d, fuzzy.Find %v", p.words[0].raw, target, got, f)
		}
		checked++
	}
	if checked < 10_000 {
		t.Fatalf("only %d cases checked", checked)
	}
	// Shorter words: an upper bound.
	for range 50_000 {
		target := matchRandString(r, alpha, 14)
		m := 1 + r.IntN(3)
		if len(target) < m {
			continue
		}
		ix := NewIndex([]Package{{Attr: target}})
		p := matchPrepare(Query{Text: strings.ToLower(target[:m])})
		if len(p.words) != 1 || p.words[0].raw != strings.ToLower(target[:m]) {
			continue
		}
		bound, known, isPrefix := ix.matchPrefixScore(0, &p, nil)
		want, _ := ix.matchFuzzy(0, &p)
		if known || !isPrefix || want > bound {
			t.Fatalf("%q in %q: bound %d (known %v), score %d", p.words[0].raw, target, bound, known, want)
		}
	}
}

// TestMatchPrefixScoreMemo: with the memo of the previous attribute's
// prefix, matchPrefixScore gives what it gives without, over sorted
// attributes that share prefixes in runs, in other cases and lengths.
func TestMatchPrefixScoreMemo(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	alpha := strings.Split("a b A B - . x", " ")
	var pkgs []Package
	for range 20_000 {
		pkgs = append(pkgs, Package{Attr: matchRandString(r, alpha, 9) + "x"})
	}
	ix := NewIndex(pkgs)
	for _, q := range []string{"ab", "aba", "abab", "a-b.", "xa"} {
		p := matchPrepare(Query{Text: q})
		var memo matchPrefixMemo
		hits := 0
		for i := range ix.Len() {
			got, gotKnown, gotOK := ix.matchPrefixScore(i, &p, &memo)
			want, wantKnown, wantOK := ix.matchPrefixScore(i, &p, nil)
			if got != want || gotKnown != wantKnown || gotOK != wantOK {
				t.Fatalf("%q in %q: with memo %d %v %v, without %d %v %v", q, ix.attr(i), got, gotKnown, gotOK, want, wantKnown, wantOK)
			}
			if gotOK {
				hits++
			}
		}
		if hits < 10 {
			t.Fatalf("%q: only %d prefixes checked", q, hits)
		}
	}
}

// TestMatchLimitIsPrefixOfAll: a limited search gives the first `limit`
// rows of the unlimited one, in the same order, with the same total: the
// scan's cut (matchCut, cutKey) and the heaps' pruning drop only rows that
// at least `limit` rows rank before. The index mixes top-level names, sets
// (nested too), variants and names the rune-by-rune matcher takes, so that
// every tier is populated.
func TestMatchLimitIsPrefixOfAll(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	parts := strings.Split("ab abc b ba c ca abcd cab é ſb aÉ", " ")
	sets := strings.Split("aPackages bPackages python3Packages ab c a.b", " ")
	suffixes := []string{"", "", "", "-unwrapped", "-slim", "_2", "-ab"}
	name := func() string {
		n := parts[r.IntN(len(parts))]
		if r.IntN(3) == 0 {
			n += "-" + parts[r.IntN(len(parts))]
		}
		return n + suffixes[r.IntN(len(suffixes))]
	}
	for round := range 20 {
		seen := map[string]bool{}
		var pkgs []Package
		for range 300 + r.IntN(600) {
			a := name()
			if r.IntN(2) == 0 {
				a = sets[r.IntN(len(sets))] + "." + a
			}
			if seen[a] {
				continue
			}
			seen[a] = true
			p := Package{Attr: a, Pname: a[strings.LastIndexByte(a, '.')+1:], Version: "1.0"}
			if r.IntN(10) == 0 {
				p.MainProgram = parts[r.IntN(len(parts))]
			}
			pkgs = append(pkgs, p)
		}
		ix := NewIndex(pkgs).WithAliasSets(map[string]string{"python3Packages": "aPackages"})
		m := NewMatcher(ix, 2)
		m.chunk = 1 + r.IntN(64)
		for range 40 {
			q := name()
			switch r.IntN(4) {
			case 0:
				q = parts[r.IntN(len(parts))][:1]
			case 1:
				q += " " + parts[r.IntN(len(parts))]
			}
			all := matchSearch(t, NewMatcher(ix, 1), Query{Text: q}, 0)
			for _, limit := range []int{1, 2, 5, 17, 50} {
				got := matchSearch(t, m, Query{Text: q}, limit)
				want := all.Matches[:min(limit, len(all.Matches))]
				if !slices.Equal(matchAttrs(ix, got), matchAttrs(ix, Result{Matches: want})) || got.Total != all.Total {
					t.Fatalf("round %d %q limit %d: %v (total %d), want %v (total %d)", round, q, limit,
						matchAttrs(ix, got), got.Total, matchAttrs(ix, Result{Matches: want}), all.Total)
				}
			}
		}
	}
}

// TestMatchFuzzyResume: resuming the scoring loop after the first segments
// that the previous attribute shared gives sahilm/fuzzy's score (the sum
// over words), over sorted attributes with sets of random names, cases and
// separators.
func TestMatchFuzzyResume(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	alpha := strings.Split("a b A B - _ x 1", " ")
	sets := []string{"aPackages", "ab", "aB.b", "x-a", "a1"}
	var pkgs []Package
	for range 5_000 {
		name := matchRandString(r, alpha, 8) + "b"
		if r.IntN(4) > 0 {
			name = sets[r.IntN(len(sets))] + "." + name
		}
		pkgs = append(pkgs, Package{Attr: name})
	}
	ix := NewIndex(pkgs)
	attrs := make([]string, ix.Len())
	for i := range attrs {
		attrs[i] = ix.attr(i)
	}
	checked := 0
	for _, q := range []string{"a", "ab", "aba", "abab", "pab", "ka", "xb", "a1b", "bbb", "a b", "ab x", "b 1 a"} {
		p := matchPrepare(Query{Text: q})
		var memo matchFuzzyMemo
		for i := range ix.Len() {
			if ok, _, _ := ix.matchCheck(i, &p, nil); !ok {
				continue
			}
			got, gotOK := ix.matchFuzzyResume(i, &p, &memo)
			want, wantOK := ix.matchFuzzy(i, &p)
			if got != want || gotOK != wantOK {
				t.Fatalf("%q in %q: resumed %d %v, from the start %d %v", q, attrs[i], got, gotOK, want, wantOK)
			}
			checked++
		}
		if len(p.words) > 1 {
			continue // fuzzy.Find takes one pattern
		}
		for _, f := range fuzzy.Find(q, attrs) {
			if got, _ := ix.matchFuzzy(f.Index, &p); got != f.Score {
				t.Fatalf("%q in %q: %d, fuzzy.Find %d", q, attrs[f.Index], got, f.Score)
			}
		}
	}
	if checked < 5_000 {
		t.Fatalf("only %d matches checked", checked)
	}
}
