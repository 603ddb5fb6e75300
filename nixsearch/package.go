package nixsearch

// Package is one searchable nixpkgs package: what `nix search` prints
// (Attr, Pname, Version, Description) and the part of its meta that the
// index build gathers with one `nix eval` over the same package set. The
// meta fields are empty (false) when unset, and also when the index holds no
// meta at all (see Index.MetaMissing).
type Package struct {
	// Attr is the attribute path devshell understands, e.g.
	// "python3Packages.requests" (the nix search key minus
	// "legacyPackages.<system>." or "packages.<system>.").
	Attr string
	// Pname and Version are parsed by nix from the derivation name.
	Pname   string
	Version string
	// Description is meta.description with control characters removed.
	Description string
	// MainProgram is meta.mainProgram, the command the package is run as
	// ("rg" for ripgrep).
	MainProgram string
	// License is meta.license: each licence's spdxId, else shortName, else
	// fullName, joined with ", ".
	License string
	// Homepage is meta.homepage (the first one when it is a list).
	Homepage string
	// Unfree is true when any of its licences has free = false.
	Unfree bool
	// Broken is meta.broken.
	Broken bool
	// Insecure is true when meta.knownVulnerabilities is not empty.
	Insecure bool
	// Unavailable is true when the package is not available on the index's
	// system: meta.available is false, or meta.platforms excludes the
	// system, or meta.badPlatforms includes it.
	Unavailable bool
}

// packageFlag bits store a Package's booleans in one byte per package.
const (
	packageUnfree uint8 = 1 << iota
	packageBroken
	packageInsecure
	packageUnavailable
	// packageFlagsMask covers every defined bit; a cache file with any other
	// bit set is corrupt.
	packageFlagsMask = packageUnfree | packageBroken | packageInsecure | packageUnavailable
)

// packageFlags packs p's booleans.
func packageFlags(p *Package) uint8 {
	var f uint8
	if p.Unfree {
		f |= packageUnfree
	}
	if p.Broken {
		f |= packageBroken
	}
	if p.Insecure {
		f |= packageInsecure
	}
	if p.Unavailable {
		f |= packageUnavailable
	}
	return f
}
