// Package envrc keeps an .envrc's watch_file lines in sync with the files a
// devshell is built from, changing nothing else in the file.
//
// The flow is pure, bytes in and bytes out: Sync lexes the .envrc (a small
// bash lexer that knows quotes, escapes, line continuations, comments,
// here-documents, substitutions, operators and reserved words, so that text
// merely mentioning watch_file is not taken for a command), parses the tokens
// into simple commands and the line starts where a new command can be
// inserted without changing the meaning of anything else, works out which
// files the watch_file / nix_direnv_watch_file / watch_dir commands before the
// first `use flake` cover, and splices one watch_file line for the rest.
// New writes the .envrc of a fresh project; Quote quotes one shell word.
// Reading and writing the file, and direnv's approval, are package devshell's.
package envrc

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/devsh/devsh/devshell/internal/textfile"
)

// errUnsafeEnd reports an .envrc whose end lies inside an unterminated
// construct, so an appended line would not be a command of its own.
var errUnsafeEnd = errors.New("the file ends inside an unterminated quote, here-document, case or line continuation")

// Sync is pure: given the .envrc bytes and the files that must be watched
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
func Sync(content []byte, files []string) (out []byte, added []string, err error) {
	var missing []string
	seen := make(map[string]bool, len(files))
	parsed := parse(content)
	use := parsed.firstUseFlake()
	cover := parsed.coverage(use)
	for _, f := range files {
		n, err := normalizeFile(f)
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

	eol := textfile.EOL(content)
	pos, indent, err := parsed.insertPoint(content, use)
	if err != nil {
		return nil, nil, fmt.Errorf("sync .envrc: cannot add a watch_file line: %w", err)
	}
	line := indent + watchLine(missing) + eol
	if pos == len(content) && len(content) > 0 && content[len(content)-1] != '\n' {
		line = eol + line
	}
	out = make([]byte, 0, len(content)+len(line))
	out = append(out, content[:pos]...)
	out = append(out, line...)
	out = append(out, content[pos:]...)
	return out, missing, nil
}

// New returns the content for a new .envrc in a flake project: a
// watch_file line naming files (omitted when there are none), then `use flake`.
func New(files []string) []byte {
	var b strings.Builder
	if len(files) > 0 {
		b.WriteString(watchLine(files))
		b.WriteByte('\n')
	}
	b.WriteString("use flake\n")
	return []byte(b.String())
}

// watchLine renders `watch_file a b c`, quoting only what needs it.
func watchLine(files []string) string {
	var b strings.Builder
	b.WriteString("watch_file")
	for _, f := range files {
		b.WriteByte(' ')
		if strings.HasPrefix(f, "-") {
			f = "./" + f // not an option
		}
		b.WriteString(Quote(f))
	}
	return b.String()
}

// Quote returns s as one bash word: unchanged when it has only characters
// that bash never interprets in an argument, else single-quoted. It quotes
// the names of watch_file lines and the paths in commands devsh suggests.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	plain := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isNameChar(c) && strings.IndexByte("./+@%:,=-", c) < 0 {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// normalizeFile cleans a file name to the form coverage is compared in.
func normalizeFile(f string) (string, error) {
	if f == "" {
		return "", errors.New("empty file name")
	}
	if strings.IndexByte(f, 0) >= 0 {
		return "", fmt.Errorf("file name %q contains a NUL byte", f)
	}
	return path.Clean(f), nil
}

// watchSet holds the glob patterns of watched files and watched
// directories, relative to the .envrc's directory (or absolute).
type watchSet struct {
	files []string
	dirs  []string
}

// coverage collects the watches of the commands before p.cmds[use], or of
// every command when use is negative (no `use flake`): nix-direnv's use_flake
// only sees the watches declared before it.
func (p script) coverage(use int) watchSet {
	var c watchSet
	cmds := p.cmds
	if use >= 0 {
		cmds = cmds[:use]
	}
	for _, cmd := range cmds {
		kind := watchKind(cmd)
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
			pat, ok := argPattern(a)
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
func (c watchSet) covers(file string) bool {
	for _, p := range c.files {
		if globMatch(p, file) {
			return true
		}
	}
	for _, d := range c.dirs {
		if d == "." && file != ".." && !strings.HasPrefix(file, "../") && !path.IsAbs(file) {
			return true
		}
		for i := 1; i < len(file); i++ {
			if file[i] == '/' && globMatch(d, file[:i]) {
				return true
			}
		}
	}
	return false
}

// argPattern turns a watch argument into a cleaned glob pattern. It
// reports false for arguments whose value depends on the environment.
func argPattern(a token) (string, bool) {
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

// globMatch matches like bash's default globbing: path.Match, except
// that a wildcard never matches a leading dot.
func globMatch(pattern, name string) bool {
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

// watchKind returns the watch command a command runs, or "".
func watchKind(c command) string {
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

// isUseFlake reports whether a command is `use flake ...` or `use_flake ...`.
func isUseFlake(c command) bool {
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
func (p script) firstUseFlake() int {
	for i, c := range p.cmds {
		if isUseFlake(c) {
			return i
		}
	}
	return -1
}

// insertPoint returns where the watch_file line goes and its indentation,
// given ui, the index of the first `use flake` command (or -1).
func (p script) insertPoint(src []byte, ui int) (int, string, error) {
	if ui < 0 {
		if !p.eofSafe {
			return 0, "", errUnsafeEnd
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
		if watchKind(w) == "" || !w.block.encloses(use.block) {
			continue
		}
		end := w.words[len(w.words)-1].end
		for _, s := range p.safe {
			if s.pos <= end {
				continue
			}
			if s.pos <= before.pos && s.block == w.block {
				return s.pos, indentAt(src, textfile.LineStart(src, w.words[0].start)), nil
			}
			break
		}
		break
	}
	return before.pos, indentAt(src, before.pos), nil
}

func indentAt(src []byte, lineStart int) string {
	i := lineStart
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return string(src[lineStart:i])
}

// scope is one open block or branch (if/then/else, loop body, { },
// ( ), case); nil is the top level. Commands share these nodes, so deep
// nesting costs no copying.
type scope struct {
	parent *scope
	depth  int
	kind   string
}

// encloses reports whether b is inner or one of its ancestors.
func (b *scope) encloses(inner *scope) bool {
	if b == nil {
		return true
	}
	for inner != nil && inner.depth > b.depth {
		inner = inner.parent
	}
	return inner == b
}
