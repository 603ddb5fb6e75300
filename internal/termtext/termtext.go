// Package termtext makes untrusted text safe to print on a terminal: every
// string devsh shows that came from nixpkgs (attribute names, versions,
// descriptions), from the user's files (package and import names, file
// content in a diff) or from another program's output goes through Line or
// Keep first, so no escape sequence (colours, OSC 52 clipboard writes,
// hyperlinks, title changes) or control character reaches the terminal.
// nixsearch, devshell, cmd/devsh and the TUI all use it.
package termtext

import (
	"strings"
	"unicode/utf8"
)

// Line makes untrusted text (nixpkgs attribute names, versions and
// descriptions, names from the user's files, nix's and direnv's stderr)
// safe to print on a terminal as one line: ANSI escape sequences and other
// control characters are removed, bidirectional-override characters are
// removed, line breaks and tabs become spaces, runs of spaces collapse to
// one, the ends are trimmed, and invalid UTF-8 becomes U+FFFD.
func Line(s string) string {
	return sanitize(s, true)
}

// Keep is Line except that each whitespace character becomes one space and
// only trailing spaces are trimmed, which keeps the alignment of a line of
// an error excerpt or a diff.
func Keep(s string) string { return sanitize(s, false) }

// sanitize is Line, or Keep with collapse false.
func sanitize(s string, collapse bool) string {
	var b strings.Builder
	b.Grow(len(s))
	spaces := 0 // spaces pending, written only before the next visible rune
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b: // ESC: drop the whole escape sequence
			i = SkipEscape(s, i+size)
			continue
		case r == 0x9b: // C1 CSI
			i = SkipCSI(s, i+size)
			continue
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' ||
			r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xa0:
			if !collapse {
				spaces++
			} else if b.Len() > 0 {
				spaces = 1
			}
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || IsBidi(r):
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

// IsBidi reports whether r is an invisible direction mark or override,
// which can make printed text read differently from its bytes.
func IsBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// SkipEscape returns the index just after the escape sequence whose
// ESC ended at i.
func SkipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return SkipCSI(s, i+1)
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

// SkipCSI returns the index after a CSI sequence's parameters,
// intermediates and final byte, starting just after "ESC [".
func SkipCSI(s string, i int) int {
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
