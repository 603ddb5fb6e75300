package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/atomicfile"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/devsh/devsh/nixsearch"
)

// verifyNames checks names against the project's nixpkgs before anything is
// written. An exact hit in the cached index (with meta) is decided there;
// the rest by one nix eval (nixsearch.Nix.CheckNames). A name that is not a
// package is refused with what nix said; a package marked broken or not
// available on this system is refused (--no-verify adds it anyway); an
// unfree or insecure one is added with a warning saying what the flake must
// allow. Warnings are printed on stderr, before the write. np is the
// project's nixpkgs; without an index nix decides every name, and there
// are no suggestions.
func verifyNames(ctx context.Context, g *GlobalOptions, proj *devshell.Project, np editNixpkgs, names []string) error {
	if np.err != nil {
		return verifyHint(np.err)
	}
	src, ix := np.src, np.ix
	label := sourceLabel(src)
	// Without meta the index can say a name exists, but not whether it is
	// broken or unfree: nix is asked then.
	metaIx := ix
	if ix != nil && ix.MetaMissing() != "" {
		metaIx = nil
	}

	found := map[string]nixsearch.NameCheck{}
	var ask []string
	for _, n := range names {
		if metaIx != nil {
			// (a name under an alias set is its target's package)
			if p, ok := metaIx.Lookup(metaIx.Canonical(n)); ok {
				found[n] = nixsearch.NameCheck{Name: n, Status: nixsearch.NamePackage, Package: p}
				continue
			}
		}
		ask = append(ask, n)
		// pkgs.jq: is jq a package? asked in the same evaluation.
		if rest, ok := strings.CutPrefix(n, "pkgs."); ok && devshell.ValidName(rest) == nil && !slices.Contains(names, rest) && !slices.Contains(ask, rest) {
			ask = append(ask, rest)
		}
	}
	if len(ask) > 0 {
		clear := verifyProgress(g.IO, ask, label)
		checks, err := g.nix().CheckNames(ctx, src, ask)
		clear()
		if err != nil {
			return verifyHint(nixMissing(err, "check package names"))
		}
		for _, c := range checks {
			found[c.Name] = c
		}
	}

	var bad, refused, warnings []string
	for _, n := range names {
		c := found[n]
		if c.Status != nixsearch.NamePackage {
			bad = append(bad, n+" ("+verifyNotPackage(c, ix, found)+")")
			continue
		}
		p := c.Package
		switch {
		case p.Broken:
			refused = append(refused, n+" is marked broken in "+label+", so nix refuses to build it")
		case p.Unavailable:
			refused = append(refused, n+" is not available on "+src.System+" in "+label+" (meta.platforms), so nix refuses to build it here")
		}
		if p.Unfree {
			warnings = append(warnings, verifyUnfreeWarning(proj, p))
		}
		if p.Insecure {
			warnings = append(warnings, "warning: "+n+" is marked insecure (meta.knownVulnerabilities): nix builds it only when the flake imports nixpkgs with config.permittedInsecurePackages listing it")
		}
	}
	switch {
	case len(bad) > 0:
		return fmt.Errorf("not a package in %s: %s; nothing changed", label, strings.Join(bad, "; "))
	case len(refused) > 0:
		return fmt.Errorf("%s; pass --no-verify to add anyway; nothing changed", strings.Join(refused, "; "))
	}
	for _, w := range warnings {
		fmt.Fprintln(g.IO.ErrOut, w)
	}
	return nil
}

// verifyProgress shows, on a terminal, what the check is doing while nix
// evaluates ("checking cargo-edit in nixpkgs 870493f (flake.lock)…"); the
// returned function clears the line.
func verifyProgress(ios *IOStreams, names []string, label string) (clear func()) {
	if !ios.ErrTTY {
		return func() {}
	}
	fmt.Fprintf(ios.ErrOut, "checking %s in %s…", strings.Join(names, " "), label)
	return func() { fmt.Fprint(ios.ErrOut, "\r\033[K") }
}

// verifyNotPackage says why c's name is not a package, with suggestions
// from the index ix (nil when there is none) and the other names' checks.
func verifyNotPackage(c nixsearch.NameCheck, ix *nixsearch.Index, found map[string]nixsearch.NameCheck) string {
	switch c.Status {
	case nixsearch.NameFails:
		return "nix: " + c.Error
	case nixsearch.NameNotPackage:
		s := "a package set, not a package"
		if ix != nil {
			// The index is in attribute order: the set's members follow "name.".
			prefix := c.Name + "."
			if i := sort.Search(ix.Len(), func(i int) bool { return ix.Attr(i) >= prefix }); i < ix.Len() && strings.HasPrefix(ix.Attr(i), prefix) {
				s += ": name one inside it, e.g. " + ix.Attr(i)
			}
		}
		return s
	}
	if rest, ok := strings.CutPrefix(c.Name, "pkgs."); ok {
		if r, ok := found[rest]; ok && r.Status == nixsearch.NamePackage {
			return "devshell names start below pkgs: did you mean " + rest + "?"
		}
		if ix != nil {
			if _, ok := ix.Lookup(rest); ok {
				return "devshell names start below pkgs: did you mean " + rest + "?"
			}
		}
	}
	if ix == nil {
		return "no such attribute; devsh index enables suggestions"
	}
	var hints []string
	prov := verifyProviders(ix, c.Name)
	if len(prov) > 0 {
		hints = append(hints, strings.Join(prov, ", ")+" provides "+c.Name)
	}
	// (Suggest names the providers first: said once is enough.)
	sug := slices.DeleteFunc(ix.Suggest(c.Name, verifySuggestions+len(prov)), func(s string) bool { return slices.Contains(prov, s) })
	if len(sug) > 0 {
		hints = append(hints, "did you mean "+strings.Join(sug[:min(len(sug), verifySuggestions)], ", ")+"?")
	}
	if len(hints) == 0 {
		return "no such attribute"
	}
	return strings.Join(hints, "; ")
}

// verifySuggestions bounds the "did you mean" names: a few to choose
// from, on one line.
const verifySuggestions = 3

// verifyProvidersMax bounds the packages named as providing a command.
const verifyProvidersMax = 3

// verifyProviders lists packages whose meta.mainProgram is cmd (rg →
// ripgrep), top-level attributes first.
func verifyProviders(ix *nixsearch.Index, cmd string) []string {
	var top, nested []string
	for i := range ix.Len() {
		if ix.MainProgram(i) != cmd {
			continue
		}
		if a := ix.Attr(i); strings.Contains(a, ".") {
			nested = append(nested, a)
		} else {
			top = append(top, a)
		}
	}
	all := append(top, nested...)
	return all[:min(len(all), verifyProvidersMax)]
}

// verifyUnfreeWarning says that p is unfree and whether the project's
// flake.nix appears to allow unfree packages.
func verifyUnfreeWarning(proj *devshell.Project, p nixsearch.Package) string {
	lic := ""
	if p.License != "" {
		lic = " (" + p.License + ")"
	}
	w := "warning: " + p.Attr + " is unfree" + lic + ": nix builds it only when the flake imports nixpkgs with config.allowUnfree = true; "
	flake := filepath.Join(proj.Root, devshell.ScaffoldFlakeName)
	// Regular files only, bounded: a FIFO flake.nix would block the add
	// forever, a symlink to /dev/zero would fill memory.
	data, exists, err := atomicfile.ReadFile(flake)
	var notRegular *atomicfile.NotRegularError
	switch {
	case errors.As(err, &notRegular):
		return w + "flake.nix is " + notRegular.Kind + ", not a regular file, so it was not checked"
	case err != nil:
		return w + termtext.Line(fmt.Sprintf("flake.nix could not be read to check it (%v)", err))
	case !exists:
		return w + "there is no flake.nix to check"
	}
	for i, line := range bytes.Split(data, []byte("\n")) {
		t := strings.TrimSpace(string(line))
		if strings.Contains(t, "allowUnfree") && !strings.HasPrefix(t, "#") {
			return w + fmt.Sprintf("flake.nix appears to set it (line %d: %s)", i+1, nixsearch.SanitizeText(t))
		}
	}
	return w + "flake.nix does not appear to set it: add config.allowUnfree = true; to its import nixpkgs { … }"
}
