// Package nixsearch is devsh's package index: it resolves which nixpkgs a
// project pins, runs `nix search --json` / `nix eval` through a cancellable
// Runner, parses the result, keeps it in an on-disk cache, and matches
// queries against it with a fast fuzzy matcher.
package nixsearch
