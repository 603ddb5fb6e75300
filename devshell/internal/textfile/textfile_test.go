package textfile

import "testing"

func TestEOL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "\n"},
		{"a", "\n"},
		{"a\nb\r\n", "\n"},
		{"a\r\nb\n", "\r\n"},
		{"\n", "\n"},
		{"\r\n", "\r\n"},
	} {
		if got := EOL([]byte(tc.in)); got != tc.want {
			t.Errorf("EOL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLineStart(t *testing.T) {
	d := []byte("ab\ncd\n\nef")
	for _, tc := range []struct{ pos, want int }{
		{0, 0}, {2, 0}, {3, 3}, {5, 3}, {6, 6}, {7, 7}, {9, 7},
	} {
		if got := LineStart(d, tc.pos); got != tc.want {
			t.Errorf("LineStart(%d) = %d, want %d", tc.pos, got, tc.want)
		}
	}
}

func TestTrimBOM(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{BOM, ""},
		{BOM + "[devshell]\n", "[devshell]\n"},
		{BOM + BOM + "x", BOM + "x"}, // one mark only: a second is text
		{"x" + BOM, "x" + BOM},       // only at the start
		{"\xef\xbb", "\xef\xbb"},     // a partial mark stays
	} {
		if got := string(TrimBOM([]byte(tc.in))); got != tc.want {
			t.Errorf("TrimBOM(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
