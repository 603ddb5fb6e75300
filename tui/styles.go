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
	// NoColor is true when the renderer draws no colours or attributes
	// (NO_COLOR, a dumb terminal): the query cursor is then drawn as a
	// character.
	NoColor bool
}

// NewStyles returns the default styles rendered by r.
func NewStyles(r *lipgloss.Renderer) Styles {
	const (
		red     = lipgloss.Color("1")
		green   = lipgloss.Color("2")
		yellow  = lipgloss.Color("3")
		blue    = lipgloss.Color("4")
		magenta = lipgloss.Color("5")
		cyan    = lipgloss.Color("6")
		grey    = lipgloss.Color("8")
	)
	s := r.NewStyle()
	return Styles{
		NoColor:     r.ColorProfile() == termenv.Ascii,
		App:         s,
		Title:       s.Bold(true).Foreground(magenta),
		Dim:         s.Foreground(grey),
		Stale:       s.Foreground(yellow).Bold(true),
		Prompt:      s.Foreground(magenta).Bold(true),
		Query:       s,
		Cursor:      s.Foreground(magenta),
		Count:       s.Foreground(grey),
		Border:      s.Foreground(grey),
		BorderFocus: s.Foreground(magenta),
		BoxTitle:    s.Bold(true),
		Selected:    s.Foreground(magenta).Bold(true),
		Match:       s.Foreground(cyan).Bold(true).Underline(true),
		Installed:   s.Foreground(green),
		Version:     s.Foreground(blue),
		Description: s.Foreground(grey),
		DetailAttr:  s.Bold(true),
		Meta:        s.Foreground(grey),
		StatusInfo:  s.Foreground(green),
		StatusError: s.Foreground(red),
		Bar:         s.Foreground(magenta),
		BarEmpty:    s.Foreground(grey),
		Help: help.Styles{
			Ellipsis:       s.Foreground(grey),
			ShortKey:       s.Foreground(grey).Bold(true),
			ShortDesc:      s.Foreground(grey),
			ShortSeparator: s.Foreground(grey),
			FullKey:        s.Foreground(grey).Bold(true),
			FullDesc:       s.Foreground(grey),
			FullSeparator:  s.Foreground(grey),
		},
	}
}
