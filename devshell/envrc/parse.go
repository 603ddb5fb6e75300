package envrc

import "strings"

// This file turns tokens into simple commands, their blocks, and the line
// starts where a command can be inserted.

// command is one simple command: its name and arguments (assignments,
// redirections and reserved words removed), and the blocks it runs in.
type command struct {
	words []token
	block *scope // the innermost block or branch it runs in
}

// safePoint is a line start where an inserted command line would be a
// command of its own, and the innermost block open there.
type safePoint struct {
	pos   int
	block *scope
}

type script struct {
	cmds    []command
	safe    []safePoint // ascending; safe[0] is offset 0
	eofSafe bool        // a line appended at the end would be a command of its own
}

// parse splits src into simple commands and finds the safe line starts.
func parse(src []byte) script {
	lx := lexer{src: src}
	lx.run()
	ps := parser{toks: lx.toks, out: script{safe: []safePoint{{pos: 0}}}}
	for ps.i = 0; ps.i < len(ps.toks); ps.i++ {
		t := ps.toks[ps.i]
		switch t.kind {
		case tokNewline:
			ps.newline(t)
		case tokOp:
			ps.operator(t)
		case tokWord:
			ps.word(t)
		}
	}
	ps.finish()
	if len(src) > 0 && src[len(src)-1] == '\n' {
		ps.out.eofSafe = !lx.broken && ps.out.safe[len(ps.out.safe)-1].pos == len(src)
	} else {
		ps.out.eofSafe = !lx.broken && !lx.endEscape && ps.safeHere()
	}
	return ps.out
}

// parser is the state machine behind parse: it walks the tokens once,
// tracking the open blocks and the command being read, and records each
// simple command and each line start where a new command may be inserted.
type parser struct {
	toks []token
	i    int // the token being handled; word and operator may consume the next
	out  script

	block      *scope
	caseDepth  int      // case blocks open: their pattern lines take no command
	cur        *command // the command being read, nil between commands
	ignored    bool     // cur swallows words that are not a command (case/for headers)
	fnHeader   bool     // cur is `function NAME`
	skipNext   bool     // the next word is a redirection target
	forHeader  bool     // between `for`/`select` and `do`
	expectBody bool     // after a function header, before its body
	last       string   // the previous token: an operator, "w" for a word, "\n", "!", ")"
}

// push opens a block of kind.
func (ps *parser) push(kind string) {
	d := 1
	if ps.block != nil {
		d = ps.block.depth + 1
	}
	ps.block = &scope{parent: ps.block, depth: d, kind: kind}
	if kind == "case" {
		ps.caseDepth++
	}
}

// pop closes the innermost block.
func (ps *parser) pop() {
	if ps.block != nil {
		if ps.block.kind == "case" {
			ps.caseDepth--
		}
		ps.block = ps.block.parent
	}
}

// branch starts the next branch of the innermost block (then, else, do).
func (ps *parser) branch() {
	if ps.block == nil {
		ps.push("branch")
		return
	}
	ps.block = &scope{parent: ps.block.parent, depth: ps.block.depth, kind: ps.block.kind}
}

// finish ends the command being read.
func (ps *parser) finish() {
	if ps.cur != nil && !ps.ignored {
		ps.out.cmds = append(ps.out.cmds, *ps.cur)
	}
	if ps.fnHeader {
		ps.expectBody = true
	}
	ps.cur, ps.ignored, ps.fnHeader = nil, false, false
}

// safeHere reports whether a command inserted at this point would be a
// command of its own, at the current block.
func (ps *parser) safeHere() bool {
	if ps.skipNext || ps.forHeader || ps.expectBody || ps.fnHeader {
		return false
	}
	if ps.caseDepth > 0 {
		return false
	}
	switch ps.last {
	case "&&", "||", "|", "|&", "!":
		return false
	}
	return true
}

func (ps *parser) newline(t token) {
	ps.finish()
	if ps.safeHere() {
		ps.out.safe = append(ps.out.safe, safePoint{pos: t.next, block: ps.block})
	}
	ps.skipNext = false
	switch ps.last {
	case "&&", "||", "|", "|&":
	default:
		ps.last = "\n"
	}
}

func (ps *parser) operator(t token) {
	if isRedirect(t.op) {
		ps.skipNext = true
		ps.last = t.op
		return
	}
	ps.expectBody = false
	switch t.op {
	case "(":
		if ps.cur != nil && (ps.fnHeader || (!ps.ignored && len(ps.cur.words) == 1)) &&
			ps.i+1 < len(ps.toks) && ps.toks[ps.i+1].kind == tokOp && ps.toks[ps.i+1].op == ")" {
			// NAME () or function NAME (): a definition, not a call.
			ps.cur, ps.ignored, ps.fnHeader = nil, false, false
			ps.expectBody = true
			ps.i++
			ps.last = ")"
			return
		}
		ps.finish()
		ps.expectBody = false
		ps.push("(")
	case ")":
		ps.finish()
		if ps.block != nil && ps.block.kind == "(" {
			ps.pop()
		}
	default:
		ps.finish()
		ps.expectBody = false
	}
	ps.last = t.op
}

func (ps *parser) word(t token) {
	ps.last = "w"
	if t.ionum {
		return
	}
	if ps.skipNext {
		ps.skipNext = false
		return
	}
	ps.expectBody = false
	if ps.cur != nil {
		if ps.fnHeader && !t.quoted && t.text == "{" {
			ps.cur, ps.ignored, ps.fnHeader = nil, false, false
			ps.push("{")
			return
		}
		if !ps.ignored {
			ps.cur.words = append(ps.cur.words, t)
		}
		return
	}
	if !t.quoted && !t.dynamic && ps.reserved(t.text) {
		return
	}
	if t.assign {
		return
	}
	ps.cur = &command{words: []token{t}, block: ps.block}
}

// reserved handles a reserved word in command position and reports whether
// text was one.
func (ps *parser) reserved(text string) bool {
	switch text {
	case "if", "while", "until", "{":
		ps.push(text)
	case "then", "else", "elif":
		ps.branch()
	case "do":
		ps.forHeader = false
		ps.branch()
	case "fi", "done", "}", "esac":
		ps.pop()
	case "!":
		ps.last = "!"
	case "time":
	case "case":
		ps.push("case")
		ps.cur, ps.ignored = &command{}, true
	case "for", "select":
		ps.push("for")
		ps.forHeader = true
		ps.cur, ps.ignored = &command{}, true
	case "function":
		ps.cur, ps.ignored, ps.fnHeader = &command{}, true, true
	default:
		return false
	}
	return true
}

func isRedirect(op string) bool {
	return op[0] == '<' || op[0] == '>' || strings.HasPrefix(op, "&>")
}
