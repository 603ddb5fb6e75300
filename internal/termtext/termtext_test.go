package termtext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"", ""},
		{"  leading and trailing  ", "leading and trailing"},
		{"multi\nline\r\ntext", "multi line text"},
		{"tabs\tand   spaces", "tabs and spaces"},
		{"\x1b[31mred\x1b[0m", "red"},
		{"\x1b[1;38;5;196mbold\x1b[m!", "bold!"},
		{"osc \x1b]8;;https://evil.example\x07link\x1b]8;;\x07 end", "osc link end"},
		{"osc st \x1b]0;title\x1b\\after", "osc st after"},
		{"charset \x1b(Bok", "charset ok"},
		{"bell\x07 and nul\x00 and del\x7f", "bell and nul and del"},
		{"c1 \u009b31mcsi\u0085next", "c1 csi next"},
		{"bidi \u202eevil\u202c \u2066x\u2069", "bidi evil x"},
		{"lone esc at end \x1b", "lone esc at end"},
		{"esc then text \x1bZ", "esc then text"},
		{"unterminated csi \x1b[12", "unterminated csi"},
		{"invalid \xff utf8", "invalid \ufffd utf8"},
		{"unicode ok: héllo 世界 🚀", "unicode ok: héllo 世界 🚀"},
		{"line\u2028separator", "line separator"},
	}
	for _, tt := range tests {
		if got := Line(tt.in); got != tt.want {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKeepKeepsSpacing(t *testing.T) {
	tests := []struct{ in, want string }{
		{"       at /nix/store/x-source/flake.nix:4:46:", "       at /nix/store/x-source/flake.nix:4:46:"},
		{"            4|     legacyPackages = {\x1b[0m", "            4|     legacyPackages = {"},
		{"\t|  ^", " |  ^"},
		{"trailing   ", "trailing"},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := Keep(tt.in); got != tt.want {
			t.Errorf("Keep(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// checkSanitized reports what is wrong with s as Line output.
func checkSanitized(t *testing.T, in, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("Line(%q) = %q: invalid UTF-8", in, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || IsBidi(r) {
			t.Errorf("Line(%q) = %q: contains %U", in, s, r)
		}
	}
	if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
		t.Errorf("Line(%q) = %q: untrimmed or doubled spaces", in, s)
	}
	if again := Line(s); again != s {
		t.Errorf("Line not idempotent: %q -> %q -> %q", in, s, again)
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[31mred\x1b[0m", "\x1b]8;;x\x07y", "a\nb\tc", "\xff\xfe", "\u202eabc", "\x1b\x1b[1m", "\u009b1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSanitized(t, s, Line(s))
	})
}
