package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/devsh/devsh/nixsearch"
	"github.com/spf13/cobra"
)

// EditOptions are the options of `devsh add` and `devsh remove`.
type EditOptions struct {
	G        *GlobalOptions
	Kind     devshell.EditKind
	Names    []string
	NoVerify bool // add only: skip checking the names against nixpkgs
	DryRun   bool // print a unified diff, write nothing
}

func newAddCmd(g *GlobalOptions) *cobra.Command {
	o := &EditOptions{G: g, Kind: devshell.EditAdd}
	cmd := &cobra.Command{
		Use:   "add PKG...",
		Short: "Add packages to devshell.toml",
		Long: `Add packages (nixpkgs attribute paths such as cargo-edit or python3Packages.black)
to devshell.toml, keeping every other byte of the file. Names are checked against
the project's nixpkgs first: the cached index when it has them, else one nix eval.`,
		Aliases: []string{"install"},
		Args:    needArgs("name at least one package, e.g. devsh add cargo-edit"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Names = args
			return runEdit(cmd.Context(), o)
		},
		ValidArgsFunction: completeAdd(g),
	}
	cmd.Flags().BoolVar(&o.NoVerify, "no-verify", false, "do not check that the packages exist in nixpkgs")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "print the change as a diff and write nothing")
	return cmd
}

func newRemoveCmd(g *GlobalOptions) *cobra.Command {
	o := &EditOptions{G: g, Kind: devshell.EditRemove}
	cmd := &cobra.Command{
		Use:     "remove PKG...",
		Aliases: []string{"rm", "uninstall"},
		Short:   "Remove packages from devshell.toml",
		Args:    needArgs("name at least one package to remove, e.g. devsh remove cargo-edit"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Names = args
			return runEdit(cmd.Context(), o)
		},
		ValidArgsFunction: completeRemove(g),
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "print the change as a diff and write nothing")
	return cmd
}

// runEdit adds or removes packages: check the names, edit the TOML
// atomically, then sync .envrc and direnv.
func runEdit(ctx context.Context, o *EditOptions) error {
	ios := o.G.IO
	names := dedupe(o.Names)
	for _, n := range names {
		if isVersionSpec(n) {
			continue // nodejs@20: resolved below, from the index
		}
		if err := devshell.ValidName(n); err != nil {
			return err
		}
	}
	proj, err := o.G.project()
	if err != nil {
		return err
	}
	// The project's nixpkgs, resolved once: for the version specs, the
	// check of the names and the alias names. --no-verify runs no nix for
	// it unless a version spec needs the index.
	var np editNixpkgs
	specs := slices.ContainsFunc(names, isVersionSpec)
	switch {
	case specs || o.Kind == devshell.EditAdd && !o.NoVerify:
		np = loadNixpkgs(ctx, o.G, proj, o.G.nix())
	default:
		// --no-verify, and a remove: the index, for the alias names,
		// without running nix.
		np = loadNixpkgs(ctx, o.G, proj, o.G.noNix())
	}
	if names, err = resolveSpecs(o.G, np, names); err != nil {
		return err
	}
	edit := devshell.EditOptions{Kind: o.Kind, DryRun: o.DryRun}
	if ix := np.ix; o.Kind == devshell.EditRemove && ix != nil && len(ix.AliasSets()) > 0 {
		// remove pythonPackages.black where the file says
		// python313Packages.black removes that (EditResult.AsWritten).
		edit.Aliases = ix.Names
	}
	if o.Kind == devshell.EditAdd {
		if !o.NoVerify {
			if err := verifyNames(ctx, o.G, proj, np, names); err != nil {
				return err
			}
		}
		// pythonPackages.black is python313Packages.black, and python313
		// may be python3: one package, added once, and not again when the
		// file has it under another name. Finding python3 takes nix, so
		// --no-verify does without.
		var twins map[string][]string
		if !o.NoVerify {
			if twins, err = addTwins(ctx, o.G, proj, np, names); err != nil {
				return err
			}
		}
		if ix := np.ix; ix != nil && (len(ix.AliasSets()) > 0 || twins != nil) {
			names = dedupeCanonical(ix.Canonical, names)
			edit.Aliases = func(n string) []string { return append(ix.Names(n), twins[n]...) }
		}
	}
	edit.Names = names
	res, err := proj.Edit(ctx, edit)
	if err != nil {
		return err
	}
	for _, n := range names {
		if a, ok := res.AsWritten[n]; ok {
			fmt.Fprintln(ios.ErrOut, termtext.Line(fmt.Sprintf("%s is %s in %s", n, a, relName(proj.Root, proj.TOMLPath))))
		}
	}
	if o.DryRun {
		name := relName(proj.Root, proj.TOMLPath)
		fmt.Fprint(ios.Out, sanitizeLines(devshell.UnifiedDiff(name, res.Before, res.After)))
		return nil
	}
	for _, r := range res.Results {
		fmt.Fprintln(ios.Out, termtext.Line(r.String()))
	}
	if proj.TOMLOutside() {
		fmt.Fprintln(ios.ErrOut, outsideNote(proj))
		return nil
	}
	warnUntracked(ctx, o.G, proj)
	if o.G.NoDirenv {
		return nil
	}
	if err := syncProject(ctx, o.G, proj, res.Changed()); err != nil {
		if res.Changed() {
			return &partialError{written: relName(proj.Root, proj.TOMLPath) + " was updated as shown above", err: err}
		}
		return err
	}
	return nil
}

// outsideNote says why a --file outside the project gets no .envrc watch
// and no git advice.
func outsideNote(proj *devshell.Project) string {
	return fmt.Sprintf("note: %s is outside the project %s: its flake cannot read it, so .envrc and git were left alone", proj.TOMLPath, proj.Root)
}

// sanitizeLines makes each line of s (a diff of the user's file) safe for
// a terminal, keeping its layout (termtext.Keep).
func sanitizeLines(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		body, nl := strings.CutSuffix(l, "\n")
		lines[i] = termtext.Keep(body)
		if nl {
			lines[i] += "\n"
		}
	}
	return strings.Join(lines, "")
}

// syncProject runs the .envrc sync and direnv step and reports it on stderr.
func syncProject(ctx context.Context, g *GlobalOptions, proj *devshell.Project, tomlChanged bool) error {
	rep, err := proj.Sync(ctx, devshell.SyncOptions{Direnv: g.direnv(), TOMLChanged: tomlChanged})
	if err != nil {
		return fmt.Errorf("sync .envrc: %w", err)
	}
	for _, line := range syncSummary(rep, false) {
		fmt.Fprintln(g.IO.ErrOut, line)
	}
	return nil
}

// verifyHint adds the way around verification to errors that stop it.
func verifyHint(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w (pass --no-verify to add without checking)", err)
}

// editNixpkgs is the project's nixpkgs as an edit sees it: its source
// (err when it cannot be told) and its cached index (nil when there is
// none).
type editNixpkgs struct {
	src nixsearch.Source
	err error
	ix  *nixsearch.Index
}

// loadNixpkgs resolves the project's nixpkgs with n, which runs whatever
// nix that needs (noNix for --no-verify, which runs none: nix ≥ 2.26
// needs `nix flake metadata` for a relative path input, say), and loads
// its cached index.
func loadNixpkgs(ctx context.Context, g *GlobalOptions, proj *devshell.Project, n nixsearch.Nix) editNixpkgs {
	src, err := g.sourceWith(ctx, n, proj)
	if err != nil {
		return editNixpkgs{err: err}
	}
	ix, _, err := g.store().Load(src)
	if err != nil {
		ix = nil
	}
	return editNixpkgs{src: src, ix: ix}
}

// dedupeCanonical keeps the first of names that are one package under
// canonical (nixsearch.Index.Canonical: python3Packages.black and
// python313Packages.black), in order.
func dedupeCanonical(canonical func(string) string, names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if c := canonical(n); !seen[c] {
			seen[c] = true
			out = append(out, n)
		}
	}
	return out
}

// dedupe drops repeated names, keeping the first of each, in order.
func dedupe(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// relName is path relative to root for display, slash separated.
func relName(root, path string) string {
	if rel, ok := devshell.RelBelow(root, path); ok {
		return filepath.ToSlash(rel)
	}
	return path
}
