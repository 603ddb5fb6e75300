package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

func TestTuiTruncate(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want string
	}{
		{"cargo-edit", 20, "cargo-edit"},
		{"cargo-edit", 10, "cargo-edit"},
		{"cargo-edit", 9, "cargo-ed…"},
		{"cargo-edit", 1, "…"},
		{"cargo-edit", 0, ""},
		{"héllo wörld", 6, "héllo…"},
		{"日本語のテキスト", 7, "日本語…"}, // wide runes: 2 cells each
	}
	for _, tt := range tests {
		if got := tuiTruncate(tt.in, tt.w); got != tt.want {
			t.Errorf("tuiTruncate(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.want)
		}
		if got := tuiWidth(tuiTruncate(tt.in, tt.w)); got > tt.w {
			t.Errorf("tuiTruncate(%q, %d) is %d cells", tt.in, tt.w, got)
		}
	}
}

func TestTuiWrap(t *testing.T) {
	tests := []struct {
		in       string
		w, lines int
		want     []string
	}{
		{"Utility for managing cargo dependencies", 20, 2, []string{"Utility for managing", "cargo dependencies"}},
		{"Utility for managing cargo dependencies from the command line", 20, 2, []string{"Utility for managing", "cargo dependencies …"}},
		{"short", 20, 2, []string{"short"}},
		{"averyveryverylongword next", 10, 2, []string{"averyvery…", "next"}},
		{"", 10, 2, nil},
		{"a b", 0, 2, nil},
	}
	for _, tt := range tests {
		if got := tuiWrap(tt.in, tt.w, tt.lines); !slices.Equal(got, tt.want) {
			t.Errorf("tuiWrap(%q, %d, %d) = %q, want %q", tt.in, tt.w, tt.lines, got, tt.want)
		}
	}
}

func TestTuiHardWrap(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want []string
	}{
		{"", 5, []string{""}},
		{"abc", 5, []string{"abc"}},
		{"abcde", 5, []string{"abcde"}},
		{"abcdefg", 5, []string{"abcde", "fg"}},
		{"at /nix/store/x-source/flake.nix:14:19:", 16, []string{"at /nix/store/x-", "source/flake.nix", ":14:19:"}},
		{"  … ab", 3, []string{"  …", " ab"}},
		{"日本語", 4, []string{"日本", "語"}},
		{"abc", 0, nil},
	}
	for _, tt := range tests {
		if got := tuiHardWrap(tt.in, tt.w); !slices.Equal(got, tt.want) {
			t.Errorf("tuiHardWrap(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.want)
		}
	}
}

func TestTuiThousands(t *testing.T) {
	tests := map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 129815: "129,815", 1234567: "1,234,567", -4500: "-4,500"}
	for in, want := range tests {
		if got := tuiThousands(in); got != want {
			t.Errorf("tuiThousands(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestTuiSanitize(t *testing.T) {
	tests := map[string]string{
		"plain":                      "plain",
		"two\nlines":                 "two lines",
		"evil \x1b[31mred\x1b[0m":    "evil red",
		"osc 52 \x1b]52;c;aGk=\x07x": "osc 52 x",
		"tab\there":                  "tab here",
		"bad \xff byte":              "bad \ufffd byte",
	}
	for in, want := range tests {
		if got := tuiSanitize(in); got != want {
			t.Errorf("tuiSanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestListCursor(t *testing.T) {
	keys := DefaultKeyMap()
	tests := []struct {
		name           string
		start          listCursor
		key            string
		cursor, offset int
		moved          bool
	}{
		{"down scrolls", listCursor{n: 10, height: 3, cursor: 2}, "down", 3, 1, true},
		{"up at top stays", listCursor{n: 10, height: 3}, "up", 0, 0, true},
		{"pgdown", listCursor{n: 10, height: 3}, "pgdown", 3, 1, true},
		{"pgdown clamps", listCursor{n: 10, height: 3, cursor: 8, offset: 7}, "pgdown", 9, 7, true},
		{"end", listCursor{n: 10, height: 3}, "end", 9, 7, true},
		{"home", listCursor{n: 10, height: 3, cursor: 9, offset: 7}, "home", 0, 0, true},
		{"pgup", listCursor{n: 10, height: 3, cursor: 9, offset: 7}, "pgup", 6, 6, true},
		{"empty list", listCursor{n: 0, height: 3}, "down", 0, 0, true},
		{"other key", listCursor{n: 10, height: 3, cursor: 4, offset: 2}, "x", 4, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, moved := tt.start.update(keyMsg(tt.key), keys)
			if got.cursor != tt.cursor || got.offset != tt.offset || moved != tt.moved {
				t.Fatalf("got cursor %d offset %d moved %v, want %d %d %v", got.cursor, got.offset, moved, tt.cursor, tt.offset, tt.moved)
			}
		})
	}
	// Shrinking keeps the cursor on a row.
	c := listCursor{n: 10, height: 3, cursor: 9, offset: 7}.resize(4, 3)
	if c.cursor != 3 || c.offset != 1 {
		t.Fatalf("after resize: cursor %d offset %d", c.cursor, c.offset)
	}
}

func TestPanelApply(t *testing.T) {
	items := []Installed{{Attr: "rustc"}, {Attr: "cargo", FromCommand: true}}
	tests := []struct {
		name string
		c    Change
		want []string
	}{
		{"add appends", Change{Attr: "jq", Added: true}, []string{"rustc", "cargo", "jq"}},
		{"add present", Change{Attr: "rustc", Added: true}, []string{"rustc", "cargo"}},
		{"remove", Change{Attr: "rustc"}, []string{"cargo"}},
		{"remove absent", Change{Attr: "jq"}, []string{"rustc", "cargo"}},
	}
	for _, tt := range tests {
		var got []string
		for _, it := range panelApply(items, tt.c) {
			got = append(got, it.Attr)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestInputEditing(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		value string
		pos   int
	}{
		{"type", []string{"c", "a", "r"}, "car", 3},
		{"backspace", []string{"c", "a", "r", "backspace"}, "ca", 2},
		{"insert in the middle", []string{"c", "r", "left", "a"}, "car", 2},
		{"delete forward", []string{"c", "a", "r", "ctrl+a", "delete"}, "ar", 0},
		{"end of line", []string{"a", "b", "ctrl+a", "ctrl+e", "c"}, "abc", 3},
		{"delete word", []string{"p", "y", ".", "r", "e", "ctrl+w"}, "py.", 3},
		{"delete to start", []string{"a", "b", "left", "ctrl+u"}, "b", 0},
		{"backspace at start", []string{"backspace"}, "", 0},
		{"right at end", []string{"a", "right"}, "a", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInputModel()
			for _, k := range tt.keys {
				in = in.Update(keyMsg(k))
			}
			if in.Value() != tt.value || in.Position() != tt.pos {
				t.Fatalf("got %q at %d, want %q at %d", in.Value(), in.Position(), tt.value, tt.pos)
			}
		})
	}
	// A paste of control characters does not reach the query raw.
	in := newInputModel().Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("a\x1bb"), Paste: true})
	if in.Value() != "a b" {
		t.Fatalf("pasted %q", in.Value())
	}
	// The query is bounded.
	long := make([]rune, queryCharLimit+10)
	for i := range long {
		long[i] = 'x'
	}
	if got := len(newInputModel().Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: long}).Value()); got != queryCharLimit {
		t.Fatalf("query of %d runes, want %d", got, queryCharLimit)
	}
}

func TestChangeString(t *testing.T) {
	tests := []struct {
		c    Change
		want string
	}{
		{Change{Attr: "cargo-edit", Added: true}, "+ cargo-edit added"},
		{Change{Attr: "cargo"}, "- cargo removed"},
		{Change{Attr: "jq", Added: true, Unchanged: true}, "= jq already in devshell.toml"},
		{Change{Attr: "jq", Unchanged: true}, "= jq not in devshell.toml"},
		{Change{Attr: "cargo", Added: true, Note: "also provided by [[commands]]"}, "+ cargo added (also provided by [[commands]])"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestStatusDuration(t *testing.T) {
	tests := map[time.Duration]string{0: "0:00", 999 * time.Millisecond: "0:00", 61 * time.Second: "1:01", 10 * time.Minute: "10:00"}
	for in, want := range tests {
		if got := statusDuration(in); got != want {
			t.Errorf("statusDuration(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestDetailHomepage(t *testing.T) {
	tests := map[string]string{
		"https://github.com/killercup/cargo-edit": "github.com/killercup/cargo-edit",
		"http://example.org/":                     "example.org",
		"":                                        "",
	}
	for in, want := range tests {
		if got := detailHomepage(in); got != want {
			t.Errorf("detailHomepage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHeaderKeepsIndexState(t *testing.T) {
	st := asciiStyles()
	p := ProjectInfo{Dir: "~/src/a-rather-long-project-directory-name", Source: "nixpkgs 870493f (flake.lock)"}
	ix := indexModel{opened: true, info: IndexInfo{Count: 129815, Stale: true}}
	tests := []struct {
		w    int
		want string
	}{
		{120, " devsh  ~/src/a-rather-long-project-directory-name · nixpkgs 870493f (flake.lock) · 129,815 packages · stale"},
		{70, " devsh  nixpkgs 870493f (flake.lock) · 129,815 packages · stale"},
		{30, " devsh  129,815 packages · st…"},
	}
	for _, tt := range tests {
		got := headerView(st, p, ix, tt.w)
		if tuiWidth(got) != tt.w {
			t.Errorf("width %d: header is %d cells: %q", tt.w, tuiWidth(got), got)
		}
		if trimmed := strings.TrimRight(got, " "); trimmed != tt.want {
			t.Errorf("width %d:\n got %q\nwant %q", tt.w, trimmed, tt.want)
		}
	}
}

// TestHeaderWhere: the directory's leading elements give way first, then
// those of a path nixpkgs (its end and origin stay), then the source's date,
// then the directory; room left goes back to the source, then the
// directory (issue 10: a path nixpkgs was cut at its end, "(--nixpkgs)"
// and all).
func TestHeaderWhere(t *testing.T) {
	const (
		home    = "~/src/flynix"
		locked  = "nixpkgs 870493f · 2025-10-11"
		srv     = "/srv/h10/p1/project"
		fixture = "nixpkgs /home/main/nixsearch/testdata/fixture/nixpkgs (--nixpkgs)"
	)
	for _, tt := range []struct {
		name        string
		dir, source string
		w           int
		want        string
	}{
		{"fits", home, locked, 43, "~/src/flynix · nixpkgs 870493f · 2025-10-11"},
		{"directory cut", home, locked, 42, "…/flynix · nixpkgs 870493f · 2025-10-11"},
		{"the date goes, the directory comes back", home, locked, 38, "~/src/flynix · nixpkgs 870493f"},
		{"the date goes, the directory stays cut", home, locked, 26, "…/flynix · nixpkgs 870493f"},
		{"the directory goes", home, locked, 25, "nixpkgs 870493f"},
		{"the source cut at its end", home, locked, 10, "nixpkgs 8…"},
		{"path nixpkgs in full", srv, fixture, 87, srv + " · " + fixture},
		{"path nixpkgs: the directory first", srv, fixture, 77, "…/project · " + fixture},
		{"path nixpkgs cut in its middle", srv, fixture, 58, "…/project · nixpkgs …/testdata/fixture/nixpkgs (--nixpkgs)"},
		{"room left goes back to the directory", srv, fixture, 57, "…/h10/p1/project · nixpkgs …/fixture/nixpkgs (--nixpkgs)"},
		{"path nixpkgs, no directory", srv, fixture, 30, "nixpkgs …/nixpkgs (--nixpkgs)"},
		{"path below the project, not cut", home, "nixpkgs ./fakepkgs", 20, "nixpkgs ./fakepkgs"},
		{"no source yet", srv, "", 12, "…/p1/project"},
		{"directory with a space", "~/My Projects/flynix", locked, 40, "…/flynix · nixpkgs 870493f · 2025-10-11"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := headerWhere(tt.dir, tt.source, tt.w)
			if got != tt.want {
				t.Errorf("headerWhere(%q, %q, %d)\n got %q\nwant %q", tt.dir, tt.source, tt.w, got, tt.want)
			}
			if tuiWidth(got) > tt.w {
				t.Errorf("%d cells, more than %d", tuiWidth(got), tt.w)
			}
		})
	}
}

func TestResultsKeepMovedSelection(t *testing.T) {
	b := newMemBackend(testPackages())
	r := resultsModel{}.SetSize(60, 5)
	r = r.SetResults(memSearch(b.index, "carg", 10))
	if sel, _ := r.Selected(); sel.Pkg.Attr != "cargo" {
		t.Fatalf("selected %q, want the best match", sel.Pkg.Attr)
	}
	// Untouched cursor: a new answer selects its best match.
	r = r.SetResults(memSearch(b.index, "cargo-", 10))
	if sel, _ := r.Selected(); sel.Pkg.Attr != "cargo-edit" {
		t.Fatalf("selected %q, want cargo-edit", sel.Pkg.Attr)
	}
	// Moved cursor: kept on its package when the answer has it.
	r = r.SetResults(memSearch(b.index, "cargo-ed", 10))
	r, _ = r.Update(keyMsg("down"), DefaultKeyMap())
	r = r.SetResults(memSearch(b.index, "cargo-edi", 10))
	if sel, _ := r.Selected(); sel.Pkg.Attr != "cargo-edit-unwrapped" {
		t.Fatalf("selected %q, want cargo-edit-unwrapped kept", sel.Pkg.Attr)
	}
	// …and back to the best match when it has not.
	r = r.SetResults(memSearch(b.index, "audit", 10))
	if sel, _ := r.Selected(); sel.Pkg.Attr != "cargo-audit" || r.cur.cursor != 0 {
		t.Fatalf("selected %q at %d", sel.Pkg.Attr, r.cur.cursor)
	}
}

func TestInputViewCursor(t *testing.T) {
	h := newHarness(t, newMemBackend(testPackages()))
	h.typeText("cargo")
	h.press("left", "left")
	line := h.m.inputView(100)
	if !strings.HasPrefix(line, " > car▌go ") || tuiWidth(line) != 100 {
		t.Fatalf("input line %q", line)
	}
	h.press("ctrl+e")
	if line := h.m.inputView(100); !strings.HasPrefix(line, " > cargo▌ ") {
		t.Fatalf("input line %q", line)
	}
	// A query longer than the line shows its end, where the cursor is.
	h.typeText(strings.Repeat("x", 120))
	line = h.m.inputView(60)
	if tuiWidth(line) != 60 || !strings.Contains(line, "xxx▌") || strings.Contains(line, "cargo") {
		t.Fatalf("input line %q", line)
	}
}
