package tui

import (
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// queryCharLimit bounds the query: attribute paths are far shorter.
const queryCharLimit = 256

// inputKeyMap holds the editing keys of the query line. (bubbles'
// textinput is not used: it imports a clipboard module this project does
// not depend on.)
type inputKeyMap struct {
	Left, Right       key.Binding
	WordLeft          key.Binding
	LineStart         key.Binding
	LineEnd           key.Binding
	DeleteBack        key.Binding
	DeleteForward     key.Binding
	DeleteWordBack    key.Binding
	DeleteToLineStart key.Binding
	DeleteToLineEnd   key.Binding
}

// defaultInputKeyMap returns the usual readline-like editing keys.
func defaultInputKeyMap() inputKeyMap {
	return inputKeyMap{
		Left:              key.NewBinding(key.WithKeys("left", "ctrl+b")),
		Right:             key.NewBinding(key.WithKeys("right", "ctrl+f")),
		WordLeft:          key.NewBinding(key.WithKeys("alt+left", "ctrl+left", "alt+b")),
		LineStart:         key.NewBinding(key.WithKeys("ctrl+a")),
		LineEnd:           key.NewBinding(key.WithKeys("ctrl+e")),
		DeleteBack:        key.NewBinding(key.WithKeys("backspace", "ctrl+h")),
		DeleteForward:     key.NewBinding(key.WithKeys("delete", "ctrl+d")),
		DeleteWordBack:    key.NewBinding(key.WithKeys("alt+backspace", "ctrl+w")),
		DeleteToLineStart: key.NewBinding(key.WithKeys("ctrl+u")),
		DeleteToLineEnd:   key.NewBinding(key.WithKeys("ctrl+k")),
	}
}

// inputModel is the query line: a rune buffer and a cursor position.
type inputModel struct {
	value []rune
	pos   int
	keys  inputKeyMap
}

// newInputModel returns an empty query line.
func newInputModel() inputModel {
	return inputModel{keys: defaultInputKeyMap()}
}

// Value returns the query.
func (in inputModel) Value() string { return string(in.value) }

// Position returns the cursor position, in runes.
func (in inputModel) Position() int { return in.pos }

// Reset empties the query.
func (in inputModel) Reset() inputModel {
	in.value, in.pos = nil, 0
	return in
}

// Update edits the query for a key; keys it does not know are ignored.
func (in inputModel) Update(msg tea.KeyMsg) inputModel {
	k := in.keys
	v := in.value
	switch {
	case msg.Type == tea.KeyRunes || msg.Type == tea.KeySpace:
		ins := make([]rune, 0, len(msg.Runes))
		for _, r := range msg.Runes {
			if unicode.IsControl(r) {
				r = ' '
			}
			ins = append(ins, r)
		}
		if msg.Type == tea.KeySpace && len(ins) == 0 {
			ins = []rune{' '}
		}
		ins = ins[:min(len(ins), max(0, queryCharLimit-len(v)))]
		nv := make([]rune, 0, len(v)+len(ins))
		nv = append(nv, v[:in.pos]...)
		nv = append(nv, ins...)
		nv = append(nv, v[in.pos:]...)
		in.value, in.pos = nv, in.pos+len(ins)
	case key.Matches(msg, k.Left):
		in.pos = max(0, in.pos-1)
	case key.Matches(msg, k.Right):
		in.pos = min(len(v), in.pos+1)
	case key.Matches(msg, k.LineStart):
		in.pos = 0
	case key.Matches(msg, k.LineEnd):
		in.pos = len(v)
	case key.Matches(msg, k.WordLeft):
		in.pos = inputWordStart(v, in.pos)
	case key.Matches(msg, k.DeleteBack):
		if in.pos > 0 {
			in.value = inputCut(v, in.pos-1, in.pos)
			in.pos--
		}
	case key.Matches(msg, k.DeleteForward):
		if in.pos < len(v) {
			in.value = inputCut(v, in.pos, in.pos+1)
		}
	case key.Matches(msg, k.DeleteWordBack):
		start := inputWordStart(v, in.pos)
		in.value = inputCut(v, start, in.pos)
		in.pos = start
	case key.Matches(msg, k.DeleteToLineStart):
		in.value = inputCut(v, 0, in.pos)
		in.pos = 0
	case key.Matches(msg, k.DeleteToLineEnd):
		in.value = inputCut(v, in.pos, len(v))
	}
	return in
}

// inputCut returns v without v[from:to], in a new slice.
func inputCut(v []rune, from, to int) []rune {
	out := make([]rune, 0, len(v)-(to-from))
	out = append(out, v[:from]...)
	return append(out, v[to:]...)
}

// inputWordStart is the start of the word before pos; words are separated
// by spaces and the separators of attribute paths.
func inputWordStart(v []rune, pos int) int {
	sep := func(r rune) bool { return r == ' ' || r == '.' || r == '-' || r == '_' }
	i := pos
	for i > 0 && sep(v[i-1]) {
		i--
	}
	for i > 0 && !sep(v[i-1]) {
		i--
	}
	return i
}
