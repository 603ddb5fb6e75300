package tui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
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
	waitScreen(t, tm, "26 / 26")
	return b, tm
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
	t.Run("60x20", func(t *testing.T) {
		_, tm := goldenProgram(t, 60, 20)
		tm.Type("cargo")
		waitScreen(t, tm, " 6 / 26") // not "26 / 26"
		tm.Send(keyMsg("down"))
		waitScreen(t, tm, "homepage github.com/killercup")
		tm.Send(keyMsg("ctrl+c"))
		final := tm.FinalModel(t, teatest.WithFinalTimeout(goldenWait)).(Model)
		view := final.View()
		checkSize(t, view, 60, 20)
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
