package main

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/devsh/devsh/nixsearch"
)

// askTwins pairs each of names with those of cands that are its namesakes
// in ix (nixsearch.Index.Namesake): the pairs worth asking nix about
// (nixsearch.Nix.Twins); nil when there is none, so that nix does not run.
func askTwins(ix *nixsearch.Index, names, cands []string) map[string][]string {
	var ask map[string][]string
	pair := func(n, c string) {
		if !slices.Contains(ask[n], c) {
			if ask == nil {
				ask = map[string][]string{}
			}
			ask[n] = append(ask[n], c)
		}
	}
	if len(names)*len(cands) > askTwinsPairs {
		keep := map[string]bool{}
		for _, c := range cands {
			keep[c] = true
		}
		for n, cs := range ix.Namesakes(names) {
			for _, c := range cs {
				if keep[c] {
					pair(n, c)
				}
			}
		}
		return ask
	}
	for _, n := range names {
		for _, c := range cands {
			if ix.Namesake(n, c) {
				pair(n, c)
			}
		}
	}
	return ask
}

// askTwinsPairs is where askTwins stops looking pairs up (two binary
// searches each, ~1 µs) and makes one pass over the index instead
// (Index.Namesakes, a few ms over 130k packages): a command line or a page
// of rows against devshell.toml is far below it, `search --limit 0` far
// above.
const askTwinsPairs = 2048

// addTwins finds which of names devshell.toml already has under another
// name (python313 when it has python3): name → those names. It reads the
// file and runs nix only when a name shares its pname and version with a
// package of the file; without the file, or without an index, there is
// nothing to find. When nix cannot tell (missing, failing), the add goes
// on as written, with a note: the check spares a duplicate, its failure
// loses nothing. Only an interruption stops it.
func addTwins(ctx context.Context, g *GlobalOptions, proj *devshell.Project, np editNixpkgs, names []string) (map[string][]string, error) {
	if np.ix == nil || np.err != nil {
		return nil, nil
	}
	inst := installedSet(proj) // none without a file, or with one the edit reports on
	ask := askTwins(np.ix, names, slices.Collect(maps.Keys(inst)))
	if ask == nil {
		return nil, nil
	}
	twins, err := g.nix().Twins(ctx, np.src, ask)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		twinsNote(g, err)
		return nil, nil
	}
	return twins, nil
}

// twinsNote says on stderr that nix could not tell which names are one
// derivation, and why.
func twinsNote(g *GlobalOptions, err error) {
	fmt.Fprintln(g.IO.ErrOut, termtext.Line(fmt.Sprintf("note: could not tell which packages devshell.toml has under other names (python3 for python313): %v", err)))
}

// markTwins marks installed (canonical names) the rows that are, under
// another name, a package of devshell.toml (inst): python313 when it has
// python3. Nix runs only when a row shares its pname and version with a
// package of the file that is not that row; when it cannot tell, the rows
// go without those marks, with a note.
func markTwins(ctx context.Context, g *GlobalOptions, src nixsearch.Source, ix *nixsearch.Index, rows []nixsearch.Match, inst, installed map[string]bool) error {
	var shown []string
	for _, mt := range rows {
		if !installed[ix.Canonical(mt.Name)] {
			shown = append(shown, ix.Attr(mt.Index))
		}
	}
	ask := askTwins(ix, slices.Collect(maps.Keys(inst)), shown)
	if ask == nil {
		return nil
	}
	twins, err := g.nix().Twins(ctx, src, ask)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		twinsNote(g, err) // the rows go out without those marks
		return nil
	}
	for n := range inst {
		for _, t := range twins[n] {
			installed[ix.Canonical(t)] = true
		}
	}
	return nil
}
