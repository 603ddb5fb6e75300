package envrc

import (
	"bytes"
	"strings"
)

// This file is the bash lexer: words (with quoting and what they expand to
// when that is static), operators, newlines and here-documents.

type tokKind uint8

const (
	tokWord tokKind = iota
	tokOp
	tokNewline
)

// token is a word, an operator or a newline of the .envrc.
type token struct {
	kind  tokKind
	start int
	end   int
	op    string // operator text
	next  int    // newline: the next line start, after any here-document bodies

	text    string // word value after quote removal (expansions left out)
	pat     string // word value as a glob pattern: quoted metacharacters escaped
	quoted  bool   // some part was quoted or escaped
	dynamic bool   // contains an expansion other than a leading $PWD
	pwd     bool   // starts with $PWD or ${PWD}
	assign  bool   // NAME=value
	ionum   bool   // the 2 of 2>file
}

type heredoc struct {
	delim     string
	stripTabs bool
}

type lexer struct {
	src       []byte
	pos       int
	toks      []token
	heredocs  []heredoc // waiting for their bodies after the next newline
	wantDelim int       // 1 after <<, 2 after <<-: the next word is a delimiter
	broken    bool      // an unterminated quote, substitution or here-document
	endEscape bool      // the last word ends with a backslash escaping nothing or a CR
}

// operators lists bash's operators, longest first within each leading byte.
var operators = [...]string{";;&", ";;", ";&", ";", "&&", "&>>", "&>", "&", "||", "|&", "|", "(", ")",
	"<<<", "<<-", "<<", "<&", "<>", "<", ">>", ">&", ">|", ">"}

func (lx *lexer) at(i int) byte {
	if i < len(lx.src) {
		return lx.src[i]
	}
	return 0
}

// contLen returns the length of a backslash-newline line continuation at i.
func (lx *lexer) contLen(i int) int {
	if lx.at(i) != '\\' {
		return 0
	}
	if lx.at(i+1) == '\n' {
		return 2
	}
	if lx.at(i+1) == '\r' && lx.at(i+2) == '\n' {
		return 3
	}
	return 0
}

func (lx *lexer) run() {
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			lx.pos++
		case lx.contLen(lx.pos) > 0:
			lx.pos += lx.contLen(lx.pos)
		case c == '#':
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				lx.pos++
			}
		case c == '\n':
			start := lx.pos
			lx.pos++
			lx.wantDelim = 0
			lx.readHeredocs()
			lx.toks = append(lx.toks, token{kind: tokNewline, start: start, end: start + 1, next: lx.pos})
		case (c == '<' || c == '>') && lx.at(lx.pos+1) == '(':
			lx.word()
		case strings.IndexByte(";&|()<>", c) >= 0:
			lx.operator()
		default:
			lx.word()
		}
	}
	if len(lx.heredocs) > 0 {
		lx.broken = true
	}
}

func (lx *lexer) operator() {
	start := lx.pos
	for _, op := range operators {
		if bytes.HasPrefix(lx.src[lx.pos:], []byte(op)) {
			lx.pos += len(op)
			lx.toks = append(lx.toks, token{kind: tokOp, start: start, end: lx.pos, op: op})
			switch op {
			case "<<":
				lx.wantDelim = 1
			case "<<-":
				lx.wantDelim = 2
			default:
				lx.wantDelim = 0
			}
			return
		}
	}
	// Every byte run sends here starts an operator; stay total anyway.
	lx.pos++
	lx.toks = append(lx.toks, token{kind: tokOp, start: start, end: lx.pos, op: string(lx.src[start])})
}

// readHeredocs consumes the bodies of the here-documents opened on the line
// that just ended.
func (lx *lexer) readHeredocs() {
	for _, h := range lx.heredocs {
		found := false
		for lx.pos < len(lx.src) {
			line := lx.src[lx.pos:]
			next := len(lx.src)
			if j := bytes.IndexByte(line, '\n'); j >= 0 {
				line = line[:j]
				next = lx.pos + j + 1
			}
			lx.pos = next
			line = bytes.TrimSuffix(line, []byte("\r"))
			if h.stripTabs {
				line = bytes.TrimLeft(line, "\t")
			}
			if string(line) == h.delim {
				found = true
				break
			}
		}
		if !found {
			lx.broken = true
		}
	}
	lx.heredocs = nil
}

// wordBuilder accumulates one word's value.
type wordBuilder struct {
	text, pat   strings.Builder
	started     bool // some value was produced (for the leading $PWD rule)
	quoted      bool
	dynamic     bool
	pwd         bool
	brace       bool // an unquoted '{': brace expansion
	prevBracket bool // the last pattern byte was an unquoted '['
	nameOnly    bool // the text so far is a valid NAME (assignment detection)
	assign      bool
}

func (w *wordBuilder) lit(c byte, quoted bool) {
	w.text.WriteByte(c)
	w.started = true
	if quoted {
		if strings.IndexByte(`*?[\`, c) >= 0 {
			w.pat.WriteByte('\\')
		}
		w.pat.WriteByte(c)
		w.prevBracket = false
		return
	}
	if c == '!' && w.prevBracket {
		w.pat.WriteByte('^') // bash's [!x] is path.Match's [^x]
	} else {
		w.pat.WriteByte(c)
	}
	w.prevBracket = c == '['
}

func (w *wordBuilder) dyn() {
	w.dynamic = true
	w.started = true
}

func (w *wordBuilder) pwdRef() {
	if w.started {
		w.dyn()
		return
	}
	w.pwd = true
	w.started = true
}

func (lx *lexer) word() {
	start := lx.pos
	w := wordBuilder{nameOnly: true}
	notName := func() { w.nameOnly = false }
scan:
	for lx.pos < len(lx.src) {
		if n := lx.contLen(lx.pos); n > 0 {
			lx.pos += n
			continue
		}
		c := lx.src[lx.pos]
		switch c {
		case ' ', '\t', '\r', '\n', ';', '&', '|', ')':
			break scan
		case '(':
			if w.assign && strings.HasSuffix(w.text.String(), "=") {
				lx.pos++
				lx.skipBalanced('(', ')') // NAME=(array)
				w.dyn()
				continue
			}
			break scan
		case '<', '>':
			if lx.at(lx.pos+1) != '(' {
				break scan
			}
			lx.pos += 2
			lx.skipBalanced('(', ')') // process substitution
			w.dyn()
			notName()
		case '\\':
			notName()
			w.quoted = true
			if lx.pos+1 >= len(lx.src) || (lx.pos+2 == len(lx.src) && lx.src[lx.pos+1] == '\r') {
				lx.endEscape = true
			}
			if lx.pos+1 >= len(lx.src) {
				w.lit('\\', true)
				lx.pos++
				continue
			}
			w.lit(lx.src[lx.pos+1], true)
			lx.pos += 2
		case '\'':
			notName()
			w.quoted = true
			lx.pos++
			j := bytes.IndexByte(lx.src[lx.pos:], '\'')
			end := lx.pos + j
			if j < 0 {
				lx.broken = true
				end = len(lx.src)
			}
			for ; lx.pos < end; lx.pos++ {
				w.lit(lx.src[lx.pos], true)
			}
			if j >= 0 {
				lx.pos++
			}
		case '"':
			notName()
			w.quoted = true
			lx.pos++
			lx.double(&w)
		case '`':
			notName()
			lx.pos++
			lx.skipBackquote()
			w.dyn()
		case '$':
			notName()
			lx.dollar(&w, false)
		default:
			if c == '=' && w.nameOnly && !w.assign && w.text.Len() > 0 {
				name := strings.TrimSuffix(w.text.String(), "+")
				if name != "" && !isDigit(name[0]) && !strings.Contains(name, "+") {
					w.assign = true
				}
			}
			if !isNameChar(c) && !(c == '+' && lx.at(lx.pos+1) == '=') {
				notName()
			}
			if c == '{' {
				w.brace = true
			}
			if c == '~' && !w.started {
				w.dynamic = true
			}
			w.lit(c, false)
			lx.pos++
		}
	}
	if lx.pos == start {
		// Cannot happen: run only calls word on a byte that starts one.
		lx.pos++
		return
	}
	text := w.text.String()
	if w.brace && text != "{" {
		w.dynamic = true
	}
	t := token{
		kind: tokWord, start: start, end: lx.pos,
		text: text, pat: w.pat.String(),
		quoted: w.quoted, dynamic: w.dynamic, pwd: w.pwd, assign: w.assign,
	}
	if !w.quoted && !w.dynamic && text != "" && strings.Trim(text, "0123456789") == "" &&
		(lx.at(lx.pos) == '<' || lx.at(lx.pos) == '>') {
		t.ionum = true
	}
	lx.toks = append(lx.toks, t)
	if lx.wantDelim != 0 {
		lx.heredocs = append(lx.heredocs, heredoc{delim: text, stripTabs: lx.wantDelim == 2})
		lx.wantDelim = 0
	}
}

// double scans a double-quoted string; lx.pos is just past the opening quote.
func (lx *lexer) double(w *wordBuilder) {
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch c {
		case '"':
			lx.pos++
			return
		case '\\':
			if n := lx.contLen(lx.pos); n > 0 {
				lx.pos += n
				continue
			}
			if next := lx.at(lx.pos + 1); lx.pos+1 < len(lx.src) && strings.IndexByte("$`\"\\", next) >= 0 {
				w.lit(next, true)
				lx.pos += 2
				continue
			}
			w.lit('\\', true)
			lx.pos++
		case '$':
			lx.dollar(w, true)
		case '`':
			lx.pos++
			lx.skipBackquote()
			w.dyn()
		default:
			w.lit(c, true)
			lx.pos++
		}
	}
	lx.broken = true
}

// dollar scans an expansion starting at the '$' at lx.pos.
func (lx *lexer) dollar(w *wordBuilder, inDouble bool) {
	lx.pos++
	c := lx.at(lx.pos)
	switch {
	case lx.pos >= len(lx.src):
		w.lit('$', inDouble)
	case c == '\'' && !inDouble: // $'ANSI-C'
		lx.pos++
		w.quoted = true
		start := lx.pos
		for lx.pos < len(lx.src) && lx.src[lx.pos] != '\'' {
			if lx.src[lx.pos] == '\\' {
				lx.pos++
			}
			lx.pos++
		}
		if lx.pos >= len(lx.src) {
			lx.broken = true
			lx.pos = len(lx.src)
			w.dyn()
			return
		}
		body := lx.src[start:lx.pos]
		lx.pos++
		if bytes.IndexByte(body, '\\') >= 0 {
			w.dyn()
			return
		}
		for _, b := range body {
			w.lit(b, true)
		}
	case c == '"' && !inDouble: // $"locale"
		lx.pos++
		w.quoted = true
		lx.double(w)
	case c == '(':
		lx.pos++
		lx.skipBalanced('(', ')')
		w.dyn()
	case c == '{':
		lx.pos++
		start := lx.pos
		lx.skipBalanced('{', '}')
		if !lx.broken && string(lx.src[start:lx.pos-1]) == "PWD" {
			w.pwdRef()
		} else {
			w.dyn()
		}
	case c == '_' || isLetter(c):
		start := lx.pos
		for lx.pos < len(lx.src) && isNameChar(lx.src[lx.pos]) {
			lx.pos++
		}
		if string(lx.src[start:lx.pos]) == "PWD" {
			w.pwdRef()
		} else {
			w.dyn()
		}
	case isDigit(c) || strings.IndexByte("@*#?$!-", c) >= 0:
		lx.pos++
		w.dyn()
	default:
		w.lit('$', inDouble)
	}
}

// skipBalanced skips to the close matching an open just consumed.
func (lx *lexer) skipBalanced(open, close byte) {
	depth := 1
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == '\\':
			lx.pos = min(lx.pos+2, len(lx.src))
		case c == '\'':
			j := bytes.IndexByte(lx.src[lx.pos+1:], '\'')
			if j < 0 {
				lx.pos = len(lx.src)
				lx.broken = true
				return
			}
			lx.pos += j + 2
		case c == '"':
			lx.pos++
			var scratch wordBuilder
			lx.double(&scratch)
		case c == '`':
			lx.pos++
			lx.skipBackquote()
		case c == '$' && (lx.at(lx.pos+1) == '(' || lx.at(lx.pos+1) == '{'):
			o := lx.at(lx.pos + 1)
			lx.pos += 2
			if o == '(' {
				lx.skipBalanced('(', ')')
			} else {
				lx.skipBalanced('{', '}')
			}
		case c == open:
			depth++
			lx.pos++
		case c == close:
			depth--
			lx.pos++
			if depth == 0 {
				return
			}
		default:
			lx.pos++
		}
	}
	lx.broken = true
}

func (lx *lexer) skipBackquote() {
	for lx.pos < len(lx.src) {
		switch lx.src[lx.pos] {
		case '\\':
			lx.pos = min(lx.pos+2, len(lx.src))
		case '`':
			lx.pos++
			return
		default:
			lx.pos++
		}
	}
	lx.broken = true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isNameChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_'
}
