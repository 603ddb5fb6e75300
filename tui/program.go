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
	// NoColor renders without colour (NO_COLOR) but with bold, underline
	// and reverse; otherwise the colour profile is detected from Out.
	NoColor bool
}

// firstFrameBudget is how long Run waits for the first load before it
// shows the screen: enough for a warm index (reading the lock, opening the
// index ≤ 5 ms, one search) so that the first frame has results, and short
// enough that with the program's start the first frame is on the screen
// within 0.1 s in every case (a slow step then lands a moment later).
const firstFrameBudget = 25 * time.Millisecond

// Run runs the TUI on the terminal until the user quits, and returns what
// the session did. Quitting is not an error; the error is for a program
// that could not run or was interrupted through ctx.
func Run(ctx context.Context, b Backend, opts Options) (Result, error) {
	out := opts.Out
	if out == nil {
		out = os.Stdout
	}
	styles := runStyles(out, opts.NoColor)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := NewModel(ctx, b, ModelOptions{Styles: styles})
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

// runStyles returns the styles Run renders to out with. For NO_COLOR the
// renderer must not detect its profile: termenv reads NO_COLOR itself and
// answers Ascii, which writes no attributes at all. The mono styles hold no
// colour, so the ANSI profile writes only their bold, underline and
// reverse; it is also the least a terminal termenv does not know (TERM=screen
// reads as Ascii) is given, since Run only draws on a terminal.
func runStyles(out io.Writer, noColor bool) Styles {
	r := lipgloss.NewRenderer(out)
	if !noColor {
		return NewStyles(r)
	}
	r.SetColorProfile(termenv.ANSI)
	return NewMonoStyles(r)
}

// preload runs the steps of the first load for at most budget, applying
// each answer before the program starts, so that a quick load's first
// frame already shows the results. When the budget ends first, Init waits
// for the running step, and the program goes on from there. The other
// Cmds the steps ask for (the git warning, an index build) run once the
// program has started.
func (m Model) preload(budget time.Duration) Model {
	timer := time.NewTimer(budget)
	defer timer.Stop()
	var later []tea.Cmd
	next := m.init
	for next != nil {
		ch := make(chan tea.Msg, 1)
		go func(c tea.Cmd) { ch <- c() }(next)
		select {
		case msg := <-ch:
			var other tea.Cmd
			m, next, other = m.applyLoad(msg)
			later = append(later, other)
		case <-timer.C:
			later = append(later, func() tea.Msg { return <-ch })
			next = nil
		}
	}
	m.init = tea.Batch(later...)
	return m
}
