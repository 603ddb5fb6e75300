package tui

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Options configure Run.
type Options struct {
	// In is the terminal input; nil means standard input.
	In io.Reader
	// Out is the terminal output; nil means standard output.
	Out io.Writer
	// NoColor renders without colour (NO_COLOR); without it the colour
	// profile is detected from Out.
	NoColor bool
}

// firstFrameBudget is how long Run waits for the first load before it
// shows the screen: enough for a warm index (load ≤ 25 ms and one search)
// so that the first frame has results, short enough that a slow start
// still shows the screen at once (the load then lands a moment later).
const firstFrameBudget = 250 * time.Millisecond

// Run runs the TUI on the terminal until the user quits, and returns what
// the session did. Quitting is not an error; the error is for a program
// that could not run or was interrupted through ctx.
func Run(ctx context.Context, b Backend, opts Options) (Result, error) {
	out := opts.Out
	if out == nil {
		out = os.Stdout
	}
	r := lipgloss.NewRenderer(out)
	if opts.NoColor {
		r.SetColorProfile(termenv.Ascii)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := NewModel(ctx, b, ModelOptions{Styles: NewStyles(r)})
	m = m.preload(firstFrameBudget)

	progOpts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithAltScreen(), tea.WithOutput(out)}
	if opts.In != nil {
		progOpts = append(progOpts, tea.WithInput(opts.In))
	}
	final, err := tea.NewProgram(m, progOpts...).Run()
	var res Result
	if fm, ok := final.(Model); ok {
		res = fm.Result()
	}
	if err != nil {
		return res, fmt.Errorf("tui: %w", err)
	}
	return res, nil
}

// preload runs the first load for at most budget. When it ends in time,
// its answer is applied before the program starts, so the first frame
// already shows the results; otherwise the program starts at once and
// Init waits for the answer.
func (m Model) preload(budget time.Duration) Model {
	ch := make(chan loadedMsg, 1)
	ctx, b := m.ctx, m.backend
	go func() { ch <- load(ctx, b) }()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case msg := <-ch:
		m, cmd := m.applyLoaded(msg)
		m.init = cmd
		return m
	case <-timer.C:
		m.init = func() tea.Msg { return <-ch }
		return m
	}
}
