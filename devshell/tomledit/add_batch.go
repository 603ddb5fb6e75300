package tomledit

import (
	"bytes"
	"slices"
)

// The batched add: adding names one at a time re-parses the document after
// each (checkEdit), so `devsh add` of 10,000 names parsed a growing file
// 10,000 times. Once a list has taken a few names its style is settled:
// every further name is the same splice — the same text around the quoted
// name, at the same distance after the previous one. addBatch makes
// addBatchProbe real adds, reads that splice off the last two, checks they
// agree, writes the remaining names in one pass and parses the result once.
// Whatever it cannot vouch for (a splice that is not a plain insertion, two
// splices that differ, a final list that is not the old one plus the new
// names) sends Add back to the name-by-name path.

// addBatchMin is the fewest names worth the batched add. Below it the
// name-by-name add is fast (one parse per name), and it stays the path
// that the golden and fuzz tests pin byte for byte; the batch is tested
// against it (TestAddBatchMatchesSequential).
const addBatchMin = 16

// addBatchProbe is how many names are added for real before the splice is
// read off: the last two splices must agree, and the first may differ from
// them (it can create the list, or add the comma a list without a trailing
// one needs).
const addBatchProbe = 3

// addSplice is the insertion that adds one name: before + quoted name +
// after, inserted delta bytes after the end of the previous name's string.
type addSplice struct {
	before, after string
	delta         int
	literal       bool
}

// addBatch adds names like Add. ok is false when it cannot vouch for the
// result; the caller then adds name by name.
func addBatch(path string, data []byte, names []string, aliases func(string) []string) (_ []byte, _ []Result, ok bool, _ error) {
	m, err := batchParse(path, data, names)
	if err != nil {
		return nil, nil, false, err
	}
	if m.ShapeError(path) != nil {
		return nil, nil, false, nil // the name-by-name path refuses it
	}
	before := m.Packages()
	have := make(map[string]bool, len(before)+len(names))
	for _, e := range before {
		have[e.Attr] = true
	}
	results := make([]Result, len(names))
	var todo []string
	inList := func(n string) bool { return have[n] }
	for i, n := range names {
		if r, ok := presentAs(n, aliases, inList, m.hasCommand); ok {
			results[i] = r
			continue
		}
		results[i] = Result{Name: n, Status: Added}
		have[n] = true
		todo = append(todo, n)
	}
	if len(todo) <= addBatchProbe {
		return nil, nil, false, nil
	}

	// The probe: real adds, each parsed, keeping every document.
	docs := []*Manifest{m}
	for _, n := range todo[:addBatchProbe] {
		if m, err = m.addChecked(path, n); err != nil {
			return nil, nil, false, err
		}
		docs = append(docs, m)
	}
	k := addBatchProbe
	s1, ok1 := readSplice(docs[k-2], docs[k-1], todo[k-3], todo[k-2])
	s2, ok2 := readSplice(docs[k-1], docs[k], todo[k-2], todo[k-1])
	if !ok1 || !ok2 || s1 != s2 {
		return nil, nil, false, nil
	}
	end, found := nameEnd(docs[k], todo[k-1])
	if !found {
		return nil, nil, false, nil
	}
	d := docs[k].data
	at := end + s2.delta
	var out bytes.Buffer
	out.Grow(len(d) + (len(todo)-k)*(len(s2.before)+len(s2.after)+24))
	out.Write(d[:at])
	for _, n := range todo[k:] {
		out.WriteString(s2.before)
		out.WriteString(quote(n, s2.literal))
		out.WriteString(s2.after)
	}
	out.Write(d[at:])

	final, err := Parse(path, out.Bytes())
	if err != nil {
		return nil, nil, false, nil
	}
	// The list must be the probe's, with the rest right after its last
	// name, and nothing else changed.
	probed := docs[k].Packages()
	j := slices.IndexFunc(probed, func(e Entry) bool { return e.Attr == todo[k-1] })
	if j < 0 {
		return nil, nil, false, nil
	}
	want := slices.Clone(probed[:j+1])
	for _, n := range todo[k:] {
		want = append(want, Entry{Attr: n, Table: probed[j].Table})
	}
	want = append(want, probed[j+1:]...)
	if !slices.Equal(final.Packages(), want) {
		return nil, nil, false, nil
	}
	return editResult(data, final), results, true, nil
}

// batchParse checks names and parses data, as edit does first.
func batchParse(path string, data []byte, names []string) (*Manifest, error) {
	if err := ValidNames(names); err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// readSplice reads the splice that turned prev (holding prevName) into next
// (holding name as well): a single insertion, containing name's string
// once, placed after prevName's string.
func readSplice(prev, next *Manifest, prevName, name string) (addSplice, bool) {
	p, n := prev.data, next.data
	if len(n) <= len(p) {
		return addSplice{}, false
	}
	pre := 0
	for pre < len(p) && p[pre] == n[pre] {
		pre++
	}
	ins := n[pre : pre+len(n)-len(p)]
	if !bytes.Equal(n[pre+len(ins):], p[pre:]) {
		return addSplice{}, false // not one insertion
	}
	end, found := nameEnd(prev, prevName)
	if !found || pre < end {
		return addSplice{}, false
	}
	for _, literal := range []bool{false, true} {
		q := []byte(quote(name, literal))
		if bytes.Count(ins, q) != 1 {
			continue
		}
		i := bytes.Index(ins, q)
		s := addSplice{before: string(ins[:i]), after: string(ins[i+len(q):]), delta: pre - end, literal: literal}
		// The next name goes right after this insertion: the splice ends
		// where the next one starts.
		if s.delta != len(s.after) {
			return addSplice{}, false
		}
		return s, true
	}
	return addSplice{}, false
}

// nameEnd returns the offset just after the last string element whose
// value is name, in m's packages lists.
func nameEnd(m *Manifest, name string) (int, bool) {
	end, found := 0, false
	for _, l := range m.lists {
		for _, e := range l.elems {
			if e.isStr && e.value == name {
				end, found = e.end, true
			}
		}
	}
	return end, found
}
