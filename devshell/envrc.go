package devshell

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"
)

// This file keeps an .envrc's watch_file lines in sync with the files a
// devshell is built from. The .envrc is bash; it is read by a small lexer that
// knows enough of bash (quotes, escapes, line continuations, comments,
// here-documents, substitutions, operators and reserved words) to tell real
// commands from text that merely mentions them, and to find line starts where
// a new command can be inserted without changing the meaning of anything else.

// errEnvrcUnsafeEnd reports an .envrc whose end lies inside an unterminated
// construct, so an appended line would not be a command of its own.
var errEnvrcUnsafeEnd = errors.New("the file ends inside an unterminated quote, here-document, case or line continuation")

// SyncEnvrc is pure: given the .envrc bytes and the files that must be watched
// (slash paths relative to the .envrc's directory), it returns the new bytes
// and the files it added watches for. A file counts as watched when a
// watch_file, nix_direnv_watch_file or watch_dir command before the first
// `use flake` / `use_flake` command covers it: nix-direnv's use_flake decides
// whether its cached environment is stale from the files watched so far, so a
// watch declared after it does not trigger a rebuild. When the file has no
// `use flake` command, every watch command counts. The missing files are added
// as one watch_file line before the first `use flake` command (after the last
// watch line that precedes it, at that line's indentation), or at the end when
// there is none. Watch lines after `use flake` are kept where they are: nothing
// else in the file changes, and running it twice changes nothing.
func SyncEnvrc(content []byte, files []string) (out []byte, added []string, err error) {
	var missing []string
	seen := make(map[string]bool, len(files))
	parsed := envrcParse(content)
	use := parsed.firstUseFlake()
	cover := parsed.coverage(use)
	for _, f := range files {
		n, err := envrcNormalizeFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("sync .envrc: %w", err)
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		if !cover.covers(n) {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return content, nil, nil
	}

	eol := fileEOL(content)
	pos, indent, err := parsed.insertPoint(content, use)
	if err != nil {
		return nil, nil, fmt.Errorf("sync .envrc: cannot add a watch_file line: %w", err)
	}
	line := indent + envrcWatchLine(missing) + eol
	if pos == len(content) && len(content) > 0 && content[len(content)-1] != '\n' {
		line = eol + line
	}
	out = make([]byte, 0, len(content)+len(line))
	out = append(out, content[:pos]...)
	out = append(out, line...)
	out = append(out, content[pos:]...)
	return out, missing, nil
}

// NewEnvrc returns the content for a new .envrc in a flake project: a
// watch_file line naming files (omitted when there are none), then `use flake`.
func NewEnvrc(files []string) []byte {
	var b strings.Builder
	if len(files) > 0 {
		b.WriteString(envrcWatchLine(files))
		b.WriteByte('\n')
	}
	b.WriteString("use flake\n")
	return []byte(b.String())
}

// envrcWatchLine renders `watch_file a b c`, quoting only what needs it.
func envrcWatchLine(files []string) string {
	var b strings.Builder
	b.WriteString("watch_file")
	for _, f := range files {
		b.WriteByte(' ')
		if strings.HasPrefix(f, "-") {
			f = "./" + f // not an option
		}
		b.WriteString(ShellQuote(f))
	}
	return b.String()
}

// ShellQuote returns s as one bash word: unchanged when it has only characters
// that bash never interprets in an argument, else single-quoted. It quotes
// the names of watch_file lines and the paths in commands devsh suggests.
func ShellQuote(s string) string {
	if s == "" {
		return "''"
	}
	plain := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !envrcIsNameChar(c) && strings.IndexByte("./+@%:,=-", c) < 0 {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// envrcNormalizeFile cleans a file name to the form coverage is compared in.
func envrcNormalizeFile(f string) (string, error) {
	if f == "" {
		return "", errors.New("empty file name")
	}
	if strings.IndexByte(f, 0) >= 0 {
		return "", fmt.Errorf("file name %q contains a NUL byte", f)
	}
	return path.Clean(f), nil
}

// ---- coverage ----

// envrcCoverage holds the glob patterns of watched files and watched
// directories, relative to the .envrc's directory (or absolute).
type envrcCoverage struct {
	files []string
	dirs  []string
}

// coverage collects the watches of the commands before p.cmds[use], or of
// every command when use is negative (no `use flake`): nix-direnv's use_flake
// only sees the watches declared before it.
func (p envrcParsed) coverage(use int) envrcCoverage {
	var c envrcCoverage
	cmds := p.cmds
	if use >= 0 {
		cmds = cmds[:use]
	}
	for _, cmd := range cmds {
		kind := envrcWatchKind(cmd)
		if kind == "" {
			continue
		}
		args := cmd.words[1:]
		if kind == "watch_dir" && len(args) > 1 {
			args = args[:1] // direnv's watch_dir reads only "$1"
		}
		for _, a := range args {
			if a.text == "--" && !a.quoted {
				continue
			}
			pat, ok := envrcArgPattern(a)
			if !ok {
				continue
			}
			if kind == "watch_dir" {
				c.dirs = append(c.dirs, pat)
			} else {
				c.files = append(c.files, pat)
			}
		}
	}
	return c
}

// covers reports whether the normalized file is watched.
func (c envrcCoverage) covers(file string) bool {
	for _, p := range c.files {
		if envrcGlobMatch(p, file) {
			return true
		}
	}
	for _, d := range c.dirs {
		if d == "." && file != ".." && !strings.HasPrefix(file, "../") && !path.IsAbs(file) {
			return true
		}
		for i := 1; i < len(file); i++ {
			if file[i] == '/' && envrcGlobMatch(d, file[:i]) {
				return true
			}
		}
	}
	return false
}

// envrcArgPattern turns a watch argument into a cleaned glob pattern. It
// reports false for arguments whose value depends on the environment.
func envrcArgPattern(a envrcToken) (string, bool) {
	if a.dynamic {
		return "", false
	}
	p := a.pat
	if a.pwd {
		if p == "" {
			return ".", true
		}
		if !strings.HasPrefix(p, "/") {
			return "", false // $PWD followed by more name: another directory
		}
		p = strings.TrimLeft(p, "/")
		if p == "" {
			return ".", true
		}
	}
	if p == "" {
		return "", false
	}
	return path.Clean(p), true
}

// envrcGlobMatch matches like bash's default globbing: path.Match, except
// that a wildcard never matches a leading dot.
func envrcGlobMatch(pattern, name string) bool {
	ok, err := path.Match(pattern, name)
	if err != nil {
		return pattern == name
	}
	if !ok {
		return false
	}
	pc := strings.Split(pattern, "/")
	nc := strings.Split(name, "/")
	for i := range nc {
		if i < len(pc) && strings.HasPrefix(nc[i], ".") && pc[i] != "" && strings.IndexByte("*?[", pc[i][0]) >= 0 {
			return false
		}
	}
	return true
}

// envrcWatchKind returns the watch command a command runs, or "".
func envrcWatchKind(c envrcCommand) string {
	n := c.words[0]
	if n.dynamic {
		return ""
	}
	switch n.text {
	case "watch_file", "nix_direnv_watch_file", "watch_dir":
		return n.text
	}
	return ""
}

// envrcIsUseFlake reports whether a command is `use flake ...` or `use_flake ...`.
func envrcIsUseFlake(c envrcCommand) bool {
	n := c.words[0]
	if n.dynamic {
		return false
	}
	if n.text == "use_flake" {
		return true
	}
	return n.text == "use" && len(c.words) > 1 && !c.words[1].dynamic && c.words[1].text == "flake"
}

// firstUseFlake returns the index in p.cmds of the first `use flake` /
// `use_flake` command, or -1 when there is none.
func (p envrcParsed) firstUseFlake() int {
	for i, c := range p.cmds {
		if envrcIsUseFlake(c) {
			return i
		}
	}
	return -1
}

// ---- insertion ----

// insertPoint returns where the watch_file line goes and its indentation,
// given ui, the index of the first `use flake` command (or -1).
func (p envrcParsed) insertPoint(src []byte, ui int) (int, string, error) {
	if ui < 0 {
		if !p.eofSafe {
			return 0, "", errEnvrcUnsafeEnd
		}
		return len(src), "", nil
	}
	use := p.cmds[ui]
	useStart := use.words[0].start
	// The nearest line start before the use command where a new command runs
	// whenever the use command does; offset 0 always qualifies.
	before := p.safe[0]
	for i := len(p.safe) - 1; i > 0; i-- {
		if s := p.safe[i]; s.pos <= useStart && s.block.encloses(use.block) {
			before = s
			break
		}
	}
	for i := ui - 1; i >= 0; i-- {
		w := p.cmds[i]
		if envrcWatchKind(w) == "" || !w.block.encloses(use.block) {
			continue
		}
		end := w.words[len(w.words)-1].end
		for _, s := range p.safe {
			if s.pos <= end {
				continue
			}
			if s.pos <= before.pos && s.block == w.block {
				return s.pos, envrcIndent(src, envrcLineStart(src, w.words[0].start)), nil
			}
			break
		}
		break
	}
	return before.pos, envrcIndent(src, before.pos), nil
}

func envrcLineStart(src []byte, off int) int {
	return bytes.LastIndexByte(src[:off], '\n') + 1
}

func envrcIndent(src []byte, lineStart int) string {
	i := lineStart
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return string(src[lineStart:i])
}

// envrcBlock is one open block or branch (if/then/else, loop body, { },
// ( ), case); nil is the top level. Commands share these nodes, so deep
// nesting costs no copying.
type envrcBlock struct {
	parent *envrcBlock
	depth  int
	kind   string
}

// encloses reports whether b is inner or one of its ancestors.
func (b *envrcBlock) encloses(inner *envrcBlock) bool {
	if b == nil {
		return true
	}
	for inner != nil && inner.depth > b.depth {
		inner = inner.parent
	}
	return inner == b
}

// ---- parsing: commands ----

// envrcCommand is one simple command: its name and arguments (assignments,
// redirections and reserved words removed), and the blocks it runs in.
type envrcCommand struct {
	words []envrcToken
	block *envrcBlock // the innermost block or branch it runs in
}

// envrcSafe is a line start where an inserted command line would be a
// command of its own, and the innermost block open there.
type envrcSafe struct {
	pos   int
	block *envrcBlock
}

type envrcParsed struct {
	cmds    []envrcCommand
	safe    []envrcSafe // ascending; safe[0] is offset 0
	eofSafe bool        // a line appended at the end would be a command of its own
}

// envrcParse splits src into simple commands and finds the safe line starts.
func envrcParse(src []byte) envrcParsed {
	lx := envrcLexer{src: src}
	lx.run()
	toks := lx.toks

	p := envrcParsed{safe: []envrcSafe{{pos: 0}}}
	var (
		block      *envrcBlock
		caseDepth  int // case blocks open: their pattern lines take no command
		cur        *envrcCommand
		ignored    bool // cur swallows words that are not a command (case/for headers)
		fnHeader   bool // cur is `function NAME`
		skipNext   bool // the next word is a redirection target
		forHeader  bool // between `for`/`select` and `do`
		expectBody bool // after a function header, before its body
		last       string
	)
	push := func(kind string) {
		d := 1
		if block != nil {
			d = block.depth + 1
		}
		block = &envrcBlock{parent: block, depth: d, kind: kind}
		if kind == "case" {
			caseDepth++
		}
	}
	pop := func() {
		if block != nil {
			if block.kind == "case" {
				caseDepth--
			}
			block = block.parent
		}
	}
	branch := func() {
		if block == nil {
			push("branch")
			return
		}
		block = &envrcBlock{parent: block.parent, depth: block.depth, kind: block.kind}
	}
	finish := func() {
		if cur != nil && !ignored {
			p.cmds = append(p.cmds, *cur)
		}
		if fnHeader {
			expectBody = true
		}
		cur, ignored, fnHeader = nil, false, false
	}
	safeHere := func() bool {
		if skipNext || forHeader || expectBody || fnHeader {
			return false
		}
		if caseDepth > 0 {
			return false
		}
		switch last {
		case "&&", "||", "|", "|&", "!":
			return false
		}
		return true
	}

	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case envrcTokNewline:
			finish()
			if safeHere() {
				p.safe = append(p.safe, envrcSafe{pos: t.next, block: block})
			}
			skipNext = false
			switch last {
			case "&&", "||", "|", "|&":
			default:
				last = "\n"
			}
		case envrcTokOp:
			if envrcIsRedirect(t.op) {
				skipNext = true
				last = t.op
				continue
			}
			expectBody = false
			switch t.op {
			case "(":
				if cur != nil && (fnHeader || (!ignored && len(cur.words) == 1)) &&
					i+1 < len(toks) && toks[i+1].kind == envrcTokOp && toks[i+1].op == ")" {
					// NAME () or function NAME (): a definition, not a call.
					cur, ignored, fnHeader = nil, false, false
					expectBody = true
					i++
					last = ")"
					continue
				}
				finish()
				expectBody = false
				push("(")
			case ")":
				finish()
				if block != nil && block.kind == "(" {
					pop()
				}
			default:
				finish()
				expectBody = false
			}
			last = t.op
		case envrcTokWord:
			last = "w"
			if t.ionum {
				continue
			}
			if skipNext {
				skipNext = false
				continue
			}
			expectBody = false
			if cur != nil {
				if fnHeader && !t.quoted && t.text == "{" {
					cur, ignored, fnHeader = nil, false, false
					push("{")
					continue
				}
				if !ignored {
					cur.words = append(cur.words, t)
				}
				continue
			}
			if !t.quoted && !t.dynamic {
				reserved := true
				switch t.text {
				case "if", "while", "until", "{":
					push(t.text)
				case "then", "else", "elif":
					branch()
				case "do":
					forHeader = false
					branch()
				case "fi", "done", "}", "esac":
					pop()
				case "!", "time":
				case "case":
					push("case")
					cur, ignored = &envrcCommand{}, true
				case "for", "select":
					push("for")
					forHeader = true
					cur, ignored = &envrcCommand{}, true
				case "function":
					cur, ignored, fnHeader = &envrcCommand{}, true, true
				default:
					reserved = false
				}
				if reserved {
					if t.text == "!" {
						last = "!"
					}
					continue
				}
			}
			if t.assign {
				continue
			}
			cur = &envrcCommand{words: []envrcToken{t}, block: block}
		}
	}
	finish()
	if len(src) > 0 && src[len(src)-1] == '\n' {
		p.eofSafe = !lx.broken && p.safe[len(p.safe)-1].pos == len(src)
	} else {
		p.eofSafe = !lx.broken && !lx.endEscape && safeHere()
	}
	return p
}

func envrcIsRedirect(op string) bool {
	return op[0] == '<' || op[0] == '>' || strings.HasPrefix(op, "&>")
}

// ---- parsing: tokens ----

type envrcTokKind uint8

const (
	envrcTokWord envrcTokKind = iota
	envrcTokOp
	envrcTokNewline
)

// envrcToken is a word, an operator or a newline of the .envrc.
type envrcToken struct {
	kind  envrcTokKind
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

type envrcHeredoc struct {
	delim     string
	stripTabs bool
}

type envrcLexer struct {
	src       []byte
	pos       int
	toks      []envrcToken
	heredocs  []envrcHeredoc // waiting for their bodies after the next newline
	wantDelim int            // 1 after <<, 2 after <<-: the next word is a delimiter
	broken    bool           // an unterminated quote, substitution or here-document
	endEscape bool           // the last word ends with a backslash escaping nothing or a CR
}

// envrcOps lists bash's operators, longest first within each leading byte.
var envrcOps = [...]string{";;&", ";;", ";&", ";", "&&", "&>>", "&>", "&", "||", "|&", "|", "(", ")",
	"<<<", "<<-", "<<", "<&", "<>", "<", ">>", ">&", ">|", ">"}

func (lx *envrcLexer) at(i int) byte {
	if i < len(lx.src) {
		return lx.src[i]
	}
	return 0
}

// contLen returns the length of a backslash-newline line continuation at i.
func (lx *envrcLexer) contLen(i int) int {
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

func (lx *envrcLexer) run() {
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
			lx.toks = append(lx.toks, envrcToken{kind: envrcTokNewline, start: start, end: start + 1, next: lx.pos})
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

func (lx *envrcLexer) operator() {
	start := lx.pos
	for _, op := range envrcOps {
		if bytes.HasPrefix(lx.src[lx.pos:], []byte(op)) {
			lx.pos += len(op)
			lx.toks = append(lx.toks, envrcToken{kind: envrcTokOp, start: start, end: lx.pos, op: op})
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
	lx.toks = append(lx.toks, envrcToken{kind: envrcTokOp, start: start, end: lx.pos, op: string(lx.src[start])})
}

// readHeredocs consumes the bodies of the here-documents opened on the line
// that just ended.
func (lx *envrcLexer) readHeredocs() {
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

// envrcWordBuilder accumulates one word's value.
type envrcWordBuilder struct {
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

func (w *envrcWordBuilder) lit(c byte, quoted bool) {
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

func (w *envrcWordBuilder) dyn() {
	w.dynamic = true
	w.started = true
}

func (w *envrcWordBuilder) pwdRef() {
	if w.started {
		w.dyn()
		return
	}
	w.pwd = true
	w.started = true
}

func (lx *envrcLexer) word() {
	start := lx.pos
	w := envrcWordBuilder{nameOnly: true}
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
				if name != "" && !envrcIsDigit(name[0]) && !strings.Contains(name, "+") {
					w.assign = true
				}
			}
			if !envrcIsNameChar(c) && !(c == '+' && lx.at(lx.pos+1) == '=') {
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
	t := envrcToken{
		kind: envrcTokWord, start: start, end: lx.pos,
		text: text, pat: w.pat.String(),
		quoted: w.quoted, dynamic: w.dynamic, pwd: w.pwd, assign: w.assign,
	}
	if !w.quoted && !w.dynamic && text != "" && strings.Trim(text, "0123456789") == "" &&
		(lx.at(lx.pos) == '<' || lx.at(lx.pos) == '>') {
		t.ionum = true
	}
	lx.toks = append(lx.toks, t)
	if lx.wantDelim != 0 {
		lx.heredocs = append(lx.heredocs, envrcHeredoc{delim: text, stripTabs: lx.wantDelim == 2})
		lx.wantDelim = 0
	}
}

// double scans a double-quoted string; lx.pos is just past the opening quote.
func (lx *envrcLexer) double(w *envrcWordBuilder) {
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
func (lx *envrcLexer) dollar(w *envrcWordBuilder, inDouble bool) {
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
	case c == '_' || envrcIsLetter(c):
		start := lx.pos
		for lx.pos < len(lx.src) && envrcIsNameChar(lx.src[lx.pos]) {
			lx.pos++
		}
		if string(lx.src[start:lx.pos]) == "PWD" {
			w.pwdRef()
		} else {
			w.dyn()
		}
	case envrcIsDigit(c) || strings.IndexByte("@*#?$!-", c) >= 0:
		lx.pos++
		w.dyn()
	default:
		w.lit('$', inDouble)
	}
}

// skipBalanced skips to the close matching an open just consumed.
func (lx *envrcLexer) skipBalanced(open, close byte) {
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
			var scratch envrcWordBuilder
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

func (lx *envrcLexer) skipBackquote() {
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

func envrcIsLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func envrcIsDigit(c byte) bool  { return c >= '0' && c <= '9' }
func envrcIsNameChar(c byte) bool {
	return envrcIsLetter(c) || envrcIsDigit(c) || c == '_'
}
