package tomledit

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/pelletier/go-toml/v2/unstable"
)

// This file walks go-toml's unstable AST of the document and records where
// the package lists, tables and conflicting keys are, by byte offset.

// walker visits the top-level expressions in order, tracking the current
// table header.
type walker struct {
	m          *Manifest
	p          *unstable.Parser
	section    []string
	arrayTable bool
	inDevshell bool // in the [devshell] section itself
}

// keyParts returns the decoded parts of a key and its first and last
// key nodes.
func keyParts(n *unstable.Node) (parts []string, first, last *unstable.Node) {
	it := n.Key()
	for it.Next() {
		k := it.Node()
		if first == nil {
			first = k
		}
		last = k
		parts = append(parts, string(k.Data))
	}
	return parts, first, last
}

// expression visits one top-level expression: a table header or a key-value.
func (w *walker) expression(n *unstable.Node) error {
	d := w.m.data
	switch n.Kind {
	case unstable.Table, unstable.ArrayTable:
		parts, first, last := keyParts(n)
		w.section, w.arrayTable = parts, n.Kind == unstable.ArrayTable
		w.inDevshell = n.Kind == unstable.Table && slices.Equal(parts, []string{"devshell"})
		if n.Kind == unstable.ArrayTable {
			w.conflict(parts, int(first.Raw.Offset), "an array of tables")
		} else if !w.inDevshell {
			w.conflict(parts, int(first.Raw.Offset), "a table")
		}
		if w.inDevshell {
			end := skipBlank(d, int(last.Raw.Offset+last.Raw.Length))
			end = skipBlank(d, end+1) // past ']'
			w.m.dsHeader = &insertPoint{at: lineAfter(d, end), indent: leadingBlank(d, int(first.Raw.Offset))}
		}
		return nil
	case unstable.KeyValue:
		start, end := int(n.Raw.Offset), int(n.Raw.Offset+n.Raw.Length)
		keys, _, _ := keyParts(n)
		if w.inDevshell {
			w.m.dsHeader = &insertPoint{at: lineAfter(d, end), indent: leadingBlank(d, start)}
		}
		if len(w.section) == 0 && len(keys) > 1 && keys[0] == "devshell" {
			w.m.dsDotted = &insertPoint{at: lineAfter(d, end), indent: leadingBlank(d, start)}
		}
		return w.keyValue(slices.Clone(w.section), n)
	}
	return nil
}

// conflict records a key path that makes `devshell` or a packages key
// something devsh cannot add to, e.g. `packages = "x"` or `[[devshell]]`.
func (w *walker) conflict(path []string, offset int, what string) {
	var key, want string
	switch {
	case len(path) >= 2 && path[0] == "devshell" && path[1] == "packages":
		key, want = conflictDsPkgs, "an array"
		if len(path) > 2 {
			what = "a table"
		}
	case len(path) >= 2 && path[0] == "devshell" && path[1] == "packagesFrom":
		key, want = conflictDsFrom, "an array"
		if len(path) > 2 {
			what = "a table"
		}
	case len(path) >= 1 && path[0] == "packages":
		key, want = conflictTopPkgs, "an array"
		if len(path) > 1 {
			what = "a table"
		}
	case len(path) == 1 && path[0] == "devshell":
		key, want = conflictDevshell, "a table"
	default:
		return
	}
	if _, ok := w.m.conflicts[key]; !ok {
		w.m.conflicts[key] = conflict{offset: offset, msg: key + " is " + what + ", not " + want}
	}
}

// elemConflicts records the first element of list (the array of key, e.g.
// "devshell.packages") that is not a string: devshell rejects the file.
func (w *walker) elemConflicts(key string, list *array) {
	// elemShownMax keeps the message one short line: a long element (an
	// inline table) is named by its kind only.
	const elemShownMax = 24
	for _, e := range list.elems {
		if e.isStr {
			continue
		}
		if _, ok := w.m.conflicts[key+elemSuffix]; ok {
			return
		}
		shown := ""
		if raw := w.m.data[e.start:e.end]; len(raw) <= elemShownMax && !bytes.ContainsAny(raw, "\r\n") {
			shown = " (" + string(raw) + ")"
		}
		name, example := "packages", "jq"
		if key == conflictDsFrom {
			name, example = "packagesFrom", "openssl"
		}
		w.m.conflicts[key+elemSuffix] = conflict{offset: e.start,
			msg: fmt.Sprintf("%s holds %s%s, not a package name: write each element as a quoted name, e.g. %s = [%q]", key, kindName(e.kind), shown, name, example)}
		return
	}
}

// kindName names a value kind with its article, for messages.
func kindName(k unstable.Kind) string {
	switch k {
	case unstable.String:
		return "a string"
	case unstable.Integer:
		return "an integer"
	case unstable.Float:
		return "a float"
	case unstable.Bool:
		return "a boolean"
	case unstable.Array:
		return "an array"
	case unstable.InlineTable:
		return "a table"
	}
	return "a date or time"
}

// keyValue visits a key-value under path (the table it is defined in).
func (w *walker) keyValue(path []string, kv *unstable.Node) error {
	d := w.m.data
	keys, _, lastKey := keyParts(kv)
	full := append(path, keys...)
	v := kv.Value()
	kvStart, kvEnd := int(kv.Raw.Offset), int(kv.Raw.Offset+kv.Raw.Length)
	// The value starts after the last key part, blanks, '=' and blanks.
	vStart := skipBlank(d, int(lastKey.Raw.Offset+lastKey.Raw.Length))
	vStart = skipBlank(d, vStart+1)

	isDs := slices.Equal(full, []string{"devshell", "packages"})
	isTop := slices.Equal(full, []string{"packages"})
	switch {
	case (isDs || isTop) && v.Kind == unstable.Array:
		table := ""
		if isDs {
			table = "devshell"
		}
		a, err := readArray(d, v, vStart, kvEnd, table)
		if err != nil {
			return err
		}
		a.keyIndent = leadingBlank(d, kvStart)
		w.m.lists = append(w.m.lists, a)
		if isDs {
			w.elemConflicts(conflictDsPkgs, a)
		} else {
			w.elemConflicts(conflictTopPkgs, a)
		}
		return nil
	case slices.Equal(full, []string{"devshell"}) && v.Kind == unstable.InlineTable && len(path) == 0:
		in := &inline{open: vStart, lastKVEnd: -1}
		end, err := valueEnd(d, v, vStart)
		if err != nil {
			return err
		}
		in.close = end - 1
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				in.lastKVEnd = int(c.Raw.Offset + c.Raw.Length)
			}
		}
		w.m.dsInline = in
	case slices.Equal(full, []string{"devshell", "packagesFrom"}) && v.Kind == unstable.Array:
		// Read like a packages list, for the elements' positions.
		a, err := readArray(d, v, vStart, kvEnd, "devshell")
		if err != nil {
			return err
		}
		for _, e := range a.elems {
			if e.isStr {
				w.m.from = append(w.m.from, e.value)
			}
		}
		w.elemConflicts(conflictDsFrom, a)
		return nil
	case slices.Equal(full, []string{"imports"}) && v.Kind == unstable.Array:
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.String {
				w.m.imports = append(w.m.imports, string(c.Data))
			}
		}
		return nil
	case slices.Equal(full, []string{"commands", "package"}) && v.Kind == unstable.String && w.arrayTable:
		w.m.commands = append(w.m.commands, string(v.Data))
		return nil
	case slices.Equal(full, []string{"commands"}) && v.Kind == unstable.Array:
		it := v.Children()
		for it.Next() {
			t := it.Node()
			if t.Kind != unstable.InlineTable {
				continue
			}
			ct := t.Children()
			for ct.Next() {
				c := ct.Node()
				if c.Kind != unstable.KeyValue {
					continue
				}
				if ks, _, _ := keyParts(c); slices.Equal(ks, []string{"package"}) && c.Value().Kind == unstable.String {
					w.m.commands = append(w.m.commands, string(c.Value().Data))
				}
			}
		}
		return nil
	default:
		w.conflict(full, kvStart, kindName(v.Kind))
	}
	if v.Kind == unstable.InlineTable {
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				if err := w.keyValue(slices.Clone(full), c); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// readArray reads the packages array node v, whose '[' is at open and
// whose ']' ends at end.
func readArray(d []byte, v *unstable.Node, open, end int, table string) (*array, error) {
	if open >= len(d) || d[open] != '[' || d[end-1] != ']' {
		return nil, fmt.Errorf("cannot locate the packages array at offset %d", open)
	}
	a := &array{table: table, open: open, close: end - 1}
	pos := open + 1
	var err error
	it := v.Children()
	for it.Next() {
		c := it.Node()
		if c.Kind == unstable.Comment {
			continue
		}
		start := skipTrivia(d, pos)
		if a.toks, err = lexTrivia(d, pos, start, a.toks); err != nil {
			return nil, err
		}
		cend, err := valueEnd(d, c, start)
		if err != nil {
			return nil, err
		}
		e := elem{start: start, end: cend, tok: len(a.toks), kind: c.Kind}
		if c.Kind == unstable.String {
			e.isStr, e.value = true, string(c.Data)
			e.literal = d[start] == '\'' && !bytes.HasPrefix(d[start:], []byte("'''"))
		}
		a.elems = append(a.elems, e)
		a.toks = append(a.toks, tok{tokElem, start, cend})
		pos = cend
	}
	if a.toks, err = lexTrivia(d, pos, a.close, a.toks); err != nil {
		return nil, err
	}
	return a, nil
}
