package main

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/devsh/devsh/nixsearch"
)

// TestAskTwins: the pairs looked up one by one and the pass over the index
// (Index.Namesakes, for many pairs) give the same answer.
func TestAskTwins(t *testing.T) {
	var pkgs []nixsearch.Package
	for i := range 100 {
		pkgs = append(pkgs, nixsearch.Package{Attr: fmt.Sprintf("p%03d", i), Pname: fmt.Sprintf("n%d", i%7), Version: "1"})
	}
	ix := nixsearch.NewIndex(pkgs)
	names := []string{"p000", "p001", "p050"}
	var few, many []string
	for i := range 100 {
		many = append(many, fmt.Sprintf("p%03d", i))
	}
	few = many[:20]
	for _, cands := range [][]string{few, many, slices.Repeat(many, 10)} {
		got := askTwins(ix, names, cands)
		want := map[string][]string{}
		for _, n := range names {
			for _, c := range cands {
				if c != n && ix.Namesake(n, c) && !slices.Contains(want[n], c) {
					want[n] = append(want[n], c)
				}
			}
		}
		for k := range got {
			slices.Sort(got[k])
		}
		if !maps.EqualFunc(got, want, slices.Equal[[]string]) {
			t.Errorf("askTwins over %d candidates = %v, want %v", len(cands), got, want)
		}
	}
	if len(names)*1000 <= askTwinsPairs {
		t.Fatal("the test must cross askTwinsPairs")
	}
}
