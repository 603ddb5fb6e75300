package devshell

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/devsh/devsh/devshell/internal/textfile"
	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// ParseError is an invalid-TOML error; Error() = "path:line:col: message"
// (1-based line, 1-based byte column, as go-toml counts them).
type ParseError struct {
	Path      string
	Line, Col int
	Msg       string
}

// Error formats the error as "path:line:col: message".
func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
}

// Entry is one package string found in the file.
type Entry struct {
	Attr  string // the package string as written, e.g. "python3Packages.black"
	Table string // "devshell" for [devshell] packages (any spelling), "" for top-level packages
}

// ValidName reports whether name is an attribute path devshell can use:
// segments of [A-Za-z0-9_'+-] joined by '.', no empty segment. Anything else
// returns an error naming the problem.
func ValidName(name string) error {
	if name == "" {
		return errors.New("invalid package name: empty")
	}
	segStart := 0
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRuneInString(name[i:])
		switch {
		case r == '.':
			if i == segStart {
				return fmt.Errorf("invalid package name %q: empty attribute segment at byte %d", name, i)
			}
			segStart = i + 1
		case tomlNameRune(r):
		case r == utf8.RuneError && size == 1:
			return fmt.Errorf("invalid package name %q: invalid UTF-8 at byte %d", name, i)
		default:
			return fmt.Errorf("invalid package name %q: character %q at byte %d is not allowed (use letters, digits, _ ' + - and . between segments)", name, r, i)
		}
		i += size
	}
	if segStart == len(name) {
		return fmt.Errorf("invalid package name %q: empty attribute segment at the end", name)
	}
	return nil
}

// tomlNameRune reports whether r may appear in an attribute path segment.
func tomlNameRune(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
		r == '_' || r == '\'' || r == '+' || r == '-'
}

// Status says what an operation did to one name.
type Status int

// The outcomes of AddPackages and RemovePackages for one name.
const (
	Added             Status = iota // the name was appended to a packages list
	AlreadyPresent                  // the name is already in a packages list; nothing changed
	ProvidedByCommand               // the name is only a [[commands]] package; not duplicated
	Removed                         // every occurrence in the packages lists was removed
	NotPresent                      // the name is in no list; nothing changed
	OnlyInCommand                   // the name is only a [[commands]] package; nothing removed
)

// String returns a short human description of the status.
func (s Status) String() string {
	switch s {
	case Added:
		return "added"
	case AlreadyPresent:
		return "already present"
	case ProvidedByCommand:
		return "provided by a command"
	case Removed:
		return "removed"
	case NotPresent:
		return "not present"
	case OnlyInCommand:
		return "only in a command"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Result is what an operation did to one name.
type Result struct {
	Name   string
	Status Status
}

// Manifest is a parsed devshell.toml, keeping the original bytes.
type Manifest struct {
	data     []byte
	eol      string       // line ending for new lines: the file's own
	lists    []*tomlArray // packages arrays in file order
	commands []string
	imports  []string
	from     []string // [devshell] packagesFrom, read only

	dsHeader  *tomlInsertPoint // [devshell] header: where a packages key goes
	dsDotted  *tomlInsertPoint // root `devshell.x = ...` keys: where devshell.packages goes
	dsInline  *tomlInline      // root `devshell = { ... }`
	conflicts map[string]tomlConflict
}

// tomlInsertPoint is where a new key line goes: at is the start of the line
// after the anchor (or len(data)), indent copies the anchor line's indentation.
type tomlInsertPoint struct {
	at     int
	indent string
}

// tomlInline is an inline table value: the offsets of its braces and the end
// of its last key-value (-1 when it has none).
type tomlInline struct {
	open, close int
	lastKVEnd   int
}

// tomlConflict records a key whose shape stops devsh from adding packages,
// e.g. `packages = "x"`.
type tomlConflict struct {
	offset int
	msg    string
}

// Keys of Manifest.conflicts, named after the key path whose shape is wrong,
// because each blocks a different way of adding (see Manifest.add).
const (
	tomlConflictDevshell = "devshell"          // blocks creating [devshell] packages
	tomlConflictDsPkgs   = "devshell.packages" // blocks adding to [devshell] packages
	tomlConflictTopPkgs  = "packages"          // blocks adding to top-level packages
)

// tomlArray is one packages array: the offsets of its brackets, its elements
// and the tokens of its interior (elements, commas, comments, newlines).
type tomlArray struct {
	table       string
	open, close int
	elems       []tomlElem
	toks        []tomlTok
	keyIndent   string
}

// tomlElem is one array element: its byte range and, for strings, the
// decoded value.
type tomlElem struct {
	start, end int
	isStr      bool
	value      string
	literal    bool // written as a 'literal string'
	tok        int  // index in toks
}

// tomlTokKind is the kind of a token inside an array: what removal must
// keep balanced (commas), keep attached (comments) or may join (newlines).
type tomlTokKind int

// The tokens of an array interior; whitespace is implicit between them.
const (
	tomlTokElem    tomlTokKind = iota // a value
	tomlTokComma                      // a separator
	tomlTokComment                    // '#' to the end of the line, line ending excluded
	tomlTokNL                         // "\n" or "\r\n"
)

// tomlTok is one token with its byte range.
type tomlTok struct {
	kind       tomlTokKind
	start, end int
}

// ParseManifest parses data (the content of path) as a devshell.toml. Invalid
// TOML gives a *ParseError.
func ParseManifest(path string, data []byte) (*Manifest, error) {
	data = bytes.Clone(data)
	var p unstable.Parser
	p.Reset(data)
	m := &Manifest{data: data, eol: textfile.EOL(data), conflicts: map[string]tomlConflict{}}
	w := tomlWalker{m: m, p: &p}
	for p.NextExpression() {
		if err := w.expression(p.Expression()); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := p.Error(); err != nil {
		return nil, tomlParserError(path, data, err)
	}
	// The unstable parser checks syntax only; decoding also rejects
	// duplicate keys and redefined tables.
	var discard map[string]any
	if err := toml.Unmarshal(data, &discard); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			return nil, &ParseError{Path: path, Line: line, Col: col, Msg: strings.TrimPrefix(de.Error(), "toml: ")}
		}
		return nil, &ParseError{Path: path, Line: 1, Col: 1, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
	}
	slices.SortFunc(m.lists, func(a, b *tomlArray) int { return a.open - b.open })
	return m, nil
}

// tomlParserError turns an unstable.ParserError into a *ParseError.
func tomlParserError(path string, data []byte, err error) error {
	var pe *unstable.ParserError
	if !errors.As(err, &pe) {
		return &ParseError{Path: path, Line: 1, Col: 1, Msg: err.Error()}
	}
	offset := cap(data) - cap(pe.Highlight)
	if offset < 0 || offset > len(data) {
		offset = 0
	}
	line, col := tomlPosition(data, offset)
	return &ParseError{Path: path, Line: line, Col: col, Msg: pe.Message}
}

// tomlPosition returns the 1-based line and byte column of offset.
func tomlPosition(data []byte, offset int) (line, col int) {
	line = 1 + bytes.Count(data[:offset], []byte{'\n'})
	return line, offset - textfile.LineStart(data, offset) + 1
}

// Packages returns the package strings of `[devshell] packages` and top-level
// `packages`, in file order.
func (m *Manifest) Packages() []Entry {
	var out []Entry
	for _, l := range m.lists {
		for _, e := range l.elems {
			if e.isStr {
				out = append(out, Entry{Attr: e.value, Table: l.table})
			}
		}
	}
	return out
}

// CommandPackages returns the `package = "x"` values of [[commands]] entries.
func (m *Manifest) CommandPackages() []string { return slices.Clone(m.commands) }

// PackagesFrom returns the strings of `[devshell] packagesFrom` (any
// spelling): packages whose build inputs devshell adds to the shell. devsh
// lists them and never edits them.
func (m *Manifest) PackagesFrom() []string { return slices.Clone(m.from) }

// ShapeError reports a packages key that is not an array, e.g.
// `packages = "jq"`, as "path:line:col: packages is a string, not an array
// ..."; nil when both packages lists (where present) are arrays. devshell
// itself would reject such a file, and a reader would otherwise see no
// packages at all.
func (m *Manifest) ShapeError(path string) error {
	for _, key := range []string{tomlConflictDsPkgs, tomlConflictTopPkgs} {
		if c, ok := m.conflicts[key]; ok {
			line, col := tomlPosition(m.data, c.offset)
			return fmt.Errorf("%s:%d:%d: %s of package names: write it as a list, e.g. packages = [\"jq\"]", path, line, col, c.msg)
		}
	}
	return nil
}

// Imports returns the strings of the top-level `imports` array, as written.
func (m *Manifest) Imports() []string { return slices.Clone(m.imports) }

// hasPackage reports whether name is in either packages list.
func (m *Manifest) hasPackage(name string) bool {
	return slices.ContainsFunc(m.Packages(), func(e Entry) bool { return e.Attr == name })
}

// AddPackages adds names to the packages list the file uses and returns the
// new bytes and one Result per name. Names are validated first; on any error
// nothing is changed.
func AddPackages(path string, data []byte, names []string) ([]byte, []Result, error) {
	return tomlEdit(path, data, names, func(m *Manifest, name string) (*Manifest, Status, error) {
		switch {
		case m.hasPackage(name):
			return m, AlreadyPresent, nil
		case slices.Contains(m.commands, name):
			return m, ProvidedByCommand, nil
		}
		next, err := m.add(path, name)
		if err != nil {
			return nil, 0, err
		}
		if m, err = tomlCheckEdit(path, next, name); err != nil {
			return nil, 0, err
		}
		return m, Added, nil
	})
}

// RemovePackages removes every occurrence of names from the packages lists
// and returns the new bytes and one Result per name. Names are validated
// first; on any error nothing is changed.
func RemovePackages(path string, data []byte, names []string) ([]byte, []Result, error) {
	return tomlEdit(path, data, names, func(m *Manifest, name string) (*Manifest, Status, error) {
		if !m.hasPackage(name) {
			if slices.Contains(m.commands, name) {
				return m, OnlyInCommand, nil
			}
			if err := m.ShapeError(path); err != nil {
				return nil, 0, err
			}
			return m, NotPresent, nil
		}
		for m.hasPackage(name) {
			next, err := m.removeOne(name)
			if err != nil {
				return nil, 0, fmt.Errorf("%s: remove %s: %w", path, name, err)
			}
			if m, err = ParseManifest(path, next); err != nil {
				return nil, 0, fmt.Errorf("%s: remove %s produced invalid TOML (a devsh bug): %w", path, name, err)
			}
		}
		return m, Removed, nil
	})
}

// tomlEdit validates names, then applies step to each name in turn, each
// step getting the document the previous one left (parsed once) and
// returning it, edited or not, with the name's status. It returns the final
// bytes and the statuses; on any error nothing is changed.
func tomlEdit(path string, data []byte, names []string, step func(m *Manifest, name string) (*Manifest, Status, error)) ([]byte, []Result, error) {
	if err := tomlValidNames(names); err != nil {
		return nil, nil, err
	}
	if len(names) == 0 {
		return data, nil, nil
	}
	m, err := ParseManifest(path, data)
	if err != nil {
		return nil, nil, err
	}
	results := make([]Result, 0, len(names))
	for _, name := range names {
		var st Status
		if m, st, err = step(m, name); err != nil {
			return nil, nil, err
		}
		results = append(results, Result{name, st})
	}
	return m.data, results, nil
}

// tomlValidNames checks every name before anything is edited.
func tomlValidNames(names []string) error {
	for _, n := range names {
		if err := ValidName(n); err != nil {
			return err
		}
	}
	return nil
}

// tomlCheckEdit re-parses a document name was added to: an edit that breaks
// the file or lacks the name is a devsh bug, reported instead of written. It
// returns the parsed document for the next edit.
func tomlCheckEdit(path string, data []byte, name string) (*Manifest, error) {
	m, err := ParseManifest(path, data)
	if err != nil {
		return nil, fmt.Errorf("%s: editing %s produced invalid TOML (a devsh bug): %w", path, name, err)
	}
	if !m.hasPackage(name) {
		return nil, fmt.Errorf("%s: editing %s did not change the packages list (a devsh bug)", path, name)
	}
	return m, nil
}

// add returns the document with name appended to the list the file uses.
func (m *Manifest) add(path, name string) ([]byte, error) {
	var target *tomlArray
	for _, l := range m.lists {
		if l.table == "devshell" {
			target = l
		}
	}
	if target == nil {
		if c, ok := m.conflicts[tomlConflictDsPkgs]; ok {
			return nil, m.conflictErr(path, name, c)
		}
		for _, l := range m.lists {
			if l.table == "" {
				target = l
			}
		}
	}
	if target != nil {
		return tomlApply(m.data, m.addToArray(target, name)), nil
	}
	if c, ok := m.conflicts[tomlConflictTopPkgs]; ok {
		return nil, m.conflictErr(path, name, c)
	}
	if c, ok := m.conflicts[tomlConflictDevshell]; ok {
		return nil, m.conflictErr(path, name, c)
	}
	return tomlApply(m.data, m.createList(name)), nil
}

// conflictErr reports a conflict as "path:line:col: cannot add name: message".
func (m *Manifest) conflictErr(path, name string, c tomlConflict) error {
	line, col := tomlPosition(m.data, c.offset)
	return fmt.Errorf("%s:%d:%d: cannot add %s: %s", path, line, col, name, c.msg)
}

// tomlInsert is one splice: insert text at offset at (or replace [at, to)).
type tomlInsert struct {
	at, to int
	text   string
}

// tomlApply splices the inserts (sorted by offset, non-overlapping) into data.
func tomlApply(data []byte, ins []tomlInsert) []byte {
	slices.SortStableFunc(ins, func(a, b tomlInsert) int { return a.at - b.at })
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
func (m *Manifest) createList(name string) []tomlInsert {
	kv := "packages = [" + tomlQuote(name, false) + "]"
	d := m.data
	line := func(ip *tomlInsertPoint, text string) []tomlInsert {
		if ip.at == len(d) && len(d) > 0 && d[len(d)-1] != '\n' {
			return []tomlInsert{{at: ip.at, text: m.eol + ip.indent + text}}
		}
		return []tomlInsert{{at: ip.at, text: ip.indent + text + m.eol}}
	}
	switch {
	case m.dsHeader != nil:
		return line(m.dsHeader, kv)
	case m.dsInline != nil:
		in := m.dsInline
		if in.lastKVEnd >= 0 {
			return []tomlInsert{{at: in.lastKVEnd, text: ", " + kv}}
		}
		if tomlBlank(d[in.open+1 : in.close]) {
			return []tomlInsert{{at: in.open + 1, to: in.close, text: " " + kv + " "}}
		}
		return []tomlInsert{{at: in.close, text: kv + " "}}
	case m.dsDotted != nil:
		return line(m.dsDotted, "devshell."+kv)
	}
	block := "[devshell]" + m.eol + kv
	switch {
	case len(d) == 0:
		return []tomlInsert{{at: 0, text: block + m.eol}}
	case d[len(d)-1] != '\n':
		return []tomlInsert{{at: len(d), text: m.eol + m.eol + block}}
	}
	last := d[textfile.LineStart(d, len(d)-1) : len(d)-1]
	if tomlBlank(bytes.TrimSuffix(last, []byte{'\r'})) {
		return []tomlInsert{{at: len(d), text: block + m.eol}}
	}
	return []tomlInsert{{at: len(d), text: m.eol + block + m.eol}}
}

// addToArray returns the splices appending name to a, following its style.
func (m *Manifest) addToArray(a *tomlArray, name string) []tomlInsert {
	d := m.data
	literal := false
	for _, e := range a.elems {
		if e.isStr {
			literal = e.literal
		}
	}
	q := tomlQuote(name, literal)
	multiline := a.multiline()
	n := len(a.elems)
	if n == 0 {
		if !multiline {
			// `[]` -> `["c"]`, `[ ]` -> `[ "c" ]`.
			return []tomlInsert{{at: a.close, text: q + string(d[a.open+1:a.close])}}
		}
		indent := a.keyIndent + "  "
		for _, t := range a.toks {
			if t.kind == tomlTokComment && tomlBlank(d[textfile.LineStart(d, t.start):t.start]) {
				indent = string(d[textfile.LineStart(d, t.start):t.start])
			}
		}
		return []tomlInsert{{at: textfile.LineStart(d, a.close), text: indent + q + m.eol}}
	}
	last := a.elems[n-1]
	if !multiline {
		sep := ", "
		if n >= 2 {
			gap := d[a.elems[n-2].end:last.start]
			if bytes.Count(gap, []byte{','}) == 1 && tomlBlank(bytes.Replace(gap, []byte{','}, nil, 1)) {
				sep = string(gap)
			}
		}
		return []tomlInsert{{at: last.end, text: sep + q}}
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
	r := tomlSkipBlank(d, anchor)
	if r < a.close && d[r] == '#' {
		r = tomlCommentEnd(d, r)
		r = tomlSkipBlank(d, r)
	}
	if r < a.close {
		nlEnd := r + 1
		if d[r] == '\r' {
			nlEnd = r + 2
		}
		if comma >= 0 {
			return []tomlInsert{{at: nlEnd, text: indent + q + "," + m.eol}}
		}
		return []tomlInsert{
			{at: last.end, text: ","},
			{at: nlEnd, text: indent + q + m.eol},
		}
	}
	if comma >= 0 {
		return []tomlInsert{{at: anchor, text: m.eol + indent + q + ","}}
	}
	return []tomlInsert{{at: last.end, text: "," + m.eol + indent + q}}
}

// commaFirst reports whether a is written comma-first: on several lines,
// at least two elements, each element after the first preceded on its own
// line by its comma (nothing but blanks before the comma), and no comma after
// the last element:
//
//	packages = [ "a"
//	           , "b"
//	           ]
func (a *tomlArray) commaFirst(d []byte) bool {
	if len(a.elems) < 2 || !a.multiline() || a.commaAfter(a.elems[len(a.elems)-1].tok) >= 0 {
		return false
	}
	for _, e := range a.elems[1:] {
		c := e.tok - 1
		if c < 0 || a.toks[c].kind != tomlTokComma {
			return false
		}
		if c == 0 || a.toks[c-1].kind != tomlTokNL {
			return false // the comma does not start its line
		}
		if !tomlBlank(d[textfile.LineStart(d, a.toks[c].start):a.toks[c].start]) {
			return false
		}
	}
	return true
}

// addCommaFirst returns the splice appending q to the comma-first array a:
// a new line after the last element's, starting like that line (its
// indentation and comma), e.g. `           , "d"`.
func (a *tomlArray) addCommaFirst(d []byte, q, eol string) []tomlInsert {
	last := a.elems[len(a.elems)-1]
	prefix := string(d[textfile.LineStart(d, last.start):last.start])
	r := tomlSkipBlank(d, last.end)
	if r < a.close && d[r] == '#' {
		r = tomlSkipBlank(d, tomlCommentEnd(d, r))
	}
	if r < a.close && (d[r] == '\n' || d[r] == '\r') {
		nlEnd := r + 1
		if d[r] == '\r' {
			nlEnd = r + 2
		}
		return []tomlInsert{{at: nlEnd, text: prefix + q + eol}}
	}
	// The closing bracket follows the last element on its line.
	return []tomlInsert{{at: last.end, text: eol + prefix + q}}
}

// commaFirstRemovals returns the candidate deletions of element i of the
// comma-first array a, tidiest first: an element after the first goes with
// its leading comma and, when it stood alone, its line; the first element
// goes with the next element's leading comma.
func (a *tomlArray) commaFirstRemovals(d []byte, i, tailEnd int) [][]tomlInsert {
	e := a.elems[i]
	if i == 0 {
		next := a.elems[1]
		lead := a.toks[next.tok-1]
		return [][]tomlInsert{
			{{at: e.start, to: next.start}},
			{{at: e.start, to: tailEnd}, {at: lead.start, to: next.start}},
		}
	}
	lead := a.toks[e.tok-1]
	ls := textfile.LineStart(d, lead.start)
	q := tomlSkipBlank(d, tailEnd)
	var out [][]tomlInsert
	switch {
	case q < a.close && d[q] == '\n':
		out = append(out, []tomlInsert{{at: ls, to: q + 1}})
	case q+1 < a.close && d[q] == '\r' && d[q+1] == '\n':
		out = append(out, []tomlInsert{{at: ls, to: q + 2}})
	default: // the closing bracket is on this line: join it to the previous line
		prevEOL := ls - 1
		if prevEOL > a.open && d[prevEOL-1] == '\r' {
			prevEOL--
		}
		if prevEOL > a.open {
			out = append(out, []tomlInsert{{at: prevEOL, to: tailEnd}})
		}
	}
	return append(out, []tomlInsert{{at: lead.start, to: tailEnd}})
}

// elemIndent returns the indentation for a new line holding an element like
// element i: its line's leading whitespace, or, when it sits on the line of
// the opening bracket, whitespace reaching the first element on that line.
func (a *tomlArray) elemIndent(d []byte, i int) string {
	ls := textfile.LineStart(d, a.elems[i].start)
	if a.open < ls {
		return tomlLeadingBlank(d, ls)
	}
	for _, e := range a.elems {
		if e.start > a.open {
			return tomlIndentLike(d[ls:e.start])
		}
	}
	return tomlLeadingBlank(d, ls)
}

// multiline reports whether the array spans lines between its tokens.
func (a *tomlArray) multiline() bool {
	return slices.ContainsFunc(a.toks, func(t tomlTok) bool { return t.kind == tomlTokNL })
}

// commaAfter returns the index of the comma token following the element
// token k (before the next element), or -1.
func (a *tomlArray) commaAfter(k int) int {
	for j := k + 1; j < len(a.toks); j++ {
		switch a.toks[j].kind {
		case tomlTokComma:
			return j
		case tomlTokElem:
			return -1
		}
	}
	return -1
}

// removeOne returns the document without the first occurrence of name.
func (m *Manifest) removeOne(name string) ([]byte, error) {
	for _, a := range m.lists {
		for i, e := range a.elems {
			if e.isStr && e.value == name {
				return tomlApply(m.data, a.removeRanges(m.data, i)), nil
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
func (a *tomlArray) removeRanges(d []byte, i int) []tomlInsert {
	e := a.elems[i]
	k := e.tok
	last := len(a.elems) - 1
	comma := a.commaAfter(k)
	ownComment := -1
	tailEnd := e.end
	for j := k + 1; j < len(a.toks); j++ {
		t := a.toks[j]
		if t.kind == tomlTokNL || t.kind == tomlTokElem {
			break
		}
		tailEnd = t.end
		if t.kind == tomlTokComment {
			ownComment = j
			break
		}
	}
	var p tomlElem
	pComma := -1
	if i > 0 {
		p = a.elems[i-1]
		pComma = a.commaAfter(p.tok)
	}
	needPComma := comma < 0 && i == last && i > 0
	pCommaRange := func() tomlInsert {
		c := a.toks[pComma]
		if tomlBlank(d[p.end:c.start]) {
			return tomlInsert{at: p.end, to: c.end}
		}
		return tomlInsert{at: c.start, to: c.end}
	}

	if a.commaFirst(d) {
		for _, r := range a.commaFirstRemovals(d, i, tailEnd) {
			if a.validRemoval(d, r, k, ownComment) {
				return r
			}
		}
	}
	var tidy []tomlInsert
	q := tomlSkipBlank(d, tailEnd)
	qNL := q < a.close && (d[q] == '\n' || d[q] == '\r')
	qNext := i < last && q == a.elems[i+1].start
	if !a.multiline() {
		switch {
		case len(a.elems) == 1:
			tidy = []tomlInsert{{at: e.start, to: a.close}}
		case i < last:
			tidy = []tomlInsert{{at: e.start, to: a.elems[i+1].start}}
		default:
			tidy = []tomlInsert{{at: p.end, to: e.end}}
		}
	} else {
		ls := textfile.LineStart(d, e.start)
		wsBefore := ls > a.open && tomlBlank(d[ls:e.start])
		switch {
		case wsBefore && qNL:
			nlEnd := q + 1
			if d[q] == '\r' {
				nlEnd = q + 2
			}
			tidy = []tomlInsert{{at: ls, to: nlEnd}}
			if needPComma {
				tidy = append([]tomlInsert{pCommaRange()}, tidy...)
			}
		case qNext:
			tidy = []tomlInsert{{at: e.start, to: a.elems[i+1].start}}
		case i > 0 && p.end > ls && pComma >= 0:
			if comma >= 0 {
				tidy = []tomlInsert{{at: a.toks[pComma].end, to: tailEnd}}
			} else {
				tidy = []tomlInsert{{at: p.end, to: tailEnd}}
			}
		case a.open >= ls:
			tidy = []tomlInsert{{at: a.open + 1, to: tailEnd}}
		case wsBefore && q == a.close:
			switch {
			case i == 0:
				tidy = []tomlInsert{{at: e.start, to: a.close}}
			case comma >= 0:
				tidy = []tomlInsert{{at: a.toks[pComma].end, to: tailEnd}}
			default:
				tidy = []tomlInsert{{at: p.end, to: tailEnd}}
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
	minimal := []tomlInsert{{at: e.start, to: e.end}}
	if comma >= 0 {
		minimal = append(minimal, tomlInsert{at: a.toks[comma].start, to: a.toks[comma].end})
	}
	if ownComment >= 0 {
		minimal = append(minimal, tomlInsert{at: a.toks[ownComment].start, to: a.toks[ownComment].end})
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
func (a *tomlArray) dropBlankedLines(d []byte, ranges []tomlInsert) []tomlInsert {
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
			out = append(out, tomlInsert{at: ls, to: end + 1})
		}
	}
	// Merge overlapping ranges.
	slices.SortFunc(out, func(x, y tomlInsert) int { return x.at - y.at })
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
func (a *tomlArray) validRemoval(d []byte, ranges []tomlInsert, k, ownComment int) bool {
	slices.SortFunc(ranges, func(x, y tomlInsert) int { return x.at - y.at })
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
	covered := make([]bool, len(d))
	var kept []tomlTok
	for j, t := range a.toks {
		full, partial := inRange(t.start, t.end)
		if partial {
			return false
		}
		if !full {
			kept = append(kept, t)
			continue
		}
		switch t.kind {
		case tomlTokElem:
			if j != k {
				return false
			}
		case tomlTokComment:
			if j != ownComment {
				return false
			}
		}
		for x := t.start; x < t.end; x++ {
			covered[x] = true
		}
	}
	if full, _ := inRange(a.toks[k].start, a.toks[k].end); !full {
		return false
	}
	for _, r := range ranges {
		for x := r.at; x < r.to; x++ {
			if !covered[x] && d[x] != ' ' && d[x] != '\t' {
				return false
			}
		}
	}
	// The kept tokens must still read (elem (comma elem)*)? comma?, and
	// every kept comment must still end its line.
	prev := tomlTokComma // as if after '['
	first := true
	for j, t := range kept {
		switch t.kind {
		case tomlTokElem:
			if !first && prev == tomlTokElem {
				return false
			}
			prev, first = tomlTokElem, false
		case tomlTokComma:
			if first || prev == tomlTokComma {
				return false
			}
			prev = tomlTokComma
		case tomlTokComment:
			if j+1 >= len(kept) || kept[j+1].kind != tomlTokNL {
				return false
			}
		}
	}
	return true
}

// tomlQuote writes name as a TOML string: a literal string when the list
// uses them and name allows it, else a basic string. Valid names never need
// escaping.
func tomlQuote(name string, literal bool) string {
	if literal && !strings.Contains(name, "'") {
		return "'" + name + "'"
	}
	return `"` + name + `"`
}

// The TOML, .envrc and .gitignore editors all add lines with it.

// tomlBlank reports whether b holds only spaces and tabs.
func tomlBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// tomlIndentLike returns whitespace as wide as prefix: tabs kept, every other
// character a space.
func tomlIndentLike(prefix []byte) string {
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

// tomlLeadingBlank returns the indentation of the line holding pos.
func tomlLeadingBlank(d []byte, pos int) string {
	ls := textfile.LineStart(d, pos)
	i := ls
	for i < len(d) && (d[i] == ' ' || d[i] == '\t') {
		i++
	}
	return string(d[ls:i])
}

// tomlSkipBlank skips spaces and tabs from pos.
func tomlSkipBlank(d []byte, pos int) int {
	for pos < len(d) && (d[pos] == ' ' || d[pos] == '\t') {
		pos++
	}
	return pos
}

// tomlCommentEnd returns the end of the comment starting at pos (before the
// line ending).
func tomlCommentEnd(d []byte, pos int) int {
	for pos < len(d) && d[pos] != '\n' && !(d[pos] == '\r' && pos+1 < len(d) && d[pos+1] == '\n') {
		pos++
	}
	return pos
}

// tomlSkipTrivia skips whitespace, newlines, commas and comments: everything
// that may sit between values inside an array or inline table.
func tomlSkipTrivia(d []byte, pos int) int {
	for pos < len(d) {
		switch d[pos] {
		case ' ', '\t', '\n', '\r', ',':
			pos++
		case '#':
			pos = tomlCommentEnd(d, pos)
		default:
			return pos
		}
	}
	return pos
}

// tomlLexTrivia tokenises d[from:to], which must hold only trivia.
func tomlLexTrivia(d []byte, from, to int, toks []tomlTok) ([]tomlTok, error) {
	for pos := from; pos < to; {
		switch c := d[pos]; {
		case c == ' ' || c == '\t':
			pos++
		case c == '\n':
			toks = append(toks, tomlTok{tomlTokNL, pos, pos + 1})
			pos++
		case c == '\r' && pos+1 < to && d[pos+1] == '\n':
			toks = append(toks, tomlTok{tomlTokNL, pos, pos + 2})
			pos += 2
		case c == ',':
			toks = append(toks, tomlTok{tomlTokComma, pos, pos + 1})
			pos++
		case c == '#':
			end := tomlCommentEnd(d, pos)
			toks = append(toks, tomlTok{tomlTokComment, pos, end})
			pos = end
		default:
			return nil, fmt.Errorf("unexpected %q at offset %d inside an array", c, pos)
		}
	}
	return toks, nil
}

// tomlLineAfter returns the start of the line after the expression ending at
// pos (skipping blanks and a trailing comment), or len(d).
func tomlLineAfter(d []byte, pos int) int {
	pos = tomlSkipBlank(d, pos)
	if pos < len(d) && d[pos] == '#' {
		pos = tomlCommentEnd(d, pos)
	}
	switch {
	case pos < len(d) && d[pos] == '\n':
		return pos + 1
	case pos+1 < len(d) && d[pos] == '\r' && d[pos+1] == '\n':
		return pos + 2
	}
	return pos
}

// tomlValueEnd returns the end offset of value node n starting at start.
// Arrays and inline tables carry no full range in the unstable AST, so their
// end is found after their last child.
func tomlValueEnd(d []byte, n *unstable.Node, start int) (int, error) {
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
				end, err := tomlValueEnd(d, c, tomlSkipTrivia(d, pos))
				if err != nil {
					return 0, err
				}
				pos = end
			}
		}
		pos = tomlSkipTrivia(d, pos)
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

// tomlWalker visits the top-level expressions in order, tracking the current
// table header.
type tomlWalker struct {
	m          *Manifest
	p          *unstable.Parser
	section    []string
	arrayTable bool
	inDevshell bool // in the [devshell] section itself
}

// tomlKeyParts returns the decoded parts of a key and its first and last
// key nodes.
func tomlKeyParts(n *unstable.Node) (parts []string, first, last *unstable.Node) {
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
func (w *tomlWalker) expression(n *unstable.Node) error {
	d := w.m.data
	switch n.Kind {
	case unstable.Table, unstable.ArrayTable:
		parts, first, last := tomlKeyParts(n)
		w.section, w.arrayTable = parts, n.Kind == unstable.ArrayTable
		w.inDevshell = n.Kind == unstable.Table && slices.Equal(parts, []string{"devshell"})
		if n.Kind == unstable.ArrayTable {
			w.conflict(parts, int(first.Raw.Offset), "an array of tables")
		} else if !w.inDevshell {
			w.conflict(parts, int(first.Raw.Offset), "a table")
		}
		if w.inDevshell {
			end := tomlSkipBlank(d, int(last.Raw.Offset+last.Raw.Length))
			end = tomlSkipBlank(d, end+1) // past ']'
			w.m.dsHeader = &tomlInsertPoint{at: tomlLineAfter(d, end), indent: tomlLeadingBlank(d, int(first.Raw.Offset))}
		}
		return nil
	case unstable.KeyValue:
		start, end := int(n.Raw.Offset), int(n.Raw.Offset+n.Raw.Length)
		keys, _, _ := tomlKeyParts(n)
		if w.inDevshell {
			w.m.dsHeader = &tomlInsertPoint{at: tomlLineAfter(d, end), indent: tomlLeadingBlank(d, start)}
		}
		if len(w.section) == 0 && len(keys) > 1 && keys[0] == "devshell" {
			w.m.dsDotted = &tomlInsertPoint{at: tomlLineAfter(d, end), indent: tomlLeadingBlank(d, start)}
		}
		return w.keyValue(slices.Clone(w.section), n)
	}
	return nil
}

// conflict records a key path that makes `devshell` or a packages key
// something devsh cannot add to, e.g. `packages = "x"` or `[[devshell]]`.
func (w *tomlWalker) conflict(path []string, offset int, what string) {
	var key, want string
	switch {
	case len(path) >= 2 && path[0] == "devshell" && path[1] == "packages":
		key, want = tomlConflictDsPkgs, "an array"
		if len(path) > 2 {
			what = "a table"
		}
	case len(path) >= 1 && path[0] == "packages":
		key, want = tomlConflictTopPkgs, "an array"
		if len(path) > 1 {
			what = "a table"
		}
	case len(path) == 1 && path[0] == "devshell":
		key, want = tomlConflictDevshell, "a table"
	default:
		return
	}
	if _, ok := w.m.conflicts[key]; !ok {
		w.m.conflicts[key] = tomlConflict{offset: offset, msg: key + " is " + what + ", not " + want}
	}
}

// tomlKindName names a value kind with its article, for messages.
func tomlKindName(k unstable.Kind) string {
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
func (w *tomlWalker) keyValue(path []string, kv *unstable.Node) error {
	d := w.m.data
	keys, _, lastKey := tomlKeyParts(kv)
	full := append(path, keys...)
	v := kv.Value()
	kvStart, kvEnd := int(kv.Raw.Offset), int(kv.Raw.Offset+kv.Raw.Length)
	// The value starts after the last key part, blanks, '=' and blanks.
	vStart := tomlSkipBlank(d, int(lastKey.Raw.Offset+lastKey.Raw.Length))
	vStart = tomlSkipBlank(d, vStart+1)

	isDs := slices.Equal(full, []string{"devshell", "packages"})
	isTop := slices.Equal(full, []string{"packages"})
	switch {
	case (isDs || isTop) && v.Kind == unstable.Array:
		table := ""
		if isDs {
			table = "devshell"
		}
		a, err := tomlReadArray(d, v, vStart, kvEnd, table)
		if err != nil {
			return err
		}
		a.keyIndent = tomlLeadingBlank(d, kvStart)
		w.m.lists = append(w.m.lists, a)
		return nil
	case slices.Equal(full, []string{"devshell"}) && v.Kind == unstable.InlineTable && len(path) == 0:
		in := &tomlInline{open: vStart, lastKVEnd: -1}
		end, err := tomlValueEnd(d, v, vStart)
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
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.String {
				w.m.from = append(w.m.from, string(c.Data))
			}
		}
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
				if ks, _, _ := tomlKeyParts(c); slices.Equal(ks, []string{"package"}) && c.Value().Kind == unstable.String {
					w.m.commands = append(w.m.commands, string(c.Value().Data))
				}
			}
		}
		return nil
	default:
		w.conflict(full, kvStart, tomlKindName(v.Kind))
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

// tomlReadArray reads the packages array node v, whose '[' is at open and
// whose ']' ends at end.
func tomlReadArray(d []byte, v *unstable.Node, open, end int, table string) (*tomlArray, error) {
	if open >= len(d) || d[open] != '[' || d[end-1] != ']' {
		return nil, fmt.Errorf("cannot locate the packages array at offset %d", open)
	}
	a := &tomlArray{table: table, open: open, close: end - 1}
	pos := open + 1
	var err error
	it := v.Children()
	for it.Next() {
		c := it.Node()
		if c.Kind == unstable.Comment {
			continue
		}
		start := tomlSkipTrivia(d, pos)
		if a.toks, err = tomlLexTrivia(d, pos, start, a.toks); err != nil {
			return nil, err
		}
		cend, err := tomlValueEnd(d, c, start)
		if err != nil {
			return nil, err
		}
		e := tomlElem{start: start, end: cend, tok: len(a.toks)}
		if c.Kind == unstable.String {
			e.isStr, e.value = true, string(c.Data)
			e.literal = d[start] == '\'' && !bytes.HasPrefix(d[start:], []byte("'''"))
		}
		a.elems = append(a.elems, e)
		a.toks = append(a.toks, tomlTok{tomlTokElem, start, cend})
		pos = cend
	}
	if a.toks, err = tomlLexTrivia(d, pos, a.close, a.toks); err != nil {
		return nil, err
	}
	return a, nil
}
