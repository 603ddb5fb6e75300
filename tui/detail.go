package tui

import (
	"strings"
	"time"
)

// detailHeight is the number of lines of the detail area: two for the
// attribute, version and description, one for the fetched metadata.
const detailHeight = 3

// metaDelay is how long the selection must rest before its metadata is
// fetched: scrolling through the list must not start one nix evaluation
// per row.
const metaDelay = 150 * time.Millisecond

// metaEntry is a cached Meta answer.
type metaEntry struct {
	meta Meta
	err  error
}

// selection is what the detail area shows: a result row, or a package of
// the panel (whose version and description are unknown).
type selection struct {
	attr        string
	version     string
	description string
	installed   bool
	fromCommand bool
}

// detailModel is the detail area with its metadata cache. At most one
// Meta call runs at a time; the wanted attribute is fetched once the
// running call ends.
type detailModel struct {
	cache    map[string]metaEntry
	want     string // attribute under the cursor
	seq      int    // numbers selection changes, for the metaDelay timer
	inflight string // attribute being fetched, "" when none
	disabled bool   // no metadata source (nix missing)
}

// newDetailModel returns a detail area with an empty cache.
func newDetailModel() detailModel {
	return detailModel{cache: make(map[string]metaEntry)}
}

// Select records the selection; fetch is true when its metadata should be
// fetched after metaDelay.
func (d detailModel) Select(attr string) (detailModel, bool) {
	if attr == d.want {
		return d, false
	}
	d.want = attr
	d.seq++
	if attr == "" || d.disabled {
		return d, false
	}
	_, cached := d.cache[attr]
	return d, !cached
}

// Start reports which attribute to fetch now, if any, and marks it in
// flight.
func (d detailModel) Start() (detailModel, string) {
	if d.disabled || d.inflight != "" || d.want == "" {
		return d, ""
	}
	if _, cached := d.cache[d.want]; cached {
		return d, ""
	}
	d.inflight = d.want
	return d, d.want
}

// Done stores an answer.
func (d detailModel) Done(msg metaMsg) detailModel {
	d.cache[msg.attr] = metaEntry{meta: msg.meta, err: msg.err}
	if d.inflight == msg.attr {
		d.inflight = ""
	}
	return d
}

// View renders n lines (1 or detailHeight) of width w for sel: the
// attribute, version and description (two lines, or one cut short when
// n is 1), then the fetched metadata.
func (d detailModel) View(st Styles, sel selection, w, n int) []string {
	if sel.attr == "" {
		return tuiLines(nil, n, w)
	}
	attr := tuiSanitize(sel.attr)
	head := attr
	if sel.version != "" {
		head += " " + tuiSanitize(sel.version)
	}
	var parts []string
	switch {
	case sel.fromCommand:
		parts = append(parts, "provided by a [[commands]] entry")
	case sel.installed:
		parts = append(parts, markInstalled+" in devshell.toml")
	}
	if !sel.fromCommand {
		if desc := strings.TrimSpace(tuiSanitize(sel.description)); desc != "" {
			parts = append(parts, desc)
		}
	}
	text := head
	if len(parts) > 0 {
		text += " · " + strings.Join(parts, " · ")
	}
	inner := w - 1
	textLines := min(2, n)
	if n < detailHeight {
		textLines = n
	}
	wrapped := tuiWrap(text, inner, textLines)
	lines := make([]string, 0, n)
	for i, l := range wrapped {
		if i == 0 && strings.HasPrefix(l, head) {
			rest := l[len(head):]
			lines = append(lines, tuiPad(" "+st.DetailAttr.Render(head)+st.Dim.Render(rest), 1+tuiWidth(l), w))
			continue
		}
		lines = append(lines, tuiPad(" "+st.Dim.Render(l), 1+tuiWidth(l), w))
	}
	lines = tuiLines(lines, textLines, w)
	if n < detailHeight {
		return lines
	}
	meta := tuiTruncate(d.metaLine(sel.attr), inner)
	lines = append(lines, tuiPad(" "+st.Meta.Render(meta), 1+tuiWidth(meta), w))
	return lines
}

// metaLine is the third detail line: warnings (unfree, broken, insecure,
// not available here), homepage, licence and main program.
func (d detailModel) metaLine(attr string) string {
	if d.disabled {
		return ""
	}
	e, ok := d.cache[attr]
	switch {
	case !ok:
		return "loading details…"
	case e.err != nil:
		return "details unavailable: " + tuiSanitize(e.err.Error())
	}
	var parts []string
	for _, w := range []struct {
		on   bool
		text string
	}{
		{e.meta.Unavailable, "not available on this system"},
		{e.meta.Broken, "broken"},
		{e.meta.Insecure, "insecure"},
		{e.meta.Unfree, "unfree"},
	} {
		if w.on {
			parts = append(parts, w.text)
		}
	}
	if h := detailHomepage(e.meta.Homepage); h != "" {
		parts = append(parts, "homepage "+h)
	}
	if e.meta.License != "" {
		parts = append(parts, tuiSanitize(e.meta.License))
	}
	if e.meta.MainProgram != "" {
		parts = append(parts, "main program "+tuiSanitize(e.meta.MainProgram))
	}
	if len(parts) == 0 {
		return "no homepage, licence or main program"
	}
	return strings.Join(parts, " · ")
}

// detailHomepage shortens a homepage URL for display.
func detailHomepage(u string) string {
	u = tuiSanitize(u)
	u = strings.TrimPrefix(u, "https://")
	u = strings.TrimPrefix(u, "http://")
	return strings.TrimSuffix(u, "/")
}
