package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/devsh/devsh/nixsearch"
)

// goldenWait bounds how long a golden test waits for a screen; it is a
// deadline for a hung program, not a timing assertion.
const goldenWait = 10 * time.Second

// immediateTick fires timers at once, so that golden screens do not wait
// for the metadata delay; the build tick never fires (no build runs), nor
// does a note's fade (the screens show the note).
func immediateTick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		switch msg := fn(time.Time{}).(type) {
		case buildTickMsg, statusFadeMsg:
			return nil
		default:
			return msg
		}
	}
}

// waitScreen waits until the program's output contains every string.
func waitScreen(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
		for _, w := range want {
			if !bytes.Contains(out, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(goldenWait), teatest.WithCheckInterval(10*time.Millisecond))
}

// goldenProgram starts the real Bubble Tea program at w×h on the in-memory
// backend with three packages installed, and waits for the first results.
func goldenProgram(t *testing.T, w, h int) (*memBackend, *teatest.TestModel) {
	t.Helper()
	b := newMemBackend(testPackages(), "rustc", "cargo", "flyctl")
	b.meta = testMeta()
	m := NewModel(context.Background(), b, ModelOptions{Styles: asciiStyles(), Tick: immediateTick})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	waitScreen(t, tm, "3 in devshell.toml")
	return b, tm
}

// goldenFinal quits the program with ctrl+c and returns its last screen,
// checked to be w×h.
func goldenFinal(t *testing.T, tm *teatest.TestModel, w, h int) string {
	t.Helper()
	tm.Send(keyMsg("ctrl+c"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(goldenWait)).(Model)
	view := final.View()
	checkSize(t, view, w, h)
	return view
}

// TestGoldenScreens runs the real Bubble Tea program on the in-memory
// backend and compares the final screen with testdata/TestGoldenScreens/
// (go test ./tui -run TestGoldenScreens -update rewrites them).
func TestGoldenScreens(t *testing.T) {
	t.Run("100x30", func(t *testing.T) {
		b, tm := goldenProgram(t, 100, 30)
		tm.Type("cargo-ed")
		waitScreen(t, tm, "homepage github.com/killercup/cargo-edit")
		tm.Send(keyMsg("enter"))
		waitScreen(t, tm, "+ cargo-edit added")
		tm.Send(keyMsg("ctrl+c")) // syncs, then quits
		final := tm.FinalModel(t, teatest.WithFinalTimeout(goldenWait)).(Model)
		if got := b.callLog(); strings.Join(got, ",") != "open,add cargo-edit,sync" {
			t.Fatalf("backend calls %v", got)
		}
		view := final.View()
		checkSize(t, view, 100, 30)
		golden.RequireEqual(t, []byte(view))
	})
	t.Run("80x24", func(t *testing.T) {
		// The most common terminal: full names with their versions, the
		// packages panel as a count in the results' title.
		_, tm := goldenProgram(t, 80, 24)
		tm.Type("python3")
		// " 3 / 26" alone is also the empty query's list of the three
		// installed packages: the downs must come after python3's rows.
		waitScreen(t, tm, " 3 / 26", "python3Packages.requests")
		tm.Send(keyMsg("down"))
		tm.Send(keyMsg("down"))
		waitScreen(t, tm, "homepage requests.readthedocs.io")
		view := goldenFinal(t, tm, 80, 24)
		if !strings.Contains(view, "python3Packages.requests  2.32.4") {
			t.Fatalf("at 80×24 the name and version must show in full:\n%s", view)
		}
		golden.RequireEqual(t, []byte(view))
	})
	t.Run("120x40", func(t *testing.T) {
		_, tm := goldenProgram(t, 120, 40)
		tm.Type("rust")
		waitScreen(t, tm, " 4 / 26")
		tm.Send(keyMsg("tab"))
		tm.Send(keyMsg("down"))
		waitScreen(t, tm, "homepage crates.io")
		view := goldenFinal(t, tm, 120, 40)
		golden.RequireEqual(t, []byte(view))
	})
	t.Run("40x10", func(t *testing.T) {
		// The minimum: two result rows, the detail's first line.
		_, tm := goldenProgram(t, minWidth, minHeight)
		tm.Type("cargo-ed")
		waitScreen(t, tm, " 2 / 26")
		view := goldenFinal(t, tm, minWidth, minHeight)
		golden.RequireEqual(t, []byte(view))
	})
	t.Run("60x20", func(t *testing.T) {
		_, tm := goldenProgram(t, 60, 20)
		tm.Type("cargo")
		waitScreen(t, tm, " 6 / 26") // not "26 / 26"
		tm.Send(keyMsg("down"))
		waitScreen(t, tm, "homepage github.com/killercup")
		view := goldenFinal(t, tm, 60, 20)
		golden.RequireEqual(t, []byte(view))
	})
}

// TestGoldenBuilding renders the screen while a first index build runs,
// with a fixed clock (testdata/TestGoldenBuilding.golden).
func TestGoldenBuilding(t *testing.T) {
	b := newMemBackend(nil, "rustc", "cargo")
	b.info = IndexInfo{Missing: true}
	h := newLoadingHarness(t, b)
	h.m, _ = loadSteps(h.m, b)
	h.typeText("carg")
	h.update(buildProgressMsg{seq: h.m.index.seq, evaluated: 60_000, at: h.m.index.start.Add(42 * time.Second)})
	view := h.m.View()
	checkSize(t, view, 100, 30)
	golden.RequireEqual(t, []byte(view))
}

func TestNoColorHasNoEscapes(t *testing.T) {
	b := newMemBackend(testPackages(), "cargo")
	b.meta = testMeta()
	h := newHarness(t, b)
	h.typeText("cargo")
	h.press("?")
	if v := h.m.View(); strings.Contains(v, "\x1b") {
		t.Fatalf("escape sequences without colour:\n%q", v)
	}
	// The same screen in colour has them, and the marks are characters in
	// both.
	c := NewModel(context.Background(), b, ModelOptions{Styles: colorStyles()})
	nm, _ := c.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	lm, _ := loadSteps(nm.(Model), b)
	v := lm.View()
	if !strings.Contains(v, "\x1b[") || !strings.Contains(v, markInstalled) || !strings.Contains(v, markCursor) {
		t.Fatalf("colour view lacks escapes or marks:\n%q", v)
	}
}

func TestResultsHighlight(t *testing.T) {
	st := colorStyles()
	base, match := st.App, st.Match
	tests := []struct {
		name string
		attr string
		pos  []int
		w    int
		want string
	}{
		{"prefix", "cargo-edit", []int{0, 1, 2}, 10, match.Render("car") + base.Render("go-edit")},
		{"scattered", "cargo-edit", []int{0, 6}, 12, match.Render("c") + base.Render("argo-") + match.Render("e") + base.Render("dit") + "  "},
		{"cut", "cargo-edit-unwrapped", []int{0, 15}, 8, match.Render("c") + base.Render("argo-e") + base.Render("…")},
		{"none", "jq", nil, 3, base.Render("jq") + " "},
		{"multibyte", "héllo", []int{3}, 5, base.Render("hé") + match.Render("l") + base.Render("lo")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resultsHighlight(tt.attr, tt.pos, tt.w, base, match); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestViewSizeStable(t *testing.T) {
	b := newMemBackend(testPackages(), "rustc")
	b.meta = testMeta()
	h := newHarness(t, b)
	h.typeText("python3Packages.requests-and-a-very-long-query-that-does-not-fit")
	for _, size := range [][2]int{{100, 30}, {80, 24}, {79, 24}, {60, 20}, {40, 12}, {120, 50}} {
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		checkSize(t, h.m.View(), size[0], size[1])
		h.press("tab")
		checkSize(t, h.m.View(), size[0], size[1])
		h.press("tab")
	}
}

// TestGoldenWithoutNix renders the screen when nix is not installed, after
// removing a package from the panel (testdata/TestGoldenWithoutNix.golden).
func TestGoldenWithoutNix(t *testing.T) {
	b := newMemBackend(nil, "rustc", "cargo", "flyctl")
	b.openErr = fmt.Errorf("opening the index: %w", ErrNixMissing)
	h := newHarness(t, b)
	h.press("tab", "down", "delete")
	view := h.m.View()
	checkSize(t, view, 100, 30)
	golden.RequireEqual(t, []byte(view))
}

// TestTooSmall: below the minimum the screen says so, at any size, instead
// of broken borders; at the minimum the screen is drawn.
func TestTooSmall(t *testing.T) {
	h := newHarness(t, newMemBackend(testPackages(), "rustc"))
	for _, size := range [][2]int{{minWidth - 1, 24}, {80, minHeight - 1}, {14, 10}, {8, 3}, {1, 1}} {
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		v := h.m.View()
		checkSize(t, v, size[0], size[1])
		if strings.Contains(v, "╭") {
			t.Fatalf("%dx%d: borders drawn below the minimum:\n%s", size[0], size[1], v)
		}
		if size[0] >= 20 && !strings.Contains(v, "terminal too small") {
			t.Fatalf("%dx%d: the screen does not say the terminal is too small:\n%s", size[0], size[1], v)
		}
	}
	h.send(tea.WindowSizeMsg{Width: minWidth, Height: minHeight})
	if v := h.m.View(); !strings.Contains(v, "╭─ results") || !strings.Contains(v, "> ") {
		t.Fatalf("at the minimum the screen is drawn:\n%s", v)
	}
}

// TestResultColumns: a name of up to 32 cells and its version are never
// cut at 80 columns (the panel is a count there); the description is what
// gets cut; columns are measured over all rows, so scrolling keeps them.
func TestResultColumns(t *testing.T) {
	name32 := "python313Packages.requests-oauth" // 32 cells
	if len(name32) != resultsNameFull {
		t.Fatalf("test name has %d cells", len(name32))
	}
	rows := []Row{{Pkg: nixsearch.Package{Attr: "jq", Version: "1.8.1"}}}
	for i := 0; i < 40; i++ {
		rows = append(rows, Row{Pkg: nixsearch.Package{Attr: "a", Version: "1"}})
	}
	rows = append(rows, Row{Pkg: nixsearch.Package{Attr: name32, Version: "0.3.172", Description: "OAuthlib authentication support for Requests"}})
	var r resultsModel
	r = r.SetResults(Results{Rows: rows, Total: len(rows)})
	r = r.SetSize(80-2, 5) // collapsed at 80: the whole width, less the borders
	attrW, verW, descW := r.columns(r.width)
	if attrW != 32 || verW != 7 || descW <= 0 {
		t.Fatalf("columns at 80: name %d, version %d, description %d; want 32, 7, some", attrW, verW, descW)
	}
	top := r.View(asciiStyles(), nil, true, "", nil)
	r.cur, _ = r.cur.update(keyMsg("end"), DefaultKeyMap())
	bottom := r.View(asciiStyles(), nil, true, "", nil)
	if !strings.Contains(strings.Join(bottom, "\n"), name32+"  0.3.172  OAuthlib") {
		t.Fatalf("the 32-cell name and its version are cut:\n%s", strings.Join(bottom, "\n"))
	}
	// The first rows' columns are as wide at the top as at the bottom.
	if i := strings.Index(top[0], "1.8.1"); i != strings.Index(bottom[len(bottom)-1], "0.3.172") {
		t.Fatalf("the version column moved while scrolling:\n%s\n%s", top[0], bottom[len(bottom)-1])
	}
	if panelOuterWidth(80) != 0 || panelOuterWidth(100) == 0 {
		t.Fatalf("panel widths: %d at 80, %d at 100", panelOuterWidth(80), panelOuterWidth(100))
	}
}

// TestMonoStylesKeepAttributes: NO_COLOR's styles, as Run makes them with
// NO_COLOR set in the environment (which termenv reads too), have no colour
// codes but keep bold and underline, so the matched letters stay marked;
// the colour styles draw the selected row as a bar (a background).
func TestMonoStylesKeepAttributes(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	b := newMemBackend(testPackages(), "cargo")
	for _, c := range []struct {
		name   string
		styles Styles
		color  bool
	}{{"mono", runStyles(io.Discard, true), false}, {"color", colorStyles(), true}} {
		m := NewModel(context.Background(), b, ModelOptions{Styles: c.styles})
		nm, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		lm, cmd := loadSteps(nm.(Model), b)
		lm = execSync(lm, cmd)
		lm, cmd = lm.update(keyMsg("c"))
		lm = execSync(lm, cmd)
		v := lm.View()
		underline := regexp.MustCompile(`\x1b\[[0-9;]*4[;m]`)
		colour := regexp.MustCompile(`\x1b\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7]|10[0-7])[;m]`)
		background := regexp.MustCompile(`\x1b\[([0-9;]*;)?(4[0-7]|10[0-7])[;m]`)
		if !underline.MatchString(v) {
			t.Errorf("%s: the matches are not underlined:\n%q", c.name, v)
		}
		if got := colour.MatchString(v); got != c.color {
			t.Errorf("%s: colour codes %v, want %v", c.name, got, c.color)
		}
		if got := background.MatchString(v); got != c.color {
			t.Errorf("%s: a background (the selected row's bar) %v, want %v", c.name, got, c.color)
		}
		if !strings.Contains(v, markCursor) {
			t.Errorf("%s: no cursor mark", c.name)
		}
	}
}

// TestHonestScreens: the empty panel says why; a detail line still
// loading says so; a missing description leaves no trailing separator.
func TestHonestScreens(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"invalid TOML", errors.New("devshell.toml:3:12: expected a value\nmore detail"), "devshell.toml:3:12: expected a value"},
		{"no devshell.toml", fmt.Errorf("%w: devshell.toml: no such file", ErrNoTOML), "no devshell.toml yet: enter on a result creates it"},
		{"no packages", nil, "no packages yet: enter on a result adds it"},
	} {
		b := newMemBackend(testPackages())
		b.pkgErr = c.err
		h := newHarness(t, b)
		h.press("tab")
		// The panel wraps the text: its first words on the screen, all of it
		// in the panel's text.
		if v := h.m.View(); h.m.panel.emptyText() != c.want || !strings.Contains(v, "│ "+c.want[:16]) {
			t.Errorf("%s: the panel does not say %q:\n%s", c.name, c.want, v)
		}
	}

	var d detailModel = newDetailModel()
	st := asciiStyles()
	lines := d.View(st, selection{attr: "jq", version: "1.8.1"}, 60, detailHeight)
	if got := strings.TrimRight(lines[0], " "); got != " jq 1.8.1" {
		t.Errorf("no description: first detail line %q, want no trailing separator", got)
	}
	if got := strings.TrimSpace(lines[2]); got != "loading details…" {
		t.Errorf("metadata not fetched yet: %q, want loading details…", got)
	}
	lines = d.View(st, selection{attr: "jq", installed: true}, 60, detailHeight)
	if got := strings.TrimRight(lines[0], " "); got != " jq · ✓ in devshell.toml" {
		t.Errorf("installed, no version or description: %q", got)
	}
}
