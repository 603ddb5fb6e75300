package tomledit

import (
	"bytes"

	"github.com/devsh/devsh/devshell/internal/textfile"
	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// This file decides whether go-toml's decoder accepts a document the unstable
// parser accepted, without one decode of the whole document when it is
// large: go-toml's duplicate-key tracker searches the keys seen so far for
// every key, so decoding n keys costs n² (a file of 100,000 tables took 37 s).
// A large document is decoded in chunks of expressions instead, each chunk's
// cost bounded, and keys that clash across chunks are found by seenTracker,
// a port of go-toml's tracker onto a map. Only when all of that passes is the
// document accepted; otherwise the whole document is decoded once, so every
// error is go-toml's own, with its message and position.

// decodeChunkExprs is how many top-level expressions one chunk decode
// checks. go-toml's tracker costs a chunk of k expressions about k²/2 key
// comparisons, and each decode has a fixed cost of a few microseconds; 128
// keeps both small (a file of 100,000 tables: about 800 decodes). A document
// of at most this many expressions is decoded whole, as it always was.
const decodeChunkExprs = 128

// decodeCheck collects, during the walk of a document, what the chunked
// decode needs: where the chunks start and, for a chunk starting inside a
// table, that table's header line (the chunk is decoded after a copy of it,
// so its keys land in their own table).
type decodeCheck struct {
	chunkExprs int // expressions per chunk: decodeChunkExprs (tests use fewer)
	seen       seenTracker
	failed     bool // seenTracker found a clash (or could not follow a node)
	exprs      int
	chunks     []decodeChunk
	// header is the line of the current table header: [start, end).
	header [2]int
}

// decodeChunk is one chunk: its first byte and the header line to decode
// before it ({-1, -1} for none).
type decodeChunk struct {
	start  int
	header [2]int
}

// newDecodeCheck returns a decodeCheck of chunks of chunkExprs expressions
// for a document whose first chunk starts at offset 0, before any table.
func newDecodeCheck(chunkExprs int) *decodeCheck {
	return &decodeCheck{
		chunkExprs: chunkExprs,
		header:     [2]int{-1, -1},
		chunks:     []decodeChunk{{start: 0, header: [2]int{-1, -1}}},
	}
}

// expression records top-level expression n of d (in document order).
func (c *decodeCheck) expression(d []byte, n *unstable.Node) {
	var start int
	switch n.Kind {
	case unstable.Table, unstable.ArrayTable:
		it := n.Key()
		if !it.Next() {
			c.failed = true
			return
		}
		start = textfile.LineStart(d, int(it.Node().Raw.Offset))
	case unstable.KeyValue:
		start = textfile.LineStart(d, int(n.Raw.Offset))
	default:
		return
	}
	if c.exprs > 0 && c.exprs%c.chunkExprs == 0 {
		c.chunks = append(c.chunks, decodeChunk{start: start, header: c.header})
	}
	c.exprs++
	if n.Kind != unstable.KeyValue {
		end := len(d)
		if i := bytes.IndexByte(d[start:], '\n'); i >= 0 {
			end = start + i + 1
		}
		c.header = [2]int{start, end}
	}
	if !c.failed && !c.seen.expression(n) {
		c.failed = true
	}
}

// decodeErr returns the error go-toml's decoder gives for d (nil when it
// accepts it), decoding d whole only when it is small or the chunked check
// did not pass.
func (c *decodeCheck) decodeErr(d []byte) error {
	if c.exprs > c.chunkExprs && c.fastAccept(d) {
		return nil
	}
	var discard map[string]any
	return toml.Unmarshal(d, &discard)
}

// fastAccept reports whether the tracker found no clash and every chunk of
// d decodes on its own: then go-toml accepts d as a whole.
func (c *decodeCheck) fastAccept(d []byte) bool {
	if c.failed {
		return false
	}
	var buf []byte
	var discard map[string]any
	for i, ch := range c.chunks {
		end := len(d)
		if i+1 < len(c.chunks) {
			end = c.chunks[i+1].start
		}
		buf = buf[:0]
		if ch.header[0] >= 0 {
			buf = append(buf, d[ch.header[0]:ch.header[1]]...)
		}
		buf = append(buf, d[ch.start:end]...)
		clear(discard)
		if err := toml.Unmarshal(buf, &discard); err != nil {
			return false
		}
	}
	return true
}

// seenKind is what a key names, as go-toml's tracker distinguishes them.
type seenKind uint8

// The kinds of seenTracker entries (go-toml's internal/tracker keyKind).
const (
	seenValue      seenKind = iota + 1 // a value: cannot be extended
	seenKVTable                        // a table made by a dotted key: extended by dotted keys only
	seenTable                          // a table made by a [header] (explicit) or on the way to one
	seenArrayTable                     // an array of tables
	seenAnonymous                      // the content of an inline table inside an array: never found by name
)

// seenEntry is one key the tracker has seen. Its children are the index's
// keys holding its gen: clearing them (a new [[array table]] element) gives
// the entry a new gen.
type seenEntry struct {
	kind     seenKind
	explicit bool
	gen      int32
}

// seenKey is a child key: the parent's gen and the key part.
type seenKey struct {
	parent int32
	name   string
}

// seenTracker follows go-toml's duplicate-key tracker (internal/tracker,
// SeenTracker) rule for rule, with a map instead of its linear search, so
// that it reports a clash exactly where go-toml's would (a test compares
// them). It only answers yes or no: the message is go-toml's (decodeErr).
type seenTracker struct {
	entries []seenEntry
	index   map[seenKey]int32
	current int32
	nextGen int32 // the last gen handed out
}

// find returns the entry named name under parent, or -1.
func (s *seenTracker) find(parent int32, name []byte) int32 {
	if i, ok := s.index[seenKey{s.entries[parent].gen, string(name)}]; ok {
		return i
	}
	return -1
}

// create adds an entry named name under parent and returns its id;
// anonymous entries get no name.
func (s *seenTracker) create(parent int32, name []byte, kind seenKind, explicit bool) int32 {
	id := int32(len(s.entries))
	s.nextGen++
	s.entries = append(s.entries, seenEntry{kind: kind, explicit: explicit, gen: s.nextGen})
	if kind != seenAnonymous {
		s.index[seenKey{s.entries[parent].gen, string(name)}] = id
	}
	return id
}

// clearChildren forgets every descendant of id: it gets a new gen, which
// no key in the index holds.
func (s *seenTracker) clearChildren(id int32) {
	s.nextGen++
	s.entries[id].gen = s.nextGen
}

// expression checks one top-level expression; false when go-toml's tracker
// would report an error.
func (s *seenTracker) expression(n *unstable.Node) bool {
	if s.entries == nil {
		s.entries = []seenEntry{{kind: seenTable, gen: 0}}
		s.index = map[seenKey]int32{}
	}
	switch n.Kind {
	case unstable.KeyValue:
		return s.keyValue(s.current, n)
	case unstable.Table:
		return s.table(n, false)
	case unstable.ArrayTable:
		return s.table(n, true)
	}
	return false
}

// table checks a [table] or [[array table]] header (go-toml's checkTable
// and checkArrayTable).
func (s *seenTracker) table(n *unstable.Node, array bool) bool {
	parent := int32(0)
	it := n.Key()
	for it.Next() {
		name := it.Node().Data
		i := s.find(parent, name)
		if it.IsLast() {
			switch {
			case i < 0:
				kind := seenTable
				if array {
					kind = seenArrayTable
				}
				s.current = s.create(parent, name, kind, true)
				return true
			case array:
				if s.entries[i].kind != seenArrayTable {
					return false
				}
				s.clearChildren(i)
			default:
				e := &s.entries[i]
				if e.kind != seenTable || e.explicit {
					return false
				}
				e.explicit = true
			}
			s.current = i
			return true
		}
		if i < 0 {
			i = s.create(parent, name, seenTable, false)
		} else if k := s.entries[i].kind; k != seenTable && k != seenArrayTable && k != seenKVTable {
			return false
		}
		parent = i
	}
	return false
}

// keyValue checks a key-value under parent and its value (go-toml's
// checkKeyValue).
func (s *seenTracker) keyValue(parent int32, n *unstable.Node) bool {
	it := n.Key()
	for it.Next() {
		name := it.Node().Data
		i := s.find(parent, name)
		if it.IsLast() {
			if i >= 0 {
				return false
			}
			return s.value(s.create(parent, name, seenValue, false), n.Value())
		}
		if i < 0 {
			i = s.create(parent, name, seenKVTable, false)
		} else if s.entries[i].kind != seenKVTable {
			return false
		}
		parent = i
	}
	return false
}

// value checks the keys inside a value: an inline table's, and those of the
// inline tables in an array (go-toml's checkValue).
func (s *seenTracker) value(id int32, v *unstable.Node) bool {
	switch v.Kind {
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			if !s.keyValue(id, it.Node()) {
				return false
			}
		}
	case unstable.Array:
		it := v.Children()
		for it.Next() {
			if e := it.Node(); e.Kind == unstable.InlineTable || e.Kind == unstable.Array {
				if !s.value(s.create(id, nil, seenAnonymous, false), e) {
					return false
				}
			}
		}
	}
	return true
}
