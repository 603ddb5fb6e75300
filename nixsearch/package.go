package nixsearch

// Package is one searchable nixpkgs package.
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
}
