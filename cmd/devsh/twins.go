package main

import (
	"context"
	"fmt"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/devsh/devsh/nixsearch"
)

// askTwins is the part of ix.Namesakes(names) whose candidates keep
// accepts: the pairs worth asking nix about (nixsearch.Nix.Twins); nil
// when there is none, so that nix does not run.
func askTwins(ix *nixsearch.Index, names []string, keep func(string) bool) map[string][]string {
	var ask map[string][]string
	for n, cands := range ix.Namesakes(names) {
		for _, c := range cands {
			if keep(c) {
				if ask == nil {
					ask = map[string][]string{}
				}
				ask[n] = append(ask[n], c)
			}
		}
	}
	return ask
}

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
	ask := askTwins(np.ix, names, func(c string) bool { return inst[c] })
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
	shown := map[string]bool{}
	for _, mt := range rows {
		if !installed[ix.Canonical(mt.Name)] {
			shown[ix.Attr(mt.Index)] = true
		}
	}
	names := make([]string, 0, len(inst))
	for n := range inst {
		names = append(names, n)
	}
	ask := askTwins(ix, names, func(c string) bool { return shown[c] })
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
