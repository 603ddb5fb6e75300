package tui

import (
	"errors"
	"strings"
)

// headerView renders the top line: project directory, nixpkgs source and
// the index state. When the line is too long, the directory and source are
// cut first, since the index state matters more (see headerWhere).
func headerView(st Styles, p ProjectInfo, ix indexModel, w int) string {
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
	where := ""
	if tuiWidth(tail) >= room {
		// No room for the directory: the state alone, cut if need be.
		tail = tuiTruncate(strings.TrimPrefix(tail, " · "), max(0, room))
		stale = stale && strings.HasSuffix(tail, markStale)
	} else {
		where = headerWhere(tuiSanitize(p.Dir), tuiSanitize(p.Source), room-tuiWidth(tail))
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

// headerWhere is "dir · source" in at most w cells. What gives way, in
// order: the directory's leading path elements ("…/flynix"); then those of
// a path in the source, whose end and origin tell it ("nixpkgs
// …/fixture/nixpkgs (--nixpkgs)"); then the source's last " · " parts (the
// date); then the directory, wholly; last the source is cut at its end.
// Room a later cut leaves goes back to the source, then to the directory.
func headerWhere(dir, source string, w int) string {
	fits := func(d, s string) bool { return tuiWidth(headerJoin(d, s)) <= w }
	dirs := append([]string{dir}, headerPathCuts(dir)...)
	sources := append([]string{source}, headerPathCuts(source)...)
	for short := sources[len(sources)-1]; ; {
		i := strings.LastIndex(short, " · ")
		if i < 0 {
			break
		}
		short = short[:i]
		sources = append(sources, short)
	}
	shortest := dirs[len(dirs)-1]
	// The first fit, in the order things give way.
	d, src, ok := "", "", false
	for _, c := range dirs {
		if fits(c, source) {
			d, src, ok = c, source, true
			break
		}
	}
	for _, c := range sources[1:] {
		if !ok && fits(shortest, c) {
			d, src, ok = shortest, c, true
		}
	}
	for _, c := range sources {
		if !ok && fits("", c) {
			src, ok = c, true
		}
	}
	if !ok {
		if source == "" {
			return tuiTruncate(shortest, w)
		}
		return tuiTruncate(sources[len(sources)-1], w)
	}
	// Give back what still fits: the longest source, then the longest
	// directory.
	if d != "" {
		for _, c := range sources {
			if fits(d, c) {
				src = c
				break
			}
		}
		for _, c := range dirs {
			if fits(c, src) {
				d = c
				break
			}
		}
	}
	return headerJoin(d, src)
}

// headerJoin is "dir · source", either of which may be empty.
func headerJoin(dir, source string) string {
	switch {
	case dir == "":
		return source
	case source == "":
		return dir
	}
	return dir + " · " + source
}

// headerPathCuts returns s with ever more of the leading elements of the
// path in it replaced by "…", each shorter than the one before, down to
// the last element: "nixpkgs /srv/a/nixpkgs (--nixpkgs)" gives "nixpkgs
// …/a/nixpkgs (--nixpkgs)" and "nixpkgs …/nixpkgs (--nixpkgs)". The path
// is the first word starting with "/", "~/" or "./" (s itself, for a
// directory, even with spaces in it); nil when there is none.
func headerPathCuts(s string) []string {
	start := -1
	for i := 0; i < len(s) && start < 0; i++ {
		if i > 0 && s[i-1] != ' ' {
			continue
		}
		for _, lead := range []string{"/", "~/", "./"} {
			if strings.HasPrefix(s[i:], lead) {
				start = i
				break
			}
		}
	}
	if start < 0 {
		return nil
	}
	var cuts []string
	last := tuiWidth(s)
	for i := start; i < len(s); i++ {
		if s[i] != '/' {
			continue
		}
		c := s[:start] + ellipsis + s[i:]
		if cw := tuiWidth(c); cw < last {
			cuts = append(cuts, c)
			last = cw
		}
	}
	return cuts
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
