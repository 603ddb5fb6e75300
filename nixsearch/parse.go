package nixsearch

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
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
// safe to print on a terminal as one line: ANSI escape sequences and other
// control characters are removed, bidirectional-override characters are
// removed, line breaks and tabs become spaces, runs of spaces collapse to
// one, the ends are trimmed, and invalid UTF-8 becomes U+FFFD.
func SanitizeText(s string) string {
	return nixSanitize(s, true)
}

// nixSanitize is SanitizeText; with collapse false, each whitespace
// character becomes one space and only trailing spaces are trimmed, which
// keeps the alignment of nix's error excerpts (one line at a time).
func nixSanitize(s string, collapse bool) string {
	var b strings.Builder
	b.Grow(len(s))
	spaces := 0 // spaces pending, written only before the next visible rune
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b: // ESC: drop the whole escape sequence
			i = nixSkipEscape(s, i+size)
			continue
		case r == 0x9b: // C1 CSI
			i = nixSkipCSI(s, i+size)
			continue
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' ||
			r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xa0:
			if !collapse {
				spaces++
			} else if b.Len() > 0 {
				spaces = 1
			}
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || nixIsBidi(r):
			// dropped
		default: // includes utf8.RuneError for invalid bytes, written as U+FFFD
			for ; spaces > 0; spaces-- {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// nixIsBidi reports whether r is an invisible direction mark or override,
// which can make printed text read differently from its bytes.
func nixIsBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// nixSkipEscape returns the index just after the escape sequence whose
// ESC ended at i.
func nixSkipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return nixSkipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: up to BEL or ST
		for j := i + 1; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
		}
		return len(s)
	}
	// Two-character (or nF) escape: intermediates 0x20–0x2F, then a final byte.
	j := i
	for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
		j++
	}
	if j < len(s) && s[j] >= 0x30 && s[j] <= 0x7e {
		return j + 1
	}
	return i
}

// nixSkipCSI returns the index after a CSI sequence's parameters,
// intermediates and final byte, starting just after "ESC [".
func nixSkipCSI(s string, i int) int {
	for j := i; j < len(s); j++ {
		c := s[j]
		if c >= 0x40 && c <= 0x7e {
			return j + 1
		}
		if c < 0x20 || c > 0x7e {
			return j // malformed: stop before the byte, which is handled normally
		}
	}
	return len(s)
}
