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

// resultsMaxVersion caps the version column: some versions are long
// ("0-unstable-2024-05-01"), the description matters more.
const resultsMaxVersion = 14

// View renders exactly height lines of the inner width: the visible rows
// only, so its cost does not depend on the number of results or packages.
// empty is shown when there are no rows.
func (r resultsModel) View(st Styles, installed map[string]bool, focused bool, empty string) []string {
	w := r.width
	from, to := r.cur.visible()
	lines := make([]string, 0, r.cur.height)
	if from == to && r.cur.height > 0 {
		for _, l := range tuiWrap(empty, max(1, w-2), r.cur.height) {
			lines = append(lines, " "+tuiFit(l, w-1))
		}
		return tuiLines(lines, r.cur.height, w)
	}
	// Column widths from the visible rows only.
	attrW, verW := 0, 0
	for _, row := range r.res.Rows[from:to] {
		attrW = max(attrW, tuiWidth(row.Pkg.Attr))
		verW = max(verW, tuiWidth(row.Pkg.Version))
	}
	const marks = 5 // " ▸ ✓ "
	attrW = min(attrW, max(8, (w-marks)*45/100))
	verW = min(verW, resultsMaxVersion)
	// One blank cell on the right, like the one on the left.
	descW := w - marks - attrW - 2 - verW - 2 - 1
	if descW < 4 {
		verW, descW = 0, max(0, w-marks-attrW-2-1)
	}
	for i := from; i < to; i++ {
		row := r.res.Rows[i]
		sel := i == r.cur.cursor
		var b strings.Builder
		b.WriteByte(' ')
		if sel && focused {
			b.WriteString(st.Cursor.Render(markCursor))
		} else {
			b.WriteByte(' ')
		}
		b.WriteByte(' ')
		if installed[row.Pkg.Attr] {
			b.WriteString(st.Installed.Render(markInstalled))
		} else {
			b.WriteByte(' ')
		}
		b.WriteByte(' ')
		attrStyle := st.App
		if sel && focused {
			attrStyle = st.Selected
		}
		b.WriteString(resultsHighlight(row.Pkg.Attr, row.Positions, attrW, attrStyle, st.Match))
		used := marks + attrW
		if verW > 0 {
			b.WriteString("  ")
			b.WriteString(st.Version.Render(tuiFit(tuiSanitize(row.Pkg.Version), verW)))
			used += 2 + verW
		}
		if descW > 0 {
			b.WriteString("  ")
			b.WriteString(st.Description.Render(tuiFit(tuiSanitize(row.Pkg.Description), descW)))
			used += 2 + descW
		}
		line := b.String()
		if used < w {
			line += strings.Repeat(" ", w-used)
		}
		lines = append(lines, line)
	}
	return tuiLines(lines, r.cur.height, w)
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
		out.WriteString(strings.Repeat(" ", w-used))
	}
	return out.String()
}
