package tomledit

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/devsh/devsh/devshell/internal/textfile"
)

// This file splices a new element into a package list, or creates the list,
// in the style of the file.

// add returns the document with name appended to the list the file uses.
func (m *Manifest) add(path, name string) ([]byte, error) {
	var target *array
	for _, l := range m.lists {
		if l.table == "devshell" {
			target = l
		}
	}
	// Packages keys that are not lists were refused before (ShapeError).
	if target == nil {
		for _, l := range m.lists {
			if l.table == "" {
				target = l
			}
		}
	}
	if target != nil {
		return apply(m.data, m.addToArray(target, name)), nil
	}
	if c, ok := m.conflicts[conflictDevshell]; ok {
		return nil, m.conflictErr(path, name, c)
	}
	return apply(m.data, m.createList(name)), nil
}

// conflictErr reports a conflict as "path:line:col: cannot add name: message".
func (m *Manifest) conflictErr(path, name string, c conflict) error {
	line, col := position(m.data, c.offset)
	return fmt.Errorf("%s:%d:%d: cannot add %s: %s", path, line, col, name, c.msg)
}

// insert is one splice: insert text at offset at (or replace [at, to)).
type insert struct {
	at, to int
	text   string
}

// apply splices the inserts (sorted by offset, non-overlapping) into data.
func apply(data []byte, ins []insert) []byte {
	slices.SortStableFunc(ins, func(a, b insert) int { return a.at - b.at })
	var out bytes.Buffer
	pos := 0
	for _, in := range ins {
		to := max(in.to, in.at)
		out.Write(data[pos:in.at])
		out.WriteString(in.text)
		pos = to
	}
	out.Write(data[pos:])
	return out.Bytes()
}

// createList adds a new packages list holding name to [devshell].
func (m *Manifest) createList(name string) []insert {
	kv := "packages = [" + quote(name, false) + "]"
	d := m.data
	line := func(ip *insertPoint, text string) []insert {
		if ip.at == len(d) && len(d) > 0 && d[len(d)-1] != '\n' {
			return []insert{{at: ip.at, text: m.eol + ip.indent + text}}
		}
		return []insert{{at: ip.at, text: ip.indent + text + m.eol}}
	}
	switch {
	case m.dsHeader != nil:
		return line(m.dsHeader, kv)
	case m.dsInline != nil:
		in := m.dsInline
		if in.lastKVEnd >= 0 {
			return []insert{{at: in.lastKVEnd, text: ", " + kv}}
		}
		if blank(d[in.open+1 : in.close]) {
			return []insert{{at: in.open + 1, to: in.close, text: " " + kv + " "}}
		}
		return []insert{{at: in.close, text: kv + " "}}
	case m.dsDotted != nil:
		return line(m.dsDotted, "devshell."+kv)
	}
	block := "[devshell]" + m.eol + kv
	switch {
	case len(d) == 0:
		return []insert{{at: 0, text: block + m.eol}}
	case d[len(d)-1] != '\n':
		return []insert{{at: len(d), text: m.eol + m.eol + block}}
	}
	last := d[textfile.LineStart(d, len(d)-1) : len(d)-1]
	if blank(bytes.TrimSuffix(last, []byte{'\r'})) {
		return []insert{{at: len(d), text: block + m.eol}}
	}
	return []insert{{at: len(d), text: m.eol + block + m.eol}}
}

// addToArray returns the splices appending name to a, following its style.
func (m *Manifest) addToArray(a *array, name string) []insert {
	d := m.data
	literal := false
	for _, e := range a.elems {
		if e.isStr {
			literal = e.literal
		}
	}
	q := quote(name, literal)
	multiline := a.multiline()
	n := len(a.elems)
	if n == 0 {
		if !multiline {
			// `[]` -> `["c"]`, `[ ]` -> `[ "c" ]`.
			return []insert{{at: a.close, text: q + string(d[a.open+1:a.close])}}
		}
		indent := a.keyIndent + "  "
		for _, t := range a.toks {
			if t.kind == tokComment && blank(d[textfile.LineStart(d, t.start):t.start]) {
				indent = string(d[textfile.LineStart(d, t.start):t.start])
			}
		}
		return []insert{{at: textfile.LineStart(d, a.close), text: indent + q + m.eol}}
	}
	last := a.elems[n-1]
	if !multiline {
		sep := ", "
		if n >= 2 {
			gap := d[a.elems[n-2].end:last.start]
			if bytes.Count(gap, []byte{','}) == 1 && blank(bytes.Replace(gap, []byte{','}, nil, 1)) {
				sep = string(gap)
			}
		}
		return []insert{{at: last.end, text: sep + q}}
	}
	if a.commaFirst(d) {
		return a.addCommaFirst(d, q, m.eol)
	}
	indent := a.elemIndent(d, n-1)
	comma := a.commaAfter(last.tok)
	anchor := last.end
	if comma >= 0 {
		anchor = a.toks[comma].end
	}
	// What follows the anchor on its line: a newline, or the closing bracket.
	r := skipBlank(d, anchor)
	if r < a.close && d[r] == '#' {
		r = commentEnd(d, r)
		r = skipBlank(d, r)
	}
	if r < a.close {
		nlEnd := r + 1
		if d[r] == '\r' {
			nlEnd = r + 2
		}
		if comma >= 0 {
			return []insert{{at: nlEnd, text: indent + q + "," + m.eol}}
		}
		return []insert{
			{at: last.end, text: ","},
			{at: nlEnd, text: indent + q + m.eol},
		}
	}
	if comma >= 0 {
		return []insert{{at: anchor, text: m.eol + indent + q + ","}}
	}
	return []insert{{at: last.end, text: "," + m.eol + indent + q}}
}

// commaFirst reports whether a is written comma-first: on several lines,
// at least two elements, each element after the first preceded on its own
// line by its comma (nothing but blanks before the comma), and no comma after
// the last element:
//
//	packages = [ "a"
//	           , "b"
//	           ]
func (a *array) commaFirst(d []byte) bool {
	if len(a.elems) < 2 || !a.multiline() || a.commaAfter(a.elems[len(a.elems)-1].tok) >= 0 {
		return false
	}
	for _, e := range a.elems[1:] {
		c := e.tok - 1
		if c < 0 || a.toks[c].kind != tokComma {
			return false
		}
		if c == 0 || a.toks[c-1].kind != tokNL {
			return false // the comma does not start its line
		}
		if !blank(d[textfile.LineStart(d, a.toks[c].start):a.toks[c].start]) {
			return false
		}
	}
	return true
}

// addCommaFirst returns the splice appending q to the comma-first array a:
// a new line after the last element's, starting like that line (its
// indentation and comma), e.g. `           , "d"`.
func (a *array) addCommaFirst(d []byte, q, eol string) []insert {
	last := a.elems[len(a.elems)-1]
	prefix := string(d[textfile.LineStart(d, last.start):last.start])
	r := skipBlank(d, last.end)
	if r < a.close && d[r] == '#' {
		r = skipBlank(d, commentEnd(d, r))
	}
	if r < a.close && (d[r] == '\n' || d[r] == '\r') {
		nlEnd := r + 1
		if d[r] == '\r' {
			nlEnd = r + 2
		}
		return []insert{{at: nlEnd, text: prefix + q + eol}}
	}
	// The closing bracket follows the last element on its line.
	return []insert{{at: last.end, text: eol + prefix + q}}
}

// commaFirstRemovals returns the candidate deletions of element i of the
// comma-first array a, tidiest first: an element after the first goes with
// its leading comma and, when it stood alone, its line; the first element
// goes with the next element's leading comma.
func (a *array) commaFirstRemovals(d []byte, i, tailEnd int) [][]insert {
	e := a.elems[i]
	if i == 0 {
		next := a.elems[1]
		lead := a.toks[next.tok-1]
		return [][]insert{
			{{at: e.start, to: next.start}},
			{{at: e.start, to: tailEnd}, {at: lead.start, to: next.start}},
		}
	}
	lead := a.toks[e.tok-1]
	ls := textfile.LineStart(d, lead.start)
	q := skipBlank(d, tailEnd)
	var out [][]insert
	switch {
	case q < a.close && d[q] == '\n':
		out = append(out, []insert{{at: ls, to: q + 1}})
	case q+1 < a.close && d[q] == '\r' && d[q+1] == '\n':
		out = append(out, []insert{{at: ls, to: q + 2}})
	default: // the closing bracket is on this line: join it to the previous line
		prevEOL := ls - 1
		if prevEOL > a.open && d[prevEOL-1] == '\r' {
			prevEOL--
		}
		if prevEOL > a.open {
			out = append(out, []insert{{at: prevEOL, to: tailEnd}})
		}
	}
	if q == a.close {
		// The bracket keeps the line, where the comma stood: `           ]`.
		out = append(out, []insert{{at: lead.start, to: q}})
	}
	return append(out, []insert{{at: lead.start, to: tailEnd}})
}

// elemIndent returns the indentation for a new line holding an element like
// element i: its line's leading whitespace, or, when it sits on the line of
// the opening bracket, whitespace reaching the first element on that line.
func (a *array) elemIndent(d []byte, i int) string {
	ls := textfile.LineStart(d, a.elems[i].start)
	if a.open < ls {
		return leadingBlank(d, ls)
	}
	for _, e := range a.elems {
		if e.start > a.open {
			return indentLike(d[ls:e.start])
		}
	}
	return leadingBlank(d, ls)
}

// multiline reports whether the array spans lines between its tokens.
func (a *array) multiline() bool {
	return slices.ContainsFunc(a.toks, func(t tok) bool { return t.kind == tokNL })
}

// commaAfter returns the index of the comma token following the element
// token k (before the next element), or -1.
func (a *array) commaAfter(k int) int {
	for j := k + 1; j < len(a.toks); j++ {
		switch a.toks[j].kind {
		case tokComma:
			return j
		case tokElem:
			return -1
		}
	}
	return -1
}
