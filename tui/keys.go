package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap defines the TUI's key bindings. It satisfies help.KeyMap. Keys
// that are not bound here edit the query, so a binding must not take a
// character that can appear in an attribute path.
type KeyMap struct {
	// Moving in the focused list.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding

	// Toggle adds the selected result, or removes it when present.
	Toggle key.Binding
	// Remove removes the selected package of the packages panel.
	Remove key.Binding
	// Focus moves between the results and the packages panel.
	Focus key.Binding

	Undo    key.Binding
	Rebuild key.Binding
	Sync    key.Binding
	// Descriptions switches the search between names and descriptions.
	Descriptions key.Binding

	// Clear empties the query; on an empty query it quits. In the packages
	// panel it returns to the results.
	Clear key.Binding
	// Quit quits at once (after the pending writes and the sync).
	Quit key.Binding
	// Help shows or hides the full key list.
	Help key.Binding
}

// DefaultKeyMap returns the default key bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up: key.NewBinding(
			key.WithKeys("up", "ctrl+p"),
			key.WithHelp("↑/ctrl+p", "up"),
		),
		Down: key.NewBinding(
			key.WithKeys("down", "ctrl+n"),
			key.WithHelp("↓/ctrl+n", "down"),
		),
		PageUp: key.NewBinding(
			key.WithKeys("pgup"),
			key.WithHelp("pgup", "page up"),
		),
		PageDown: key.NewBinding(
			key.WithKeys("pgdown"),
			key.WithHelp("pgdn", "page down"),
		),
		Home: key.NewBinding(
			key.WithKeys("home"),
			key.WithHelp("home", "first"),
		),
		End: key.NewBinding(
			key.WithKeys("end"),
			key.WithHelp("end", "last"),
		),
		Toggle: key.NewBinding(
			key.WithKeys("enter"),
			key.WithHelp("enter", "add/remove"),
		),
		Remove: key.NewBinding(
			key.WithKeys("enter", "delete"),
			key.WithHelp("enter/del", "remove"),
		),
		Focus: key.NewBinding(
			key.WithKeys("tab", "shift+tab"),
			key.WithHelp("tab", "packages"),
		),
		Undo: key.NewBinding(
			key.WithKeys("ctrl+z"),
			key.WithHelp("ctrl+z", "undo"),
		),
		Rebuild: key.NewBinding(
			key.WithKeys("ctrl+r"),
			key.WithHelp("ctrl+r", "rebuild index"),
		),
		Sync: key.NewBinding(
			key.WithKeys("ctrl+s"),
			key.WithHelp("ctrl+s", "sync .envrc"),
		),
		Clear: key.NewBinding(
			key.WithKeys("esc"),
			key.WithHelp("esc", "clear/quit"),
		),
		Quit: key.NewBinding(
			key.WithKeys("ctrl+c"),
			key.WithHelp("ctrl+c", "quit"),
		),
		Help: key.NewBinding(
			key.WithKeys("?"),
			key.WithHelp("?", "help"),
		),
		// ctrl+d and ctrl+f edit the query (delete, forward).
		Descriptions: key.NewBinding(
			key.WithKeys("ctrl+t"),
			key.WithHelp("ctrl+t", "descriptions"),
		),
	}
}

// ShortHelp returns the bindings of the one-line help. It is part of the
// help.KeyMap interface.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Toggle, k.Focus, k.Undo, k.Descriptions, k.Help}
}

// shortHelpFor returns the one-line help of the focused area: the
// results' keys, or the packages panel's.
func (k KeyMap) shortHelpFor(f focusArea) []key.Binding {
	if f == focusResults {
		return k.ShortHelp()
	}
	back := k.Focus
	back.SetHelp("tab", "results")
	return []key.Binding{k.Remove, back, k.Undo, k.Help}
}

// FullHelp returns the bindings of the full help, in columns. It is part of
// the help.KeyMap interface.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Toggle, k.Remove, k.Focus, k.Undo, k.Descriptions},
		{k.Rebuild, k.Sync, k.Clear, k.Quit, k.Help},
	}
}
