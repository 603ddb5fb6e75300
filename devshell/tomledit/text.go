package tomledit

import (
	"fmt"
	"strings"

	"github.com/devsh/devsh/devshell/internal/textfile"
	"github.com/pelletier/go-toml/v2/unstable"
)

// This file holds the byte-level helpers of the editor: quoting, blanks,
// comments, trivia between array elements, value ends.

// quote writes name as a TOML string: a literal string when the list
// uses them and name allows it, else a basic string. Valid names never need
// escaping.
func quote(name string, literal bool) string {
	if literal && !strings.Contains(name, "'") {
		return "'" + name + "'"
	}
	return `"` + name + `"`
}

// The TOML, .envrc and .gitignore editors all add lines with it.

// blank reports whether b holds only spaces and tabs.
func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// indentLike returns whitespace as wide as prefix: tabs kept, every other
// character a space.
func indentLike(prefix []byte) string {
	var b strings.Builder
	for _, r := range string(prefix) {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// leadingBlank returns the indentation of the line holding pos.
func leadingBlank(d []byte, pos int) string {
	ls := textfile.LineStart(d, pos)
	i := ls
	for i < len(d) && (d[i] == ' ' || d[i] == '\t') {
		i++
	}
	return string(d[ls:i])
}

// skipBlank skips spaces and tabs from pos.
func skipBlank(d []byte, pos int) int {
	for pos < len(d) && (d[pos] == ' ' || d[pos] == '\t') {
		pos++
	}
	return pos
}

// commentEnd returns the end of the comment starting at pos (before the
// line ending).
func commentEnd(d []byte, pos int) int {
	for pos < len(d) && d[pos] != '\n' && !(d[pos] == '\r' && pos+1 < len(d) && d[pos+1] == '\n') {
		pos++
	}
	return pos
}

// skipTrivia skips whitespace, newlines, commas and comments: everything
// that may sit between values inside an array or inline table.
func skipTrivia(d []byte, pos int) int {
	for pos < len(d) {
		switch d[pos] {
		case ' ', '\t', '\n', '\r', ',':
			pos++
		case '#':
			pos = commentEnd(d, pos)
		default:
			return pos
		}
	}
	return pos
}

// lexTrivia tokenises d[from:to], which must hold only trivia.
func lexTrivia(d []byte, from, to int, toks []tok) ([]tok, error) {
	for pos := from; pos < to; {
		switch c := d[pos]; {
		case c == ' ' || c == '\t':
			pos++
		case c == '\n':
			toks = append(toks, tok{tokNL, pos, pos + 1})
			pos++
		case c == '\r' && pos+1 < to && d[pos+1] == '\n':
			toks = append(toks, tok{tokNL, pos, pos + 2})
			pos += 2
		case c == ',':
			toks = append(toks, tok{tokComma, pos, pos + 1})
			pos++
		case c == '#':
			end := commentEnd(d, pos)
			toks = append(toks, tok{tokComment, pos, end})
			pos = end
		default:
			return nil, fmt.Errorf("unexpected %q at offset %d inside an array", c, pos)
		}
	}
	return toks, nil
}

// lineAfter returns the start of the line after the expression ending at
// pos (skipping blanks and a trailing comment), or len(d).
func lineAfter(d []byte, pos int) int {
	pos = skipBlank(d, pos)
	if pos < len(d) && d[pos] == '#' {
		pos = commentEnd(d, pos)
	}
	switch {
	case pos < len(d) && d[pos] == '\n':
		return pos + 1
	case pos+1 < len(d) && d[pos] == '\r' && d[pos+1] == '\n':
		return pos + 2
	}
	return pos
}

// valueEnd returns the end offset of value node n starting at start.
// Arrays and inline tables carry no full range in the unstable AST, so their
// end is found after their last child.
func valueEnd(d []byte, n *unstable.Node, start int) (int, error) {
	switch n.Kind {
	case unstable.Array, unstable.InlineTable:
		closer := byte(']')
		if n.Kind == unstable.InlineTable {
			closer = '}'
		}
		pos := start + 1
		it := n.Children()
		for it.Next() {
			c := it.Node()
			switch c.Kind {
			case unstable.Comment:
				continue
			case unstable.KeyValue:
				pos = int(c.Raw.Offset + c.Raw.Length)
			default:
				end, err := valueEnd(d, c, skipTrivia(d, pos))
				if err != nil {
					return 0, err
				}
				pos = end
			}
		}
		pos = skipTrivia(d, pos)
		if pos >= len(d) || d[pos] != closer {
			return 0, fmt.Errorf("cannot find the closing %q of the value at offset %d", closer, start)
		}
		return pos + 1, nil
	}
	if n.Raw.Length == 0 || int(n.Raw.Offset) != start {
		return 0, fmt.Errorf("unexpected %s value at offset %d", n.Kind, start)
	}
	return start + int(n.Raw.Length), nil
}
