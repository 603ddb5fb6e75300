package main

import (
	"context"
	"fmt"

	"github.com/devsh/devsh/devshell"
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
// nothing to find.
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
		return nil, verifyHint(fmt.Errorf("check for the packages under other names: %w", err))
	}
	return twins, nil
}

// markTwins marks installed (canonical names) the rows that are, under
// another name, a package of devshell.toml (inst): python313 when it has
// python3. Nix runs only when a row shares its pname and version with a
// package of the file that is not that row.
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
		return fmt.Errorf("check for installed packages under other names: %w", err)
	}
	for n := range inst {
		for _, t := range twins[n] {
			installed[ix.Canonical(t)] = true
		}
	}
	return nil
}
