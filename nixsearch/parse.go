package nixsearch

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/devsh/devsh/internal/termtext"
)

// ParseSearchJSON reads the output of `nix search --json` from r and returns
// its packages sorted by Attr; where attributes are equal, the one from
// legacyPackages first (nixSetRank). It streams: the object is decoded entry by
// entry from r, so a 20 MB output is never held in memory a second time.
// Attribute paths lose their "legacyPackages.<system>." or
// "packages.<system>." prefix and descriptions are passed through
// SanitizeText. An empty object gives an empty, non-nil slice; empty,
// truncated or trailing input is an error.
func ParseSearchJSON(r io.Reader) ([]Package, error) {
	pkgs := []Package{}
	var ranks []uint8 // nixSetRank of each package's key
	if err := parseSearchEntries(r, func(key string, p Package) {
		pkgs = append(pkgs, p)
		ranks = append(ranks, nixSetRank(key))
	}); err != nil {
		return nil, err
	}
	return nixSortPreferred(pkgs, ranks), nil
}

// nixSetRank orders the package sets of one attribute path: when
// legacyPackages.<system> and packages.<system> both have it, the one from
// legacyPackages comes first (and is the one NewIndex keeps) — by rule, not
// by nix's print order, which differs between versions (2.8 streams
// packages first; from 2.12 the keys are sorted, legacyPackages first).
// legacyPackages is nixpkgs' full set; a flake's packages.<system> is a
// curated subset that devshell's `packages` does not read.
func nixSetRank(key string) uint8 {
	switch {
	case strings.HasPrefix(key, "legacyPackages."):
		return 0
	case strings.HasPrefix(key, "packages."):
		return 1
	}
	return 2
}

// nixSortPreferred sorts pkgs by Attr, equal attributes by rank (then in
// nix's order).
func nixSortPreferred(pkgs []Package, ranks []uint8) []Package {
	perm := make([]int, len(pkgs))
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int {
		if c := indexCompareAttr(pkgs[a], pkgs[b]); c != 0 {
			return c
		}
		return cmp.Compare(ranks[a], ranks[b])
	})
	sorted := make([]Package, len(pkgs))
	for i, j := range perm {
		sorted[i] = pkgs[j]
	}
	return sorted
}

// parseSearchEntries decodes `nix search --json` output from r, calling add
// with each entry's key and package (Attr without the key's prefix,
// description sanitised) in nix's order.
func parseSearchEntries(r io.Reader, add func(key string, p Package)) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return errors.New("parse nix search output: empty output")
	}
	if err != nil {
		return fmt.Errorf("parse nix search output: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("parse nix search output: expected a JSON object, got %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("parse nix search output: %w", nixParseEOF(err))
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("parse nix search output: expected a key, got %v", tok)
		}
		var entry struct {
			Pname       string `json:"pname"`
			Version     string `json:"version"`
			Description string `json:"description"`
		}
		if err := dec.Decode(&entry); err != nil {
			return fmt.Errorf("parse nix search output: entry %q: %w", key, nixParseEOF(err))
		}
		attr := nixAttrFromKey(key)
		if attr == "" {
			return fmt.Errorf("parse nix search output: empty attribute path in key %q", key)
		}
		add(key, Package{
			Attr:        attr,
			Pname:       entry.Pname,
			Version:     entry.Version,
			Description: SanitizeText(entry.Description),
		})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return fmt.Errorf("parse nix search output: %w", nixParseEOF(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("parse nix search output: unexpected data after the JSON object")
	}
	return nil
}

// nixParseEOF turns a bare io.EOF inside the object into a clearer error:
// the output stopped before the JSON object was complete.
func nixParseEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("output truncated: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// nixAttrFromKey strips "legacyPackages.<system>." or "packages.<system>."
// from a `nix search` key. Other keys are returned unchanged.
func nixAttrFromKey(key string) string {
	for _, top := range []string{"legacyPackages.", "packages."} {
		rest, ok := strings.CutPrefix(key, top)
		if !ok {
			continue
		}
		if _, attr, ok := strings.Cut(rest, "."); ok {
			return attr
		}
	}
	return key
}

// SanitizeText makes untrusted text (nixpkgs descriptions, nix's stderr)
// safe to print on a terminal as one line; it is termtext.Line, the one
// sanitiser devsh uses everywhere.
func SanitizeText(s string) string { return termtext.Line(s) }

// nixSanitize is termtext.Line, or with collapse false termtext.Keep (each
// whitespace character one space, which keeps the alignment of nix's error
// excerpts).
func nixSanitize(s string, collapse bool) string {
	if collapse {
		return termtext.Line(s)
	}
	return termtext.Keep(s)
}
