package tui

import (
	"errors"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// panelModel is the packages panel: devshell.toml's packages in file order.
type panelModel struct {
	items []Installed
	// err is why the packages could not be read (invalid TOML, say); the
	// panel shows it instead of the packages.
	err   error
	set   map[string]bool // the attributes of items
	cur   listCursor
	width int // inner width, without the box
}

// SetItems replaces the packages, keeping the cursor where it was (or on
// the last package when the list got shorter).
func (p panelModel) SetItems(items []Installed) panelModel {
	p.items = items
	p.set = make(map[string]bool, len(items))
	for _, it := range items {
		p.set[it.Attr] = true
	}
	p.cur = p.cur.resize(len(items), p.cur.height)
	return p
}

// SetErr records why the packages could not be read; nil clears it.
func (p panelModel) SetErr(err error) panelModel {
	p.err = err
	return p
}

// SetSize sets the inner width and the number of visible rows.
func (p panelModel) SetSize(width, height int) panelModel {
	p.width = width
	p.cur = p.cur.resize(len(p.items), height)
	return p
}

// Update moves the cursor on movement keys; moved reports whether msg was
// one of them.
func (p panelModel) Update(msg tea.KeyMsg, keys KeyMap) (_ panelModel, moved bool) {
	p.cur, moved = p.cur.update(msg, keys)
	return p, moved
}

// Selected returns the package under the cursor.
func (p panelModel) Selected() (Installed, bool) {
	if len(p.items) == 0 {
		return Installed{}, false
	}
	return p.items[p.cur.cursor], true
}

// Installed returns the set of attributes in the panel, for the marks of
// the results list. The caller must not change it.
func (p panelModel) Installed() map[string]bool {
	return p.set
}

// emptyText says why the panel has no packages.
func (p panelModel) emptyText() string {
	switch {
	case errors.Is(p.err, ErrNoTOML):
		return "no devshell.toml yet: enter on a result creates it"
	case p.err != nil:
		// The parse error's first line: path:line:col: message.
		first, _, _ := strings.Cut(p.err.Error(), "\n")
		return first
	default:
		return "no packages yet: enter on a result adds it"
	}
}

// find returns the package named attr.
func (p panelModel) find(attr string) (Installed, bool) {
	for _, it := range p.items {
		if it.Attr == attr {
			return it, true
		}
	}
	return Installed{}, false
}

// View renders exactly height lines of the inner width, the visible
// packages only.
func (p panelModel) View(st Styles, focused bool) []string {
	w := p.width
	from, to := p.cur.visible()
	lines := make([]string, 0, p.cur.height)
	if len(p.items) == 0 && p.cur.height > 0 {
		for _, l := range tuiWrap(p.emptyText(), max(1, w-2), p.cur.height) {
			lines = append(lines, " "+st.Dim.Render(tuiFit(l, w-1)))
		}
	}
	for i := from; i < to; i++ {
		it := p.items[i]
		var b strings.Builder
		b.WriteByte(' ')
		if focused && i == p.cur.cursor {
			b.WriteString(st.Cursor.Render(markCursor))
		} else {
			b.WriteByte(' ')
		}
		b.WriteByte(' ')
		if it.FromCommand {
			b.WriteString(st.Dim.Render(markCommand))
		} else {
			b.WriteString(st.Installed.Render(markInstalled))
		}
		b.WriteByte(' ')
		// The version follows the name when both fit; the name first.
		room := max(0, w-5-1)
		name := tuiSanitize(it.Attr)
		ver := tuiSanitize(it.Version)
		showVer := ver != "" && tuiWidth(name)+1+tuiWidth(ver) <= room
		if !showVer {
			name = tuiFit(name, room)
		}
		if focused && i == p.cur.cursor {
			b.WriteString(st.Selected.Render(name))
		} else {
			b.WriteString(name)
		}
		if showVer {
			b.WriteString(" " + st.Version.Render(ver))
			b.WriteString(strings.Repeat(" ", room-tuiWidth(name)-1-tuiWidth(ver)))
		}
		b.WriteByte(' ') // the blank cell on the right
		lines = append(lines, b.String())
	}
	return tuiLines(lines, p.cur.height, w)
}
