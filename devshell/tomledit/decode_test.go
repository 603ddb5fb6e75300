package tomledit

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// fastCheck walks data as Parse does, with chunks of chunk expressions, and
// returns the chunked check's verdict and whether seenTracker found a clash;
// ok is false when the unstable parser rejects data.
func fastCheck(data []byte, chunk int) (accept, clash, ok bool) {
	var p unstable.Parser
	p.Reset(data)
	dc := newDecodeCheck(chunk)
	for p.NextExpression() {
		dc.expression(data, p.Expression())
	}
	if p.Error() != nil {
		return false, false, false
	}
	return dc.fastAccept(data), dc.failed, true
}

// decodes reports whether go-toml decodes data as a whole.
func decodes(data []byte) bool {
	var m map[string]any
	return toml.Unmarshal(data, &m) == nil
}

// checkFast checks the chunked decode against go-toml's whole decode: what
// it accepts go-toml accepts, and a clash seenTracker reports go-toml
// reports too.
func checkFast(data []byte, chunk int) error {
	accept, clash, ok := fastCheck(data, chunk)
	if !ok {
		return nil
	}
	whole := decodes(data)
	if accept && !whole {
		return fmt.Errorf("chunks of %d accept what go-toml rejects:\n%s", chunk, data)
	}
	if clash && whole {
		return fmt.Errorf("seenTracker (chunks of %d) reports a clash go-toml does not:\n%s", chunk, data)
	}
	return nil
}

// decodeCases are documents for the tracker's rules, valid and not, each
// across expressions so that small chunks split them.
func decodeCases() []struct {
	doc   string
	valid bool
} {
	return []struct {
		doc   string
		valid bool
	}{
		{"a = 1\nb = 2\n", true},
		{"a = 1\na = 2\n", false},
		{"[t]\na = 1\n[u]\na = 1\n", true},
		{"[t]\na = 1\n[t]\nb = 1\n", false},
		{"[t]\na = 1\n[u]\n[t.x]\n", true},
		{"[t.x]\n[t]\n", true},
		{"[t.x]\n[t]\n[t]\n", false},
		{"[t]\nx = 1\n[t.x]\n", false},
		{"[t]\nx.y = 1\n[t.x]\n", false},
		{"[t]\nx.y = 1\n[t.x.z]\n", true},
		{"[t]\nx.y = 1\nx.z = 2\n", true},
		{"[t]\nx.y = 1\nx.y = 2\n", false},
		{"[t]\nx = 1\nx.y = 2\n", false},
		{"a = {b = 1}\n[a]\n", false},
		{"a = {b = 1}\n[a.c]\n", false},
		{"a = {b = 1}\na.c = 1\n", false},
		{"a = {b = 1, b = 2}\n", false},
		{"a = [{b = 1}, {b = 2}]\nc = 1\n", true},
		{"a = [{b = 1, b = 2}]\n", false},
		{"a = [[{b = 1}], {c = {d = 1, d = 2}}]\n", false},
		{"[[c]]\npackage = \"a\"\n[[c]]\npackage = \"b\"\n", true},
		{"[[c]]\npackage = \"a\"\npackage = \"b\"\n", false},
		{"[[c]]\n[c.x]\n[[c]]\n[c.x]\n", true},
		{"[[c]]\n[c.x]\n[c.x]\n", false},
		{"[[c]]\n[[c.d]]\n[[c]]\n[[c.d]]\n[c.d.e]\n", true},
		{"[c]\n[[c]]\n", false},
		{"[[c]]\n[c]\n", false},
		{"a = 1\n[[a]]\n", false},
		{"a = [1]\n[[a]]\n", false},
		{"[a.b]\n[[a]]\n", false},
		{"[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 1\n", true},
		{"[a]\n\"b.c\" = 1\nb.c = 2\n", true},
		{"[a]\n'b' = 1\n\"b\" = 2\n", false},
		{"[\"a\"]\n[a]\n", false},
		{"[devshell]\npackages = [\"a\"]\n[devshell.packages]\n", false},
		{"x = 1979-05-27\ny = 99999999999999999999\n", false},
	}
}

// TestDecodeCheckRules: for each rule of go-toml's duplicate-key tracker,
// seenTracker agrees with go-toml and the chunked check (chunks of 1 to 4
// expressions) accepts no document go-toml rejects.
func TestDecodeCheckRules(t *testing.T) {
	for _, c := range decodeCases() {
		if got := decodes([]byte(c.doc)); got != c.valid {
			t.Errorf("go-toml decodes %q: %v, the case says %v", c.doc, got, c.valid)
		}
		for chunk := 1; chunk <= 4; chunk++ {
			accept, clash, ok := fastCheck([]byte(c.doc), chunk)
			if !ok {
				t.Errorf("%q: the unstable parser rejects it", c.doc)
				continue
			}
			// A valid document may still fail a chunk on its own (a
			// chunk starting at [c.x] and then redefining [[c]]): that
			// costs a whole decode, not a wrong answer. seenTracker
			// itself must agree with go-toml.
			if c.valid && clash {
				t.Errorf("%q, chunks of %d: seenTracker reports a clash", c.doc, chunk)
			}
			if !c.valid && accept {
				t.Errorf("%q, chunks of %d: accepted", c.doc, chunk)
			}
			if err := checkFast([]byte(c.doc), chunk); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestDecodeCheckLarge: over decodeChunkExprs expressions Parse decodes in
// chunks; a clash between chunks is still found, and the error is the one
// go-toml gives for the whole document.
func TestDecodeCheckLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("[devshell]\npackages = [\"a\"]\n")
	for i := range 3 * decodeChunkExprs {
		fmt.Fprintf(&b, "[t%d]\nx = 1\n", i)
	}
	valid := b.String()
	if _, err := Parse("big.toml", []byte(valid)); err != nil {
		t.Fatalf("valid document: %v", err)
	}
	for _, tail := range []string{"[t1]\n", "[t2.x]\n", "[devshell]\n", "t5 = 1\n", "[[t7]]\n"} {
		doc := valid + tail
		if tail == "t5 = 1\n" {
			doc = "t5 = 1\n" + valid
		}
		_, err := Parse("big.toml", []byte(doc))
		var discard map[string]any
		want := toml.Unmarshal([]byte(doc), &discard)
		if err == nil || want == nil {
			t.Errorf("%q: Parse %v, go-toml %v; want both to fail", tail, err, want)
			continue
		}
		var de *toml.DecodeError
		if !errors.As(want, &de) {
			t.Fatalf("go-toml's error is not a DecodeError: %v", want)
		}
		line, col := de.Position()
		wantMsg := fmt.Sprintf("big.toml:%d:%d: %s", line, col, strings.TrimPrefix(de.Error(), "toml: "))
		if err.Error() != wantMsg {
			t.Errorf("%q: Parse error %q, want %q", tail, err, wantMsg)
		}
	}
}

// FuzzDecodeCheck checks the chunked decode against go-toml's whole decode
// for any document, split into chunks of 1 to 4 expressions (see checkFast).
func FuzzDecodeCheck(f *testing.F) {
	for _, c := range decodeCases() {
		f.Add([]byte(c.doc), uint8(1))
	}
	for _, g := range goldenInputs(f) {
		f.Add(g.data, uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		if err := checkFast(data, 1+int(chunk%4)); err != nil {
			t.Fatal(err)
		}
	})
}
