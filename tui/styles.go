package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Marks are characters, so that the screen reads the same without colour.
const (
	markCursor    = "▸"
	markInstalled = "✓"
	markCommand   = "•"
	markStale     = "stale"
	inputCursor   = "▌"
)

// Styles holds every style of the TUI. All are made by one renderer, so the
// colour profile of the output (or NO_COLOR) applies to all of them. Only
// the 16 ANSI colours are used: they follow the terminal's theme, and no
// terminal query for the background is needed.
type Styles struct {
	App         lipgloss.Style
	Title       lipgloss.Style
	Dim         lipgloss.Style
	Stale       lipgloss.Style
	Prompt      lipgloss.Style
	Query       lipgloss.Style
	Cursor      lipgloss.Style
	Count       lipgloss.Style
	Border      lipgloss.Style
	BorderFocus lipgloss.Style
	BoxTitle    lipgloss.Style
	Selected    lipgloss.Style
	// SelectedBar is the background of the selected result row; without
	// colour it is empty and the cursor mark shows the row.
	SelectedBar lipgloss.Style
	Match       lipgloss.Style
	Installed   lipgloss.Style
	Version     lipgloss.Style
	Description lipgloss.Style
	DetailAttr  lipgloss.Style
	Meta        lipgloss.Style
	StatusInfo  lipgloss.Style
	StatusError lipgloss.Style
	Bar         lipgloss.Style
	BarEmpty    lipgloss.Style
	Help        help.Styles
	// NoColor is true when the renderer draws no attributes at all (its
	// profile is Ascii: output that is no terminal, a terminal termenv does
	// not know): the query cursor is then drawn as a character. NO_COLOR
	// alone keeps attributes (see NewMonoStyles), and the reversed cursor.
	NoColor bool
}

// NewStyles returns the default styles rendered by r.
func NewStyles(r *lipgloss.Renderer) Styles { return newStyles(r, true) }

// NewMonoStyles returns the default styles without colours, for NO_COLOR:
// bold, underline and reverse stay (so matches stay highlighted, as fzf
// does), only the colours go.
func NewMonoStyles(r *lipgloss.Renderer) Styles { return newStyles(r, false) }

// newStyles returns the default styles, with or without colours.
func newStyles(r *lipgloss.Renderer, color bool) Styles {
	const (
		red     = lipgloss.Color("1")
		green   = lipgloss.Color("2")
		yellow  = lipgloss.Color("3")
		blue    = lipgloss.Color("4")
		magenta = lipgloss.Color("5")
		cyan    = lipgloss.Color("6")
		white   = lipgloss.Color("15")
		grey    = lipgloss.Color("8")
	)
	s := r.NewStyle()
	// fg and bg colour a style, unless colours are off.
	fg := func(st lipgloss.Style, c lipgloss.Color) lipgloss.Style {
		if !color {
			return st
		}
		return st.Foreground(c)
	}
	bg := func(st lipgloss.Style, c lipgloss.Color) lipgloss.Style {
		if !color {
			return st
		}
		return st.Background(c)
	}
	return Styles{
		NoColor:     r.ColorProfile() == termenv.Ascii,
		App:         s,
		Title:       fg(s.Bold(true), magenta),
		Dim:         fg(s, grey),
		Stale:       fg(s, yellow).Bold(true),
		Prompt:      fg(s, magenta).Bold(true),
		Query:       s,
		Cursor:      fg(s, magenta),
		Count:       fg(s, grey),
		Border:      fg(s, grey),
		BorderFocus: fg(s, magenta),
		BoxTitle:    s.Bold(true),
		Selected:    fg(s, magenta).Bold(true),
		SelectedBar: fg(bg(s, grey), white),
		Match:       fg(s, cyan).Bold(true).Underline(true),
		Installed:   fg(s, green),
		Version:     fg(s, blue),
		Description: fg(s, grey),
		DetailAttr:  s.Bold(true),
		Meta:        fg(s, grey),
		StatusInfo:  fg(s, green),
		StatusError: fg(s, red),
		Bar:         fg(s, magenta),
		BarEmpty:    fg(s, grey),
		Help: help.Styles{
			Ellipsis:       fg(s, grey),
			ShortKey:       fg(s, grey).Bold(true),
			ShortDesc:      fg(s, grey),
			ShortSeparator: fg(s, grey),
			FullKey:        fg(s, grey).Bold(true),
			FullDesc:       fg(s, grey),
			FullSeparator:  fg(s, grey),
		},
	}
}
