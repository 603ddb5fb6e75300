package tomledit

import (
	"fmt"
	"slices"

	"github.com/devsh/devsh/devshell/internal/textfile"
)

// This file removes an element from a package list with its own comma and
// comment, and its line when it stood alone.

// removeOne returns the document without the first occurrence of name.
func (m *Manifest) removeOne(name string) ([]byte, error) {
	for _, a := range m.lists {
		for i, e := range a.elems {
			if e.isStr && e.value == name {
				return apply(m.data, a.removeRanges(m.data, i)), nil
			}
		}
	}
	return nil, fmt.Errorf("%s is not in a packages list", name)
}

// removeRanges returns the byte ranges deleting element i, its comma, its own
// trailing comment and its line when it stood alone; when the element was the
// last one without a comma, the previous element's comma goes too. A tidy
// range is tried first; if it would touch anything else, only the tokens
// themselves are deleted.
func (a *array) removeRanges(d []byte, i int) []insert {
	e := a.elems[i]
	k := e.tok
	last := len(a.elems) - 1
	comma := a.commaAfter(k)
	ownComment := -1
	tailEnd := e.end
	for j := k + 1; j < len(a.toks); j++ {
		t := a.toks[j]
		if t.kind == tokNL || t.kind == tokElem {
			break
		}
		tailEnd = t.end
		if t.kind == tokComment {
			ownComment = j
			break
		}
	}
	var p elem
	pComma := -1
	if i > 0 {
		p = a.elems[i-1]
		pComma = a.commaAfter(p.tok)
	}
	needPComma := comma < 0 && i == last && i > 0
	pCommaRange := func() insert {
		c := a.toks[pComma]
		if blank(d[p.end:c.start]) {
			return insert{at: p.end, to: c.end}
		}
		return insert{at: c.start, to: c.end}
	}

	if a.commaFirst(d) {
		for _, r := range a.commaFirstRemovals(d, i, tailEnd) {
			if a.validRemoval(d, r, k, ownComment) {
				return r
			}
		}
	}
	var tidy []insert
	q := skipBlank(d, tailEnd)
	qNL := q < a.close && (d[q] == '\n' || d[q] == '\r')
	qNext := i < last && q == a.elems[i+1].start
	if !a.multiline() {
		switch {
		case len(a.elems) == 1:
			tidy = []insert{{at: e.start, to: a.close}}
		case i < last:
			tidy = []insert{{at: e.start, to: a.elems[i+1].start}}
		default:
			tidy = []insert{{at: p.end, to: e.end}}
		}
	} else {
		ls := textfile.LineStart(d, e.start)
		wsBefore := ls > a.open && blank(d[ls:e.start])
		switch {
		case wsBefore && qNL:
			nlEnd := q + 1
			if d[q] == '\r' {
				nlEnd = q + 2
			}
			tidy = []insert{{at: ls, to: nlEnd}}
			if needPComma {
				tidy = append([]insert{pCommaRange()}, tidy...)
			}
		case qNext:
			tidy = []insert{{at: e.start, to: a.elems[i+1].start}}
		case i > 0 && p.end > ls && pComma >= 0:
			if comma >= 0 {
				tidy = []insert{{at: a.toks[pComma].end, to: tailEnd}}
			} else {
				tidy = []insert{{at: p.end, to: tailEnd}}
			}
		case a.open >= ls:
			tidy = []insert{{at: a.open + 1, to: tailEnd}}
		case wsBefore && q == a.close:
			switch {
			case i == 0:
				tidy = []insert{{at: e.start, to: a.close}}
			case comma >= 0:
				tidy = []insert{{at: a.toks[pComma].end, to: tailEnd}}
			default:
				tidy = []insert{{at: p.end, to: tailEnd}}
			}
		}
	}
	if tidy != nil && a.validRemoval(d, tidy, k, ownComment) {
		if tidier := a.dropBlankedLines(d, tidy); a.validRemoval(d, tidier, k, ownComment) {
			return tidier
		}
		return tidy
	}
	// Fallback: delete exactly the tokens, leaving the whitespace around.
	minimal := []insert{{at: e.start, to: e.end}}
	if comma >= 0 {
		minimal = append(minimal, insert{at: a.toks[comma].start, to: a.toks[comma].end})
	}
	if ownComment >= 0 {
		minimal = append(minimal, insert{at: a.toks[ownComment].start, to: a.toks[ownComment].end})
	}
	if needPComma {
		minimal = append(minimal, pCommaRange())
	}
	if tidier := a.dropBlankedLines(d, minimal); a.validRemoval(d, tidier, k, ownComment) {
		return tidier
	}
	return minimal
}

// dropBlankedLines extends ranges to whole lines (inside the array) that the
// deletions leave holding only whitespace.
func (a *array) dropBlankedLines(d []byte, ranges []insert) []insert {
	deleted := func(x int) bool {
		for _, r := range ranges {
			if x >= r.at && x < r.to {
				return true
			}
		}
		return false
	}
	out := slices.Clone(ranges)
	done := map[int]bool{}
	for _, r := range ranges {
		ls := textfile.LineStart(d, r.at)
		if ls <= a.open || done[ls] {
			continue
		}
		done[ls] = true
		end := ls
		for end < a.close && d[end] != '\n' {
			end++
		}
		if end >= a.close {
			continue // the closing bracket is on this line
		}
		blankAfter, hadContent := true, false
		for x := ls; x < end; x++ {
			c := d[x]
			if c == '\r' && x+1 == end {
				continue
			}
			if c != ' ' && c != '\t' {
				hadContent = true
				if !deleted(x) {
					blankAfter = false
				}
			}
		}
		if hadContent && blankAfter {
			out = append(out, insert{at: ls, to: end + 1})
		}
	}
	// Merge overlapping ranges.
	slices.SortFunc(out, func(x, y insert) int { return x.at - y.at })
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && r.at <= merged[n-1].to {
			merged[n-1].to = max(merged[n-1].to, r.to)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// validRemoval reports whether deleting ranges removes element token k (and
// at most its own comment ownComment, commas, whitespace and newlines) and
// leaves a well-formed array interior.
func (a *array) validRemoval(d []byte, ranges []insert, k, ownComment int) bool {
	slices.SortFunc(ranges, func(x, y insert) int { return x.at - y.at })
	for i, r := range ranges {
		if r.at <= a.open || r.to > a.close || r.at > r.to || (i > 0 && ranges[i-1].to > r.at) {
			return false
		}
	}
	inRange := func(start, end int) (full, partial bool) {
		for _, r := range ranges {
			if start >= r.at && end <= r.to {
				return true, false
			}
			if start < r.to && end > r.at {
				return false, true
			}
		}
		return false, false
	}
	// covered marks the bytes of deleted tokens, over the span the ranges
	// cover (not the whole document: a batch of removals calls this per
	// element of a long list).
	var lo, hi int
	if len(ranges) > 0 {
		lo, hi = ranges[0].at, ranges[len(ranges)-1].to
	}
	covered := make([]bool, max(hi-lo, 0))
	// The kept tokens must still read (elem (comma elem)*)? comma?, and
	// every kept comment must still end its line: checked as they come.
	prev := tokComma // as if after '['
	first := true
	openComment := false
	for j, t := range a.toks {
		full, partial := inRange(t.start, t.end)
		if partial {
			return false
		}
		if !full {
			if openComment && t.kind != tokNL {
				return false
			}
			openComment = false
			switch t.kind {
			case tokElem:
				if !first && prev == tokElem {
					return false
				}
				prev, first = tokElem, false
			case tokComma:
				if first || prev == tokComma {
					return false
				}
				prev = tokComma
			case tokComment:
				openComment = true
			}
			continue
		}
		switch t.kind {
		case tokElem:
			if j != k {
				return false
			}
		case tokComment:
			if j != ownComment {
				return false
			}
		}
		for x := t.start; x < t.end; x++ {
			covered[x-lo] = true
		}
	}
	if openComment {
		return false
	}
	if full, _ := inRange(a.toks[k].start, a.toks[k].end); !full {
		return false
	}
	for _, r := range ranges {
		for x := r.at; x < r.to; x++ {
			if !covered[x-lo] && d[x] != ' ' && d[x] != '\t' {
				return false
			}
		}
	}
	return true
}
