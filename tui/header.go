package tui

import (
	"errors"
	"strings"
)

// headerView renders the top line: project directory, nixpkgs source and
// the index state. When the line is too long, the directory and source are
// cut first: the index state matters more.
func headerView(st Styles, p ProjectInfo, ix indexModel, w int) string {
	var parts []string
	if p.Dir != "" {
		parts = append(parts, tuiSanitize(p.Dir))
	}
	if p.Source != "" {
		parts = append(parts, tuiSanitize(p.Source))
	}
	where := strings.Join(parts, " · ")
	state, stale := ix.headerState()
	tail := ""
	if state != "" {
		tail = " · " + state
	}
	if stale {
		tail += " · " + markStale
	}
	const brand = " devsh  "
	room := w - len(brand)
	if tuiWidth(tail) >= room {
		// No room for the directory: the state alone, cut if need be.
		where = ""
		tail = tuiTruncate(strings.TrimPrefix(tail, " · "), max(0, room))
		stale = stale && strings.HasSuffix(tail, markStale)
	} else {
		where = tuiTruncate(where, room-tuiWidth(tail))
	}
	line := st.Title.Render(strings.TrimRight(brand, " ")) + "  " + st.Dim.Render(where)
	used := len(brand) + tuiWidth(where) + tuiWidth(tail)
	if stale && tail != "" {
		line += st.Dim.Render(strings.TrimSuffix(tail, markStale)) + st.Stale.Render(markStale)
	} else {
		line += st.Dim.Render(tail)
	}
	return tuiPad(line, used, w)
}

// headerState describes the index for the header; stale is true when the
// shown index is for another nixpkgs.
func (ix indexModel) headerState() (state string, stale bool) {
	switch {
	case !ix.opened && ix.err == nil:
		return "opening index…", false
	case errors.Is(ix.err, ErrNixMissing) && !ix.searchable():
		return "nix not found", false
	case ix.searchable():
		return tuiThousands(ix.info.Count) + " packages", ix.info.Stale
	case ix.building:
		return "building index…", false
	default:
		return "no index", false
	}
}
