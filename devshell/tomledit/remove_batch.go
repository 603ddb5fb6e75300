package tomledit

import (
	"slices"

	"github.com/pelletier/go-toml/v2/unstable"
)

// The batched remove: removing names one at a time parses the document
// again after each (go-toml's parser and the duplicate-key check), so
// `devsh remove` of 10,000 names parsed a shrinking file 10,000 times.
// removeBatch makes the same removals, in the same order, with the same
// ranges (removeRanges), but after each one re-reads only the edited array
// with relexArray, a scanner for arrays of plain strings, and shifts the
// lists after it; the result is parsed once at the end. An array it cannot
// scan (a value that is not a plain string, an escape), or a result whose
// list is not the old one without the removed names, sends Remove back to
// the name-by-name path.

// removeBatchMin is the fewest names worth the batched remove; below it
// the name-by-name path (the one the golden and fuzz tests pin) is fast.
// The batch is tested against it (TestRemoveBatchMatchesSequential).
const removeBatchMin = 16

// removeBatch removes names like Remove. ok is false when it cannot vouch
// for the result; the caller then removes name by name.
func removeBatch(path string, data []byte, names []string) (_ []byte, _ []Result, ok bool, _ error) {
	m, err := batchParse(path, data, names)
	if err != nil {
		return nil, nil, false, err
	}
	if m.ShapeError(path) != nil {
		return nil, nil, false, nil // its position is the name-by-name path's to report
	}
	lists := make([]*array, len(m.lists))
	for k, l := range m.lists {
		// The scanner must read the file's arrays as the parser did.
		if lists[k], ok = relexArray(m.data, l); !ok || !sameArray(lists[k], l) {
			return nil, nil, false, nil
		}
	}
	count := map[string]int{}
	for _, e := range m.Packages() {
		count[e.Attr]++
	}
	d := m.data
	results := make([]Result, len(names))
	removed := map[string]bool{}
	for i, name := range names {
		if count[name] == 0 {
			if slices.Contains(m.commands, name) {
				results[i] = Result{Name: name, Status: OnlyInCommand}
			} else {
				results[i] = Result{Name: name, Status: NotPresent}
			}
			continue
		}
		for count[name] > 0 {
			k, j := firstElem(lists, name)
			if k < 0 {
				return nil, nil, false, nil
			}
			a := lists[k]
			ranges := a.removeRanges(d, j)
			next := apply(d, ranges)
			delta := len(next) - len(d)
			old := a.close
			if !a.patch(next, ranges, delta) {
				return nil, nil, false, nil
			}
			for _, l := range lists[k+1:] {
				if l.open > old {
					l.shift(delta)
				}
			}
			d = next
			count[name]--
		}
		results[i] = Result{Name: name, Status: Removed}
		removed[name] = true
	}

	final, err := Parse(path, d)
	if err != nil {
		return nil, nil, false, nil
	}
	want := slices.DeleteFunc(m.Packages(), func(e Entry) bool { return removed[e.Attr] })
	if !slices.Equal(final.Packages(), want) {
		return nil, nil, false, nil
	}
	return editResult(data, final), results, true, nil
}

// firstElem returns the list and element index of name's first
// occurrence, as removeOne finds it, or -1.
func firstElem(lists []*array, name string) (int, int) {
	for k, a := range lists {
		for j, e := range a.elems {
			if e.isStr && e.value == name {
				return k, j
			}
		}
	}
	return -1, -1
}

// shift moves every offset of a by delta.
func (a *array) shift(delta int) {
	a.open += delta
	a.close += delta
	for i := range a.elems {
		a.elems[i].start += delta
		a.elems[i].end += delta
	}
	for i := range a.toks {
		a.toks[i].start += delta
		a.toks[i].end += delta
	}
}

// relexArray reads the array whose '[' is at a.open in d again, as
// readArray would from a parse, when every value in it is a plain string:
// a basic string without escapes or a literal string on one line. ok is
// false for anything else (the caller then parses).
func relexArray(d []byte, a *array) (_ *array, ok bool) {
	if a.open >= len(d) || d[a.open] != '[' {
		return nil, false
	}
	out := &array{table: a.table, open: a.open, keyIndent: a.keyIndent}
	close, ok := lexPlain(d, a.open+1, len(d), true, out)
	if !ok {
		return nil, false
	}
	out.close = close
	return out, true
}

// patch updates a, read from the document before ranges were deleted, to
// the document d after (delta bytes longer, so negative): the tokens
// before the first range and after the last stay (those after shifted),
// and only the bytes between are read again. ranges touch whole tokens
// (validRemoval), so the kept bytes between them are whole tokens too.
func (a *array) patch(d []byte, ranges []insert, delta int) bool {
	if len(ranges) == 0 {
		return false
	}
	slices.SortFunc(ranges, func(x, y insert) int { return x.at - y.at })
	lo, hi := ranges[0].at, ranges[len(ranges)-1].to
	s := 0
	for s < len(a.toks) && a.toks[s].end <= lo {
		s++
	}
	e := s
	for e < len(a.toks) && a.toks[e].start < hi {
		e++
	}
	es := 0 // first element at or after token s
	for es < len(a.elems) && a.elems[es].tok < s {
		es++
	}
	ee := es // first element at or after token e
	for ee < len(a.elems) && a.elems[ee].tok < e {
		ee++
	}
	mid := &array{}
	if _, ok := lexPlain(d, lo, hi+delta, false, mid); !ok {
		return false
	}
	for k := range mid.elems {
		mid.elems[k].tok += s
	}
	tail := a.toks[e:]
	for k := range tail {
		tail[k].start += delta
		tail[k].end += delta
	}
	shiftTok := len(mid.toks) - (e - s)
	elemTail := a.elems[ee:]
	for k := range elemTail {
		elemTail[k].start += delta
		elemTail[k].end += delta
		elemTail[k].tok += shiftTok
	}
	a.toks = slices.Replace(a.toks, s, e, mid.toks...)
	a.elems = slices.Replace(a.elems, es, ee, mid.elems...)
	a.close += delta
	return a.close < len(d) && d[a.close] == ']'
}

// lexPlain reads the array interior d[from:to] into a's tokens and
// elements: trivia and plain strings (plainStringEnd). With toClose it
// stops at the closing bracket and returns its offset; else the whole span
// must be read. ok is false on anything else.
func lexPlain(d []byte, from, to int, toClose bool, a *array) (int, bool) {
	pos := from
	for pos < to {
		switch c := d[pos]; {
		case c == ' ' || c == '\t':
			pos++
		case c == '\n':
			a.toks = append(a.toks, tok{tokNL, pos, pos + 1})
			pos++
		case c == '\r' && pos+1 < len(d) && d[pos+1] == '\n':
			a.toks = append(a.toks, tok{tokNL, pos, pos + 2})
			pos += 2
		case c == ',':
			a.toks = append(a.toks, tok{tokComma, pos, pos + 1})
			pos++
		case c == '#':
			end := commentEnd(d, pos)
			a.toks = append(a.toks, tok{tokComment, pos, end})
			pos = end
		case c == ']' && toClose:
			return pos, true
		case c == '"' || c == '\'':
			end, ok := plainStringEnd(d, pos)
			if !ok {
				return 0, false
			}
			a.elems = append(a.elems, elem{start: pos, end: end, isStr: true, kind: unstable.String, value: string(d[pos+1 : end-1]), literal: c == '\'', tok: len(a.toks)})
			a.toks = append(a.toks, tok{tokElem, pos, end})
			pos = end
		default:
			return 0, false
		}
	}
	return pos, !toClose && pos == to
}

// plainStringEnd returns the end of the one-line string opening at d[pos]
// when its value is its bytes as written: no escape, no control character,
// not a multi-line string.
func plainStringEnd(d []byte, pos int) (int, bool) {
	q := d[pos]
	if pos+2 < len(d) && d[pos+1] == q && d[pos+2] == q {
		return 0, false // ''' or """
	}
	for i := pos + 1; i < len(d); i++ {
		switch c := d[i]; {
		case c == q:
			return i + 1, true
		case c == '\\' && q == '"', c < 0x20 && c != '\t', c == 0x7f:
			return 0, false
		}
	}
	return 0, false
}

// sameArray reports whether a and b record the same array.
func sameArray(a, b *array) bool {
	return a.table == b.table && a.open == b.open && a.close == b.close && a.keyIndent == b.keyIndent &&
		slices.Equal(a.elems, b.elems) && slices.Equal(a.toks, b.toks)
}
