package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// resultLimit is how many rows one search asks for: a person pages through
// a few screens at most; the match count tells how many more there are.
const resultLimit = 200

// listCursor is a cursor over n rows of which height are visible from
// offset. The results list and the packages panel share it.
type listCursor struct {
	n, height      int
	cursor, offset int
}

// update moves the cursor for the movement keys of keys; it reports whether
// msg was one of them.
func (c listCursor) update(msg tea.KeyMsg, keys KeyMap) (listCursor, bool) {
	page := max(1, c.height)
	switch {
	case key.Matches(msg, keys.Up):
		c.cursor--
	case key.Matches(msg, keys.Down):
		c.cursor++
	case key.Matches(msg, keys.PageUp):
		c.cursor -= page
	case key.Matches(msg, keys.PageDown):
		c.cursor += page
	case key.Matches(msg, keys.Home):
		c.cursor = 0
	case key.Matches(msg, keys.End):
		c.cursor = c.n - 1
	default:
		return c, false
	}
	return c.clamp(), true
}

// resize sets the row count and the visible height, keeping the cursor.
func (c listCursor) resize(n, height int) listCursor {
	c.n, c.height = n, height
	return c.clamp()
}

// clamp keeps the cursor on a row and the cursor row visible.
func (c listCursor) clamp() listCursor {
	c.cursor = min(max(c.cursor, 0), max(c.n-1, 0))
	if c.height <= 0 {
		c.offset = c.cursor
		return c
	}
	if c.cursor < c.offset {
		c.offset = c.cursor
	}
	if c.cursor >= c.offset+c.height {
		c.offset = c.cursor - c.height + 1
	}
	c.offset = min(max(c.offset, 0), max(c.n-c.height, 0))
	return c
}

// visible returns the [from, to) range of rows on screen.
func (c listCursor) visible() (int, int) {
	return c.offset, min(c.offset+max(c.height, 0), c.n)
}

// resultsModel is the results list: the rows of the latest search, a
// cursor, and a view that renders only the visible rows.
type resultsModel struct {
	res   Results
	cur   listCursor
	width int // inner width, without the box
}

// SetResults replaces the rows with those of a new search. The cursor goes
// to the best match, unless the user had moved it to a package that is
// among the new rows: answers land a moment after the keystroke, and must
// not undo a movement made meanwhile.
func (r resultsModel) SetResults(res Results) resultsModel {
	prev, had := r.Selected()
	moved := had && r.cur.cursor > 0
	r.res = res
	r.cur.cursor, r.cur.offset = 0, 0
	if moved {
		if i := slices.IndexFunc(res.Rows, func(row Row) bool { return row.Pkg.Attr == prev.Pkg.Attr }); i >= 0 {
			r.cur.cursor = i
		}
	}
	r.cur = r.cur.resize(len(res.Rows), r.cur.height)
	return r
}

// SetSize sets the inner width and the number of visible rows.
func (r resultsModel) SetSize(width, height int) resultsModel {
	r.width = width
	r.cur = r.cur.resize(len(r.res.Rows), height)
	return r
}

// Update moves the cursor on movement keys; moved reports whether msg was
// one of them.
func (r resultsModel) Update(msg tea.KeyMsg, keys KeyMap) (_ resultsModel, moved bool) {
	r.cur, moved = r.cur.update(msg, keys)
	return r, moved
}

// Selected returns the row under the cursor.
func (r resultsModel) Selected() (Row, bool) {
	if len(r.res.Rows) == 0 {
		return Row{}, false
	}
	return r.res.Rows[r.cur.cursor], true
}

// The results' columns: the marks (" ▸ ✓ "), the name, the version and
// the description. A name of up to resultsNameFull cells is never cut
// while the terminal has resultsMinOuter columns for the results (the
// packages panel gives way first); the description is what gets cut.
const (
	resultsMarks    = 5
	resultsNameFull = 32
	// resultsMaxVersion caps the version column: some versions are long
	// ("0-unstable-2024-05-01"), the description matters more.
	resultsMaxVersion = 14
	// resultsUsualVersion is the width most versions fit ("14.3.0",
	// "0.3.172"), reserved when the layout is decided.
	resultsUsualVersion = 8
	// resultsMinDescription is the fewest description cells worth showing.
	resultsMinDescription = 12
)

// columns returns the widths of the name, version and description
// columns for the inner width w. They are measured over all the rows of
// the search, not the visible ones, so that they stay put while
// scrolling.
func (r resultsModel) columns(w int) (attrW, verW, descW int) {
	for _, row := range r.res.Rows {
		attrW = max(attrW, tuiWidth(rowName(row)))
		verW = max(verW, tuiWidth(row.Pkg.Version))
	}
	verW = min(verW, resultsMaxVersion)
	// The name takes what it needs, up to resultsNameFull in any case and
	// beyond it only while the description keeps its minimum; the version
	// comes next, and one blank cell on the right.
	room := w - resultsMarks - 1
	verRoom := 0
	if verW > 0 {
		verRoom = 2 + verW
	}
	attrW = min(attrW, max(min(resultsNameFull, room-verRoom), room-verRoom-2-resultsMinDescription))
	attrW = max(attrW, min(8, room))
	if attrW+verRoom > room {
		verW, verRoom = 0, 0 // too narrow: the name before the version
	}
	descW = room - attrW - verRoom - 2
	if descW < 4 {
		descW = 0
	}
	return attrW, verW, descW
}

// View renders exactly height lines of the inner width: the visible rows
// only, so its cost does not depend on the number of results or packages.
// empty is shown when there are no rows, and after it (a blank line
// between) detail, each line kept whole (wrapped at the width, dimmed) as
// far as the height allows: nix's whole error message.
func (r resultsModel) View(st Styles, installed map[string]bool, focused bool, empty string, detail []string) []string {
	w := r.width
	from, to := r.cur.visible()
	lines := make([]string, 0, r.cur.height)
	if from == to && r.cur.height > 0 {
		for _, l := range tuiWrap(empty, max(1, w-2), r.cur.height) {
			lines = append(lines, " "+tuiFit(l, w-1))
		}
		if len(detail) > 0 && len(lines)+1 < r.cur.height {
			lines = append(lines, strings.Repeat(" ", w))
			for _, d := range detail {
				for _, l := range tuiHardWrap(d, max(1, w-2)) {
					lines = append(lines, tuiPad(" "+st.Dim.Render(l), 1+tuiWidth(l), w))
				}
			}
		}
		return tuiLines(lines, r.cur.height, w)
	}
	attrW, verW, descW := r.columns(w)
	for i := from; i < to; i++ {
		row := r.res.Rows[i]
		sel := i == r.cur.cursor && focused
		// The selected row is a bar (a background) in colour; the cursor
		// mark and the bold name show it without.
		bar := func(s lipgloss.Style) lipgloss.Style {
			if sel {
				return st.SelectedBar.Inherit(s)
			}
			return s
		}
		match := st.Match
		if sel {
			match = match.Inherit(st.SelectedBar)
		}
		var b strings.Builder
		b.WriteString(bar(st.App).Render(" "))
		if sel {
			b.WriteString(bar(st.Cursor).Render(markCursor))
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(bar(st.App).Render(" "))
		if installed[rowInstalledName(installed, row)] {
			b.WriteString(bar(st.Installed).Render(markInstalled))
		} else {
			b.WriteString(bar(st.App).Render(" "))
		}
		b.WriteString(bar(st.App).Render(" "))
		attrStyle := st.App
		if sel {
			attrStyle = st.Selected
		}
		b.WriteString(resultsHighlight(rowName(row), row.Positions, attrW, bar(attrStyle), match))
		used := resultsMarks + attrW
		if verW > 0 {
			b.WriteString(bar(st.Version).Render("  " + tuiFit(tuiSanitize(row.Pkg.Version), verW)))
			used += 2 + verW
		}
		if descW > 0 {
			b.WriteString(bar(st.Description).Render("  " + tuiFit(tuiSanitize(row.Pkg.Description), descW)))
			used += 2 + descW
		}
		line := b.String()
		if used < w {
			line += bar(st.App).Render(strings.Repeat(" ", w-used))
		}
		lines = append(lines, line)
	}
	return tuiLines(lines, r.cur.height, w)
}

// WithTwins adds to each row's other names (Row.Also) the twins of its
// name (Backend.Twins), keeping the cursor.
func (r resultsModel) WithTwins(twins map[string][]string) resultsModel {
	if len(twins) == 0 {
		return r
	}
	rows := slices.Clone(r.res.Rows)
	for i := range rows {
		for _, t := range twins[rows[i].Pkg.Attr] {
			if t != rows[i].Pkg.Attr && !slices.Contains(rows[i].Also, t) {
				rows[i].Also = append(slices.Clip(rows[i].Also), t)
			}
		}
	}
	r.res.Rows = rows
	return r
}

// rowName is a row's name column: the name, and why it matched when not
// by name ("ripgrep · rg").
func rowName(row Row) string {
	if row.Why == "" {
		return row.Pkg.Attr
	}
	return row.Pkg.Attr + " · " + row.Why
}

// rowInstalledName is the name under which row's package is installed:
// its own, or one of its other names (Row.Also); its own when none is.
func rowInstalledName(installed map[string]bool, row Row) string {
	if !installed[row.Pkg.Attr] {
		for _, n := range row.Also {
			if installed[n] {
				return n
			}
		}
	}
	return row.Pkg.Attr
}

// resultsHighlight renders attr in exactly w cells, the characters at the
// byte offsets pos (ascending) in match style, the rest in base style; a
// cut attribute ends with an ellipsis.
func resultsHighlight(attr string, pos []int, w int, base, match lipgloss.Style) string {
	attr = tuiSanitize(attr)
	cut := tuiWidth(attr) > w
	room := w
	if cut {
		room = w - 1
	}
	var out, run strings.Builder
	runMatch := false
	flush := func() {
		if run.Len() == 0 {
			return
		}
		if runMatch {
			out.WriteString(match.Render(run.String()))
		} else {
			out.WriteString(base.Render(run.String()))
		}
		run.Reset()
	}
	used, p := 0, 0
	for i, r := range attr {
		rw := tuiRuneWidth(r)
		if used+rw > room {
			break
		}
		for p < len(pos) && pos[p] < i {
			p++
		}
		m := p < len(pos) && pos[p] == i
		if m != runMatch {
			flush()
			runMatch = m
		}
		run.WriteRune(r)
		used += rw
	}
	flush()
	if cut {
		out.WriteString(base.Render(ellipsis))
		used++
	}
	if used < w {
		out.WriteString(base.Render(strings.Repeat(" ", w-used)))
	}
	return out.String()
}
