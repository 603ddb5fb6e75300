package nixsearch

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Alias sets: nixpkgs names one package set several ways —
// python3Packages is python313Packages, perlPackages is perl540Packages —
// and `nix search` lists only the recursed one. Docs and devshell.toml
// files use the short names, so the index learns once, at build time, which
// unlisted top-level set aliases which listed one (each shard's meta walk,
// nixShardAliasExpr, or Nix.AliasSets after a build), and the
// matcher answers "python3Packages.requests" from python313Packages,
// showing the name the user typed.

// WithAliasSets returns ix with the alias map m attached (alias set name →
// the listed set it aliases, as Nix.AliasSets returns it). Entries whose
// target is not a set of ix, or whose alias is itself a listed set, are
// dropped. The package data is shared, not copied.
func (ix *Index) WithAliasSets(m map[string]string) *Index {
	listed := make(map[string]bool, len(ix.sets))
	for _, s := range ix.sets {
		listed[s.name] = true
	}
	c := *ix
	c.aliases = nil
	for a, t := range m {
		if a == "" || a == t || listed[a] || !listed[t] || strings.Contains(a, ".") {
			continue
		}
		if c.aliases == nil {
			c.aliases = map[string]string{}
		}
		c.aliases[a] = t
	}
	c.rank = &rankInfo{}
	return &c
}

// AliasSets returns a copy of the index's alias map (nil when it has none).
func (ix *Index) AliasSets() map[string]string { return maps.Clone(ix.aliases) }

// Canonical returns attr with an alias set in its first segment replaced by
// the set it aliases ("python3Packages.requests" →
// "python313Packages.requests"); any other attr unchanged.
func (ix *Index) Canonical(attr string) string {
	head, rest, ok := strings.Cut(attr, ".")
	if !ok {
		return attr
	}
	if t, found := ix.aliases[head]; found {
		return t + "." + rest
	}
	return attr
}

// Names returns every name of attr's package: its canonical attribute path
// first, then the same path under each alias set of that set, sorted. A
// name in devshell.toml under any of them is the same package.
func (ix *Index) Names(attr string) []string {
	c := ix.Canonical(attr)
	out := []string{c}
	head, rest, ok := strings.Cut(c, ".")
	if !ok {
		return out
	}
	var more []string
	for a, t := range ix.aliases {
		if t == head {
			more = append(more, a+"."+rest)
		}
	}
	slices.Sort(more)
	return append(out, more...)
}

// aliasSamples is how many members of a listed set are compared with the
// candidate alias: two derivations with the same drvPath are the same
// package, and two of them agreeing rules out a set that merely shares
// names (python312Packages.requests is not python313Packages.requests).
const aliasSamples = 2

// aliasProbe is what AliasSets tells nix: the listed sets by family
// (indexFamily), with member names to compare.
type aliasProbe struct {
	Listed   []string                 `json:"listed"`
	Families map[string][]aliasTarget `json:"families"`
}

type aliasTarget struct {
	Set     string   `json:"set"`
	Samples []string `json:"samples"`
}

// aliasProbeFor picks, for every set of ix, up to aliasSamples direct
// members (the first and the middle one) to compare.
func aliasProbeFor(ix *Index) aliasProbe {
	p := aliasProbe{Families: map[string][]aliasTarget{}}
	members := map[int32][]string{}
	for i := range ix.n {
		s := ix.set[i]
		if s < 0 {
			continue
		}
		rest := ix.attr(i)[len(ix.sets[s].name)+1:]
		if !strings.Contains(rest, ".") {
			members[s] = append(members[s], rest)
		}
	}
	for k, s := range ix.sets {
		p.Listed = append(p.Listed, s.name)
		m := members[int32(k)]
		if len(m) == 0 {
			continue
		}
		samples := []string{m[0]}
		if mid := m[len(m)/2]; len(m) > 1 && aliasSamples > 1 {
			samples = append(samples, mid)
		}
		fam := indexFamily(s.name)
		p.Families[fam] = append(p.Families[fam], aliasTarget{Set: s.name, Samples: samples})
	}
	return p
}

// aliasExpr is the function AliasSets applies to the package set. A
// candidate is a top-level name that is not a listed set and whose family
// (its name without digits and '_') is that of listed sets; it aliases
// the first of those whose sample members have the same drvPath in both.
// Everything runs under builtins.tryEval: an alias that throws, a broken
// package, a set that is not one, is simply no alias.
func aliasExpr(p aliasProbe) string {
	return `pkgs:
let
  want = ` + nixJSONLiteral(p) + `;
  set = pkgs;` + nixAliasShared + `
  listed = builtins.listToAttrs (map (n: { name = n; value = true; }) want.listed);
  candidates = builtins.filter (n: !(listed ? ${n}) && want.families ? ${family n}) (builtins.attrNames pkgs);
  isSet = n:
    let r = builtins.tryEval (let v = pkgs.${n}; in builtins.isAttrs v && (v.type or null) != "derivation");
    in r.success && r.value;
  target = n:
    let
      a = pkgs.${n};
      hits = builtins.filter (t: builtins.all (same a t.set) t.samples) want.families.${family n};
    in if isSet n && hits != [ ] then (builtins.head hits).set else null;
  pairs = map (n: { name = n; value = target n; }) candidates;
in builtins.listToAttrs (builtins.filter (x: x.value != null) pairs)`
}

// nixAliasShared is the Nix both alias searches use (aliasExpr after a
// build, nixShardAliasExpr in a shard's meta walk), inside a let that binds
// set to the package set: family n is a name without digits and '_'
// (indexFamily), and same a t s whether member s of a has the drvPath of
// member s of set.${t} (under tryEval: one that throws is no match).
const nixAliasShared = `
  famChars = [ "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" "_" ];
  family = n: builtins.replaceStrings famChars (map (c: "") famChars) n;
  same = a: t: s:
    let r = builtins.tryEval (builtins.hasAttr s a && (builtins.getAttr s a).drvPath == (builtins.getAttr s set.${t}).drvPath);
    in r.success && r.value;`

// aliasSetsArgs is the argv of the `nix eval` that AliasSets runs on
// <ref>#<set>.<system>.
func (n Nix) aliasSetsArgs(src Source, set string, ix *Index) []string {
	return append(n.nixBase("eval"), "--json", nixInstallable(src, set), "--apply", aliasExpr(aliasProbeFor(ix)))
}

// AliasSets asks nix, with one `nix eval`, which top-level names of src
// that `nix search` did not list are aliases of sets it did list in ix
// (python3Packages → python313Packages). Attach the result with
// Index.WithAliasSets. It evaluates a few sample derivations per candidate,
// not the sets.
func (n Nix) AliasSets(ctx context.Context, src Source, ix *Index) (map[string]string, error) {
	if len(ix.sets) == 0 {
		return map[string]string{}, nil
	}
	out, err := n.nixEvalPackageSet(ctx, src, func(set string) []string { return n.aliasSetsArgs(src, set, ix) })
	if err != nil {
		return nil, fmt.Errorf("find alias sets: %w", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("nix eval: find alias sets: %w", err)
	}
	return m, nil
}
