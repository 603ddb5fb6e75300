package main

import (
	"fmt"
	"strings"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/termtext"
)

// isVersionSpec reports whether name is written name@version, as devbox
// and flox write a package at a version ("nodejs@20"): an attribute path,
// then '@' and something after it. Whether the version parses is the
// index's question.
func isVersionSpec(name string) bool {
	at := strings.LastIndexByte(name, '@')
	return at > 0 && at < len(name)-1 && devshell.ValidName(name[:at]) == nil
}

// resolveSpecs replaces each name@version in names by the attribute that
// is that version in the project's nixpkgs (nodejs@20 → nodejs_20), saying
// so on stderr. Only an exact version is taken; for a missing one the
// error names the closest newer attribute. Versions are read from the
// index (np's), so a project without one is told to build it.
func resolveSpecs(g *GlobalOptions, np editNixpkgs, names []string) ([]string, error) {
	var specs []string
	for _, n := range names {
		if isVersionSpec(n) {
			specs = append(specs, n)
		}
	}
	if len(specs) == 0 {
		return names, nil
	}
	if np.err != nil {
		return nil, fmt.Errorf("resolve %s: %w", specs[0], np.err)
	}
	label := sourceLabel(np.src)
	ix := np.ix
	if ix == nil {
		return nil, fmt.Errorf("%s names a version, which devsh looks up in its index of %s: there is none yet; run devsh index, or name the attribute (devsh search %s)", termtext.Line(specs[0]), label, termtext.Line(strings.Replace(specs[0], "@", " ", 1)))
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if !isVersionSpec(n) {
			out = append(out, n)
			continue
		}
		at := strings.LastIndexByte(n, '@')
		spec, name, want := termtext.Line(n), termtext.Line(n[:at]), termtext.Line(n[at+1:])
		attr, version, exact, variant, ok := ix.VersionAttr(n)
		shown, ver := termtext.Line(attr), termtext.Line(version)
		switch {
		case ok && variant:
			return nil, fmt.Errorf("%s: no plain %s is version %s in %s, only variants, the first %s (%s): devsh add %s; nothing changed", spec, name, want, label, shown, ver, shown)
		case !ok:
			return nil, fmt.Errorf("%s: no attribute is %s at version %s in %s; see devsh search %s %s; nothing changed", spec, name, want, label, name, want)
		case !exact:
			return nil, fmt.Errorf("%s: %s has no version %s in %s; the closest newer is %s (%s): devsh add %s; nothing changed", spec, name, want, label, shown, ver, shown)
		}
		fmt.Fprintf(g.IO.ErrOut, "%s is %s (%s) in %s\n", spec, shown, ver, label)
		out = append(out, attr)
	}
	return dedupe(out), nil
}
