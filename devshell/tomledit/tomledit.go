// Package tomledit is the format-preserving editor of devshell.toml: it adds
// and removes package names without changing any other byte of the file.
//
// The flow is pure, bytes in and bytes out. Parse checks the document with
// go-toml/v2 (its unstable parser for positions, Unmarshal only to catch
// duplicate keys, in chunks for a large file (decode.go) — the file is never
// written back through Marshal) and walks
// the AST (walk.go), recording by byte offset where the package lists are:
// [devshell] packages in any spelling, the top-level packages, the
// [[commands]] packages, packagesFrom, imports, and keys that would clash
// with a new list. Add (add.go) and Remove (remove.go) then splice bytes in
// the list's own style — single- or multi-line, indentation, trailing or
// leading commas, quoting, comments — re-parsing after every name, so each
// step starts from a valid document. Reading and writing the file is
// package devshell's.
package tomledit

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/devsh/devsh/devshell/internal/textfile"
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
		case nameRune(r):
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

// nameRune reports whether r may appear in an attribute path segment.
func nameRune(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
		r == '_' || r == '\'' || r == '+' || r == '-'
}

// Status says what an operation did to one name.
type Status int

// The outcomes of Add and Remove for one name.
const (
	Added             Status = iota // the name was appended to a packages list
	AlreadyPresent                  // the name is already in a packages list; nothing changed
	ProvidedByCommand               // the name is only a [[commands]] package; not duplicated
	Removed                         // every occurrence in the packages lists was removed
	NotPresent                      // the name is in no list; nothing changed
	OnlyInCommand                   // the name is only a [[commands]] package; nothing removed
)

// String returns the outcome in the words the CLI and the TUI both print,
// e.g. "already in devshell.toml".
func (s Status) String() string {
	switch s {
	case Added:
		return "added"
	case AlreadyPresent:
		return "already in devshell.toml"
	case ProvidedByCommand:
		return "already provided by a [[commands]] entry"
	case Removed:
		return "removed"
	case NotPresent:
		return "not in devshell.toml"
	case OnlyInCommand:
		return "only provided by a [[commands]] entry"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Result is what an operation did to one name.
type Result struct {
	Name   string
	Status Status
	// As is, for AlreadyPresent and ProvidedByCommand, the other name of
	// the same package that the file has (python313Packages.black for
	// pythonPackages.black, see AddAliased); "" when it has Name itself.
	As string
}

// String is the one line printed for the result, a mark then the name and
// its status: "+ cargo-edit added", "- jq removed", "= jq already in
// devshell.toml", "= pythonPackages.black already in devshell.toml (as
// python313Packages.black)".
func (r Result) String() string {
	mark := "="
	switch r.Status {
	case Added:
		mark = "+"
	case Removed:
		mark = "-"
	}
	s := mark + " " + r.Name + " " + r.Status.String()
	if r.As != "" {
		s += " (as " + r.As + ")"
	}
	return s
}

// Manifest is a parsed devshell.toml, keeping the original bytes.
type Manifest struct {
	data     []byte
	eol      string   // line ending for new lines: the file's own
	lists    []*array // packages arrays in file order
	commands []string
	imports  []string
	from     []string // [devshell] packagesFrom, read only

	dsHeader  *insertPoint // [devshell] header: where a packages key goes
	dsDotted  *insertPoint // root `devshell.x = ...` keys: where devshell.packages goes
	dsInline  *inline      // root `devshell = { ... }`
	conflicts map[string]conflict
}

// insertPoint is where a new key line goes: at is the start of the line
// after the anchor (or len(data)), indent copies the anchor line's indentation.
type insertPoint struct {
	at     int
	indent string
}

// inline is an inline table value: the offsets of its braces and the end
// of its last key-value (-1 when it has none).
type inline struct {
	open, close int
	lastKVEnd   int
}

// conflict records a key whose shape stops devsh from adding packages,
// e.g. `packages = "x"`.
type conflict struct {
	offset int
	msg    string
}

// Keys of Manifest.conflicts, named after the key path whose shape is wrong,
// because each blocks a different way of adding (see Manifest.add).
const (
	conflictDevshell = "devshell"              // blocks creating [devshell] packages
	conflictDsPkgs   = "devshell.packages"     // blocks adding to [devshell] packages
	conflictTopPkgs  = "packages"              // blocks adding to top-level packages
	conflictDsFrom   = "devshell.packagesFrom" // not a list: devshell rejects the file
	// elemSuffix marks the key of a list's first element that is not a
	// string ("packages" + elemSuffix): devshell rejects the file.
	elemSuffix = " element"
)

// shapeKeys are the conflicts that make devshell reject the file and devsh
// misread it (see Manifest.ShapeError).
func shapeKeys() []string {
	return []string{conflictDsPkgs, conflictTopPkgs, conflictDsFrom,
		conflictDsPkgs + elemSuffix, conflictTopPkgs + elemSuffix, conflictDsFrom + elemSuffix}
}

// array is one packages array: the offsets of its brackets, its elements
// and the tokens of its interior (elements, commas, comments, newlines).
type array struct {
	table       string
	open, close int
	elems       []elem
	toks        []tok
	keyIndent   string
}

// elem is one array element: its byte range and, for strings, the
// decoded value.
type elem struct {
	start, end int
	isStr      bool
	value      string
	literal    bool          // written as a 'literal string'
	kind       unstable.Kind // the value's, e.g. unstable.String
	tok        int           // index in toks
}

// tokKind is the kind of a token inside an array: what removal must
// keep balanced (commas), keep attached (comments) or may join (newlines).
type tokKind int

// The tokens of an array interior; whitespace is implicit between them.
const (
	tokElem    tokKind = iota // a value
	tokComma                  // a separator
	tokComment                // '#' to the end of the line, line ending excluded
	tokNL                     // "\n" or "\r\n"
)

// tok is one token with its byte range.
type tok struct {
	kind       tokKind
	start, end int
}

// Parse parses data (the content of path) as a devshell.toml; a leading
// UTF-8 byte order mark is skipped (see textfile.BOM), and positions count from
// after it. Invalid TOML gives a *ParseError.
func Parse(path string, data []byte) (*Manifest, error) {
	data = bytes.Clone(textfile.TrimBOM(data))
	var p unstable.Parser
	p.Reset(data)
	m := &Manifest{data: data, eol: textfile.EOL(data), conflicts: map[string]conflict{}}
	w := walker{m: m, p: &p}
	dc := newDecodeCheck(decodeChunkExprs)
	for p.NextExpression() {
		n := p.Expression()
		if err := w.expression(n); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		dc.expression(data, n)
	}
	if err := p.Error(); err != nil {
		return nil, parserError(path, data, err)
	}
	// The unstable parser checks syntax only; decoding also rejects
	// duplicate keys and redefined tables (decode.go).
	if err := dc.decodeErr(data); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			return nil, &ParseError{Path: path, Line: line, Col: col, Msg: strings.TrimPrefix(de.Error(), "toml: ")}
		}
		return nil, &ParseError{Path: path, Line: 1, Col: 1, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
	}
	slices.SortFunc(m.lists, func(a, b *array) int { return a.open - b.open })
	return m, nil
}

// parserError turns an unstable.ParserError into a *ParseError.
func parserError(path string, data []byte, err error) error {
	var pe *unstable.ParserError
	if !errors.As(err, &pe) {
		return &ParseError{Path: path, Line: 1, Col: 1, Msg: err.Error()}
	}
	offset := cap(data) - cap(pe.Highlight)
	if offset < 0 || offset > len(data) {
		offset = 0
	}
	line, col := position(data, offset)
	return &ParseError{Path: path, Line: line, Col: col, Msg: pe.Message}
}

// position returns the 1-based line and byte column of offset.
func position(data []byte, offset int) (line, col int) {
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

// ShapeError reports, at the first such place in the file, a packages or
// packagesFrom key that is not an array, e.g. `packages = "jq"`, as
// "path:line:col: packages is a string, not an array of package names: write
// it as a list, e.g. packages = ["jq"]", or an element of one that is not a
// string (`packages = [1]`); nil when there is none. devshell itself would
// reject such a file, and a reader would otherwise see no packages at all.
func (m *Manifest) ShapeError(path string) error {
	var first conflict
	key := ""
	for _, k := range shapeKeys() {
		if c, ok := m.conflicts[k]; ok && (key == "" || c.offset < first.offset) {
			first, key = c, k
		}
	}
	if key == "" {
		return nil
	}
	line, col := position(m.data, first.offset)
	msg := first.msg
	switch key {
	case conflictDsPkgs, conflictTopPkgs:
		msg += " of package names: write it as a list, e.g. packages = [\"jq\"]"
	case conflictDsFrom:
		msg += " of package names: write it as a list, e.g. packagesFrom = [\"openssl\"]"
	}
	return fmt.Errorf("%s:%d:%d: %s", path, line, col, msg)
}

// hasPackage reports whether name is in either packages list.
func (m *Manifest) hasPackage(name string) bool {
	return slices.ContainsFunc(m.Packages(), func(e Entry) bool { return e.Attr == name })
}

// Add adds names to the packages list the file uses and returns the
// new bytes and one Result per name. Names are validated first; on any error
// nothing is changed.
func Add(path string, data []byte, names []string) ([]byte, []Result, error) {
	return AddAliased(path, data, names, nil)
}

// AddAliased is Add where a name also counts as present when the file has
// another name of the same package: aliases(name) lists them (nixpkgs'
// pythonPackages.black is python313Packages.black; see
// nixsearch.Index.Names), and such a name's Result is AlreadyPresent or
// ProvidedByCommand with As naming the one the file has. The names are
// compared in the order aliases gives them, after name itself. A nil
// aliases compares names as written, like Add.
func AddAliased(path string, data []byte, names []string, aliases func(name string) []string) ([]byte, []Result, error) {
	if len(names) >= addBatchMin {
		if out, res, ok, err := addBatch(path, data, names, aliases); err != nil || ok {
			return out, res, err
		}
	}
	return addEach(path, data, names, aliases)
}

// addEach is AddAliased name by name: each name is spliced in and the
// document parsed again (checkEdit).
func addEach(path string, data []byte, names []string, aliases func(string) []string) ([]byte, []Result, error) {
	return edit(path, data, names, func(m *Manifest, name string) (*Manifest, Result, error) {
		if r, ok := presentAs(name, aliases, m.hasPackage, m.hasCommand); ok {
			return m, r, nil
		}
		m, err := m.addChecked(path, name)
		if err != nil {
			return nil, Result{}, err
		}
		return m, Result{Name: name, Status: Added}, nil
	})
}

// presentAs reports whether a file already has name, or one of
// aliases(name), in a packages list (inList) or a [[commands]] entry
// (inCommands), and which: the Result of an add that changes nothing.
func presentAs(name string, aliases func(string) []string, inList, inCommands func(string) bool) (Result, bool) {
	names := []string{name}
	if aliases != nil {
		for _, a := range aliases(name) {
			if a != name {
				names = append(names, a)
			}
		}
	}
	for _, n := range names {
		as := ""
		if n != name {
			as = n
		}
		switch {
		case inList(n):
			return Result{Name: name, Status: AlreadyPresent, As: as}, true
		case inCommands(n):
			return Result{Name: name, Status: ProvidedByCommand, As: as}, true
		}
	}
	return Result{}, false
}

// hasCommand reports whether a [[commands]] entry's package is name.
func (m *Manifest) hasCommand(name string) bool { return slices.Contains(m.commands, name) }

// Remove removes every occurrence of names from the packages lists
// and returns the new bytes and one Result per name. Names are validated
// first; on any error nothing is changed.
func Remove(path string, data []byte, names []string) ([]byte, []Result, error) {
	if len(names) >= removeBatchMin {
		if out, res, ok, err := removeBatch(path, data, names); err != nil || ok {
			return out, res, err
		}
	}
	return removeEach(path, data, names)
}

// removeEach is Remove name by name, parsing the document again after
// each removal.
func removeEach(path string, data []byte, names []string) ([]byte, []Result, error) {
	return edit(path, data, names, func(m *Manifest, name string) (*Manifest, Result, error) {
		if !m.hasPackage(name) {
			if slices.Contains(m.commands, name) {
				return m, Result{Name: name, Status: OnlyInCommand}, nil
			}
			return m, Result{Name: name, Status: NotPresent}, nil
		}
		for m.hasPackage(name) {
			next, err := m.removeOne(name)
			if err != nil {
				return nil, Result{}, fmt.Errorf("%s: remove %s: %w", path, name, err)
			}
			if m, err = Parse(path, next); err != nil {
				return nil, Result{}, fmt.Errorf("%s: remove %s produced invalid TOML (a devsh bug): %w", path, name, err)
			}
		}
		return m, Result{Name: name, Status: Removed}, nil
	})
}

// edit validates names, then applies step to each name in turn, each
// step getting the document the previous one left (parsed once) and
// returning it, edited or not, with the name's result. It returns the final
// bytes and the results; on any error nothing is changed.
func edit(path string, data []byte, names []string, step func(m *Manifest, name string) (*Manifest, Result, error)) ([]byte, []Result, error) {
	if err := ValidNames(names); err != nil {
		return nil, nil, err
	}
	if len(names) == 0 {
		return data, nil, nil
	}
	m, err := Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	// A file devshell rejects is reported, not edited further.
	if err := m.ShapeError(path); err != nil {
		return nil, nil, err
	}
	results := make([]Result, 0, len(names))
	for _, name := range names {
		var r Result
		if m, r, err = step(m, name); err != nil {
			return nil, nil, err
		}
		results = append(results, r)
	}
	return editResult(data, m), results, nil
}

// editResult is m's bytes, with the byte order mark data began with (Parse
// drops it).
func editResult(data []byte, m *Manifest) []byte {
	if bytes.HasPrefix(data, []byte(textfile.BOM)) {
		return append([]byte(textfile.BOM), m.data...)
	}
	return m.data
}

// ValidNames checks every name before anything is edited.
func ValidNames(names []string) error {
	for _, n := range names {
		if err := ValidName(n); err != nil {
			return err
		}
	}
	return nil
}

// addChecked returns m with name added to its packages list, parsed
// again (checkEdit).
func (m *Manifest) addChecked(path, name string) (*Manifest, error) {
	next, err := m.add(path, name)
	if err != nil {
		return nil, err
	}
	return checkEdit(path, next, name)
}

// checkEdit re-parses a document name was added to: an edit that breaks
// the file or lacks the name is a devsh bug, reported instead of written. It
// returns the parsed document for the next edit.
func checkEdit(path string, data []byte, name string) (*Manifest, error) {
	m, err := Parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("%s: editing %s produced invalid TOML (a devsh bug): %w", path, name, err)
	}
	if !m.hasPackage(name) {
		return nil, fmt.Errorf("%s: editing %s did not change the packages list (a devsh bug)", path, name)
	}
	return m, nil
}
