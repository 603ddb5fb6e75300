package tui

import (
	"context"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// testClock is a clock the tests move by hand.
type testClock struct{ now time.Time }

func (c *testClock) Now() time.Time { return c.now }

// asciiStyles renders without colour, like NO_COLOR.
func asciiStyles() Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return NewStyles(r)
}

// colorStyles renders with 16 colours.
func colorStyles() Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI)
	return NewStyles(r)
}

// harness drives a Model the way Bubble Tea does: every Cmd runs in its
// own goroutine and its message goes back through Update, one at a time,
// until no Cmd is outstanding.
type harness struct {
	t     *testing.T
	m     Model
	b     *memBackend
	clock *testClock
	quit  bool
	// ticks counts the timer Cmds asked for, by message type.
	ticks map[string]int
}

// newHarness returns a harness at 100×30 with the first load done. Timers
// fire at once, except the build's elapsed-time tick and the notes' fade,
// which are counted and dropped (tests send buildTickMsg and statusFadeMsg
// themselves).
func newHarness(t *testing.T, b *memBackend) *harness {
	t.Helper()
	h := newLoadingHarness(t, b)
	h.run(h.m.Init())
	return h
}

// newLoadingHarness returns a harness like newHarness's whose first load
// has not run; the test delivers it.
func newLoadingHarness(t *testing.T, b *memBackend) *harness {
	t.Helper()
	return newLoadingHarnessFor(t, b, b)
}

// newHarnessFor is newHarness with the model talking to be, which wraps b
// (a real Matcher's search, say).
func newHarnessFor(t *testing.T, b *memBackend, be Backend) *harness {
	t.Helper()
	h := newLoadingHarnessFor(t, b, be)
	h.run(h.m.Init())
	return h
}

func newLoadingHarnessFor(t *testing.T, b *memBackend, be Backend) *harness {
	t.Helper()
	h := &harness{t: t, b: b, clock: &testClock{now: time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)}, ticks: map[string]int{}}
	h.m = NewModel(context.Background(), be, ModelOptions{
		Styles: asciiStyles(),
		Clock:  h.clock.Now,
		Tick:   h.tick,
	})
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	return h
}

func (h *harness) tick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	msg := fn(h.clock.now)
	switch msg.(type) {
	case buildTickMsg:
		h.ticks["build"]++
		return nil
	case metaWantMsg:
		h.ticks["meta"]++
	case statusFadeMsg:
		// Notes stay: tests read them; the fade is tested by sending
		// statusFadeMsg.
		h.ticks["fade"]++
		return nil
	}
	return func() tea.Msg { return msg }
}

// send delivers msg and runs the Cmds it returns.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	m, cmd := h.m.Update(msg)
	h.m = m.(Model)
	h.run(cmd)
}

// update delivers msg and returns its Cmd without running it.
func (h *harness) update(msg tea.Msg) tea.Cmd {
	h.t.Helper()
	m, cmd := h.m.Update(msg)
	h.m = m.(Model)
	return cmd
}

// run executes cmd and everything it leads to.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	msgs := make(chan tea.Msg)
	outstanding := 0
	start := func(c tea.Cmd) {
		outstanding++
		go func() { msgs <- c() }()
	}
	start(cmd)
	const maxMsgs = 10_000 // a loop of Cmds is a bug
	for n := 0; outstanding > 0; n++ {
		if n > maxMsgs {
			h.t.Fatal("more than 10000 messages: a Cmd loop")
		}
		msg := <-msgs
		outstanding--
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				if c != nil {
					start(c)
				}
			}
		case tea.QuitMsg:
			h.quit = true
		default:
			m, next := h.m.Update(msg)
			h.m = m.(Model)
			if next != nil {
				start(next)
			}
		}
	}
}

// press sends named keys ("enter", "ctrl+z", …) or, for anything else,
// its characters.
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
	}
}

// typeText sends the characters of s one by one.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// namedKey returns the key type of a key name, if it has one.
func namedKey(k string) (tea.KeyType, bool) {
	t, ok := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "esc": tea.KeyEsc,
		"ctrl+c": tea.KeyCtrlC, "ctrl+z": tea.KeyCtrlZ, "ctrl+r": tea.KeyCtrlR, "ctrl+s": tea.KeyCtrlS,
		"ctrl+p": tea.KeyCtrlP, "ctrl+n": tea.KeyCtrlN, "up": tea.KeyUp, "down": tea.KeyDown,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
		"delete": tea.KeyDelete, "backspace": tea.KeyBackspace, "left": tea.KeyLeft, "right": tea.KeyRight,
		"ctrl+t": tea.KeyCtrlT, "ctrl+w": tea.KeyCtrlW, "ctrl+u": tea.KeyCtrlU, "ctrl+a": tea.KeyCtrlA, "ctrl+e": tea.KeyCtrlE,
	}[k]
	return t, ok
}

func keyMsg(k string) tea.KeyMsg {
	if t, ok := namedKey(k); ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// cmdMsgs runs cmd synchronously and returns its messages, batches
// flattened. Only for Cmds that do not block.
func cmdMsgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			out = append(out, cmdMsgs(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// loadSteps delivers the answers of the first load's steps to m, as the
// backend gives them, without running the other Cmds they ask for, and
// returns the Cmd of the last step's answer (a build, a search).
func loadSteps(m Model, b Backend) (Model, tea.Cmd) {
	ctx := context.Background()
	var cmd tea.Cmd
	for _, step := range []tea.Cmd{loadCmd(ctx, b), resolveCmd(ctx, b), openIndexCmd(ctx, b)} {
		m, cmd = m.update(step())
	}
	return m, cmd
}
