package nixsearch

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// Twins: nixpkgs also names one derivation several ways among the names
// `nix search` lists — python3 is python313, nodejs is nodejs_22, and the
// members of a listed alias set are those of its target — and lists every
// one of them. A devshell.toml that has one of them has them all: the TUI
// marks the others installed and an add of one changes nothing. Whether two
// names are one derivation only nix can tell (their drvPath), and asking
// costs an instantiation of each, so the index offers the cheap candidates
// (Namesakes: the same pname and version) and Nix.Twins asks about those
// alone, for the few names a devshell.toml holds.

// Namesakes returns, for each of names that ix has, the other attributes
// whose package has its pname and version: the candidates for being the
// same derivation under another name. Names the alias sets already make
// one (Names) are left out, and so are names with no candidate; nil when
// none has one. One pass over the index for all the names.
func (ix *Index) Namesakes(names []string) map[string][]string {
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	type pv struct{ pname, version string }
	want := map[pv][]int{} // pname and version → the names' positions
	var lens uint64        // pname lengths wanted (below 64), a cheap filter
	var long bool          // some pname is 64 bytes or longer
	at := make([]int, len(names))
	for k, n := range names {
		i, ok := ix.indexFind(ix.Canonical(n))
		at[k] = i
		if !ok {
			continue
		}
		key := pv{ix.indexField(i, fieldPname), ix.indexField(i, fieldVersion)}
		if key.pname == "" {
			continue
		}
		want[key] = append(want[key], k)
		if l := len(key.pname); l < 64 {
			lens |= 1 << l
		} else {
			long = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	var out map[string][]string
	for i := range ix.n {
		pname := ix.indexField(i, fieldPname)
		if l := len(pname); l < 64 && lens&(1<<l) == 0 || l >= 64 && !long {
			continue
		}
		for _, k := range want[pv{pname, ix.indexField(i, fieldVersion)}] {
			if i == at[k] {
				continue // the name itself, or it under an alias set
			}
			if out == nil {
				out = map[string][]string{}
			}
			out[names[k]] = append(out[names[k]], ix.attr(i))
		}
	}
	return out
}

// Namesake reports whether attributes a and b are two packages of ix (not
// one under an alias set) with one pname and version: Namesakes for a pair,
// without the pass over the index.
func (ix *Index) Namesake(a, b string) bool {
	i, ok := ix.indexFind(ix.Canonical(a))
	j, ok2 := ix.indexFind(ix.Canonical(b))
	if !ok || !ok2 || i == j {
		return false
	}
	p := ix.indexField(i, fieldPname)
	return p != "" && p == ix.indexField(j, fieldPname) && ix.indexField(i, fieldVersion) == ix.indexField(j, fieldVersion)
}

// twinsExpr is the function Twins applies to the package set: for each
// name of ask, the candidates whose drvPath is the name's. A name or
// candidate that does not evaluate (throws, is broken) has no twin.
func twinsExpr(ask map[string][]string) string {
	return `pkgs:
let
  ask = ` + nixJSONLiteral(ask) + `;
  get = path: builtins.foldl' (v: k: v.${k}) pkgs (builtins.filter builtins.isString (builtins.split "[.]" path));
  drv = path:
    let r = builtins.tryEval (get path).drvPath;
    in if r.success then r.value else null;
  twins = name: cands:
    let d = drv name;
    in if d == null then [ ] else builtins.filter (c: drv c == d) cands;
in builtins.mapAttrs twins ask`
}

// twinsArgs is the argv of the `nix eval` that Twins runs on
// <ref>#<set>.<system>.
func (n Nix) twinsArgs(src Source, set string, ask map[string][]string) []string {
	return append(n.nixBase("eval"), "--json", nixInstallable(src, set), "--apply", twinsExpr(ask))
}

// Twins asks nix, with one `nix eval`, which of each name's candidates
// (Index.Namesakes) are the same derivation as the name, and returns the
// names that have some, both ways: a name's entry lists its twins, and
// each twin's entry lists the name. It evaluates the drvPath of the names
// and their candidates only; an empty ask runs nothing.
func (n Nix) Twins(ctx context.Context, src Source, ask map[string][]string) (map[string][]string, error) {
	if len(ask) == 0 {
		return nil, nil
	}
	out, err := n.nixEvalPackageSet(ctx, src, func(set string) []string { return n.twinsArgs(src, set, ask) })
	if err != nil {
		return nil, fmt.Errorf("find the same packages under other names: %w", err)
	}
	var got map[string][]string
	if err := json.Unmarshal(out, &got); err != nil {
		return nil, fmt.Errorf("nix eval: find the same packages under other names: %w", err)
	}
	return TwinsBothWays(got), nil
}

// TwinsBothWays returns m (name → its twins) with every pair listed from
// both ends, each list sorted and without repeats; nil when m has no pair.
func TwinsBothWays(m map[string][]string) map[string][]string {
	var out map[string][]string
	add := func(a, b string) {
		if a == b || slices.Contains(out[a], b) {
			return
		}
		if out == nil {
			out = map[string][]string{}
		}
		out[a] = append(out[a], b)
	}
	for a, bs := range m {
		for _, b := range bs {
			add(a, b)
			add(b, a)
		}
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}
