package nixsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// NameStatus is what nix says of one package name (see Nix.CheckNames).
type NameStatus int

// The outcomes of checking a name against a nixpkgs.
const (
	NamePackage    NameStatus = iota // a derivation: a package devshell can use
	NameMissing                      // no such attribute
	NameNotPackage                   // an attribute, but not a derivation (a package set, a function)
	NameFails                        // evaluating it fails: a removed alias that throws, an assertion
)

// NameCheck is the outcome of checking one name.
type NameCheck struct {
	Name   string
	Status NameStatus
	// Package is the derivation's entry, with meta, when Status is
	// NamePackage (Attr empty when its meta could not be read).
	Package Package
	// Error is nix's own message when Status is NameFails, e.g.
	// "'nodejs-16_x' has been removed: end of life".
	Error string
}

// CheckNames asks nix, in one `nix eval`, what each name is in src's
// package set (legacyPackages.<system>, else packages.<system>): a package
// with its meta, missing, not a package, or failing to evaluate; for each
// failing name one more `nix eval` gets nix's message. Results are in the
// order of names.
func (n Nix) CheckNames(ctx context.Context, src Source, names []string) ([]NameCheck, error) {
	if len(names) == 0 {
		return nil, nil
	}
	if src.Ref == "" || src.System == "" {
		return nil, errors.New("nix eval: source needs a flake reference and a system")
	}
	var out bytes.Buffer
	if err := n.nixRun(ctx, n.checkArgs(src, names), &out, nil); err != nil {
		return nil, err
	}
	var raw []struct {
		Status string             `json:"status"`
		Entry  [8]json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil || len(raw) != len(names) {
		return nil, fmt.Errorf("nix eval: check names: want %d results in %q (%v)", len(names), nixClip(out.String()), err)
	}
	checks := make([]NameCheck, len(names))
	for i, r := range raw {
		c := NameCheck{Name: names[i]}
		switch r.Status {
		case "package":
			c.Status = NamePackage
			if r.Entry[0] != nil {
				if _, p, err := nixDecodeEntry(r.Entry); err == nil {
					c.Package = p
				}
			}
		case "missing":
			c.Status = NameMissing
		case "notdrv":
			c.Status = NameNotPackage
		default:
			c.Status = NameFails
			c.Error = n.nameFailure(ctx, src, names[i])
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("nix eval: %w", err)
			}
		}
		checks[i] = c
	}
	return checks, nil
}

// nameFailure evaluates name without tryEval to get nix's own message for
// why it fails, e.g. "'nodejs-16_x' has been removed: end of life".
func (n Nix) nameFailure(ctx context.Context, src Source, name string) string {
	err := n.nixRun(ctx, n.nixCheckRunArgs(src, nixCheckForceBody, []string{name}), nil, nil)
	var nixErr *NixError
	switch {
	case errors.As(err, &nixErr) && nixErr.Message != "":
		return nixErr.Message
	case err != nil:
		return err.Error()
	}
	return "it fails to evaluate"
}

// nixClip shortens nix output quoted in an error.
func nixClip(s string) string {
	const max = 200 // enough to recognise what nix printed
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// checkArgs is the argv of the `nix eval` CheckNames runs: the names'
// statuses (and the entries of the packages) as a JSON list.
func (n Nix) checkArgs(src Source, names []string) []string {
	return n.nixCheckRunArgs(src, nixCheckBody, names)
}

// nixCheckRunArgs is `nix eval --json --expr` of body with the flake's
// package set, the names' attribute paths and lookup in scope
// (nixCheckExpr); --impure when src.Ref is not locked (getFlake refuses an
// unlocked reference in pure mode).
func (n Nix) nixCheckRunArgs(src Source, body string, names []string) []string {
	args := append(n.nixBase("eval"), "--json", "--expr", nixCheckExpr(src, body, names))
	if !strings.Contains(src.Ref, "narHash=") {
		args = append(args, "--impure")
	}
	return args
}

// nixCheckExpr is the Nix expression of a check: nixCheckLib for src, the
// names' attribute paths, lookup and the entry function in scope, then body.
func nixCheckExpr(src Source, body string, names []string) string {
	return "let\n" + strings.NewReplacer("REF", nixStringLiteral(src.Ref), "SYS", nixStringLiteral(src.System)).Replace(nixCheckLib) +
		"  paths = " + nixPathsLiteral(names) + ";\n  " + nixLookupExpr + nixPackageEntryExpr + body
}

// nixCheckLib opens the flake and picks its package set as nix search does:
// legacyPackages.<system> when the flake has it, else packages.<system>.
// REF and SYS are replaced by Nix string literals.
const nixCheckLib = `
  flake = builtins.getFlake REF;
  sys = SYS;
  has = s: builtins.hasAttr s flake && builtins.hasAttr sys flake.${s};
  top = if has "legacyPackages" then "legacyPackages" else "packages";
  set = if has top then flake.${top}.${sys} else { };
`

// nixCheckBody classifies each path: "missing", "notdrv", "fails" (the
// lookup or the derivation test throws) or "package" with its entry (none
// when the entry itself fails, as for a derivation without a name).
const nixCheckBody = `
  check = path:
    let
      l = lookup set path;
      found = builtins.tryEval l.found;
      drv = builtins.tryEval (isDrv l.value);
      e = builtins.tryEval (let x = entry (top + "." + sys + "." + builtins.concatStringsSep "." path) l.value; in builtins.deepSeq x x);
    in
    if !found.success then { status = "fails"; }
    else if !found.value then { status = "missing"; }
    else if !drv.success then { status = "fails"; }
    else if !drv.value then { status = "notdrv"; }
    else if e.success then { status = "package"; entry = e.value; }
    else { status = "package"; };
in map check paths`

// nixCheckForceBody evaluates the one path as CheckNames' derivation test
// does, without tryEval, so that nix fails with the name's own error.
const nixCheckForceBody = `
in builtins.seq (isDrv (lookup set (builtins.head paths)).value) null`
