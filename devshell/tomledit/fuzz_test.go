package tomledit

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/devsh/devsh/devshell/internal/textfile"
)

// FuzzManifestAddRemove checks, for any input that parses, that adding a
// name gives a document that decodes to the original plus the name in
// exactly one list, that removing it again gives back the original bytes
// when the list existed, and that removing an existing package removes just
// that package.
func FuzzManifestAddRemove(f *testing.F) {
	for _, g := range goldenInputs(f) {
		f.Add(g.data, "zz-new")
		f.Add(g.data, "go")
	}
	for _, in := range edgeInputs() {
		f.Add([]byte(in), "a")
	}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		if ValidName(name) != nil {
			name = "zz-fuzz"
		}
		if err := checkAdd("fuzz.toml", data, name); err != nil {
			t.Fatal(err)
		}
		if err := checkRemoveFirst("fuzz.toml", data); err != nil {
			t.Fatal(err)
		}
	})
}

// decode decodes data the way a TOML consumer sees it (nix's fromTOML, which
// skips a leading byte order mark).
func decode(data []byte) (map[string]any, error) {
	var m map[string]any
	if err := toml.Unmarshal(textfile.TrimBOM(data), &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// decodedPackages returns the string elements of devshell.packages and
// of top-level packages, as a decoder reports them.
func decodedPackages(doc map[string]any) (ds, top []string) {
	strs := func(v any) []string {
		var out []string
		l, _ := v.([]any)
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	if d, ok := doc["devshell"].(map[string]any); ok {
		ds = strs(d["packages"])
	}
	return ds, strs(doc["packages"])
}

// checkPackages compares Packages() with what a decoder reports.
func checkPackages(m *Manifest, doc map[string]any) error {
	wantDs, wantTop := decodedPackages(doc)
	var gotDs, gotTop []string
	for _, e := range m.Packages() {
		switch e.Table {
		case "devshell":
			gotDs = append(gotDs, e.Attr)
		case "":
			gotTop = append(gotTop, e.Attr)
		default:
			return fmt.Errorf("entry %v has table %q", e, e.Table)
		}
	}
	if !slices.Equal(gotDs, wantDs) || !slices.Equal(gotTop, wantTop) {
		return fmt.Errorf("Packages() = devshell %q, top %q; decoder says devshell %q, top %q", gotDs, gotTop, wantDs, wantTop)
	}
	return nil
}

// shapeBad reports whether a decoder sees a packages or packagesFrom key
// that is not a list of strings, which devshell rejects: add and remove
// must refuse such a document (Manifest.ShapeError).
func shapeBad(doc map[string]any) bool {
	notStrings := func(v any, has bool) bool {
		if !has {
			return false
		}
		l, ok := v.([]any)
		return !ok || slices.ContainsFunc(l, func(x any) bool { _, s := x.(string); return !s })
	}
	if v, has := doc["packages"]; notStrings(v, has) {
		return true
	}
	ds, _ := doc["devshell"].(map[string]any)
	for _, k := range []string{"packages", "packagesFrom"} {
		if v, has := ds[k]; notStrings(v, has) {
			return true
		}
	}
	return false
}

// addTarget returns the list a decoder says an add must go to: the key
// path, whether the list exists, and false when the document's shape makes
// adding impossible (devshell not a table, packages not an array).
func addTarget(doc map[string]any) (path []string, exists, ok bool) {
	dsv, hasDs := doc["devshell"]
	ds, dsIsMap := dsv.(map[string]any)
	if hasDs && !dsIsMap {
		if _, isList := doc["packages"].([]any); isList {
			return []string{"packages"}, true, true
		}
		return nil, false, false
	}
	if v, has := ds["packages"]; has {
		_, isList := v.([]any)
		return []string{"devshell", "packages"}, true, isList
	}
	if v, has := doc["packages"]; has {
		_, isList := v.([]any)
		return []string{"packages"}, true, isList
	}
	return []string{"devshell", "packages"}, false, true
}

// checkAdd adds name to data and checks the result against a decoder.
func checkAdd(path string, data []byte, name string) error {
	doc, decErr := decode(data)
	m, err := Parse(path, data)
	if decErr != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			return fmt.Errorf("decoder rejects the input (%v) but Parse returned %v", decErr, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("decoder accepts the input but Parse fails: %w", err)
	}
	if err := checkPackages(m, doc); err != nil {
		return err
	}
	if shapeBad(doc) {
		out, res, err := Add(path, data, []string{name})
		if err == nil || out != nil || res != nil {
			return fmt.Errorf("add of %s to a document devshell rejects: %v, %v, changed=%v; want an error", name, res, err, out != nil)
		}
		return nil
	}
	target, exists, ok := addTarget(doc)
	ds, top := decodedPackages(doc)
	inCmd := slices.Contains(m.CommandPackages(), name)
	present := slices.Contains(ds, name) || slices.Contains(top, name)

	out, res, err := Add(path, data, []string{name})
	if present || inCmd {
		want := AlreadyPresent
		if !present {
			want = ProvidedByCommand
		}
		if err != nil || len(res) != 1 || res[0].Status != want || !bytes.Equal(out, data) {
			return fmt.Errorf("add of %s (present=%v, in command=%v): %v %v, changed=%v", name, present, inCmd, res, err, !bytes.Equal(out, data))
		}
		return nil
	}
	if !ok {
		if err == nil {
			return fmt.Errorf("add of %s succeeded although the document cannot hold it:\n%s", name, out)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("add of %s: %w", name, err)
	}
	if len(res) != 1 || res[0].Status != Added {
		return fmt.Errorf("add of %s: results %v", name, res)
	}
	got, err := decode(out)
	if err != nil {
		return fmt.Errorf("add of %s gives a document that does not decode: %w\n%s", name, err, out)
	}
	want, _ := decode(data)
	appendAt(want, target, name)
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("add of %s: decoded result differs\n got: %v\nwant: %v\n--- output ---\n%s", name, got, want, out)
	}
	if !exists {
		return nil
	}
	back, res, err := Remove(path, out, []string{name})
	if err != nil {
		return fmt.Errorf("remove of just-added %s: %w", name, err)
	}
	if len(res) != 1 || res[0].Status != Removed {
		return fmt.Errorf("remove of just-added %s: results %v", name, res)
	}
	if !bytes.Equal(back, data) {
		return fmt.Errorf("add then remove of %s did not give back the original\n--- original ---\n%q\n--- after add ---\n%q\n--- after remove ---\n%q", name, data, out, back)
	}
	return nil
}

// appendAt appends name to the array at path in doc, creating tables and
// the array as needed.
func appendAt(doc map[string]any, path []string, name string) {
	for _, k := range path[:len(path)-1] {
		next, ok := doc[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			doc[k] = next
		}
		doc = next
	}
	last := path[len(path)-1]
	l, _ := doc[last].([]any)
	doc[last] = append(l, name)
}

// checkRemoveFirst removes the first package with a valid name and checks
// that exactly its occurrences disappeared from the decoded document.
func checkRemoveFirst(path string, data []byte) error {
	m, err := Parse(path, data)
	if err != nil {
		return nil
	}
	var name string
	for _, e := range m.Packages() {
		if ValidName(e.Attr) == nil {
			name = e.Attr
			break
		}
	}
	if name == "" {
		return nil
	}
	want, _ := decode(data)
	out, res, err := Remove(path, data, []string{name})
	if shapeBad(want) {
		if err == nil || out != nil || res != nil {
			return fmt.Errorf("remove of %s from a document devshell rejects: %v, %v, changed=%v; want an error", name, res, err, out != nil)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove of %s: %w", name, err)
	}
	if len(res) != 1 || res[0].Status != Removed {
		return fmt.Errorf("remove of %s: results %v", name, res)
	}
	got, err := decode(out)
	if err != nil {
		return fmt.Errorf("remove of %s gives a document that does not decode: %w\n%s", name, err, out)
	}
	drop := func(l any) any {
		return slices.DeleteFunc(slices.Clone(l.([]any)), func(x any) bool { return x == name })
	}
	if ds, ok := want["devshell"].(map[string]any); ok {
		if l, ok := ds["packages"].([]any); ok {
			ds["packages"] = drop(l)
		}
	}
	if l, ok := want["packages"].([]any); ok {
		want["packages"] = drop(l)
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("remove of %s: decoded result differs\n got: %v\nwant: %v\n--- output ---\n%s", name, got, want, out)
	}
	return nil
}

// TestManifestGeneratedDocuments checks the add/remove properties on
// documents generated from a fixed seed: packages arrays with random
// whitespace, comments, commas, bracket placement, string kinds, non-string
// elements (refused), CRLF and missing final newlines, in every spelling of
// the lists.
// Byte-level fuzzing rarely produces such valid documents.
func TestManifestGeneratedDocuments(t *testing.T) {
	const docs = 5000 // about a second; enough to cover every layout branch
	r := rand.New(rand.NewPCG(1, 2))
	withList, refused := 0, 0
	for range docs {
		doc := []byte(genDocument(r))
		m, err := Parse("gen.toml", doc)
		if err != nil {
			t.Fatalf("generated document does not parse: %v\n%q", err, doc)
		}
		if m.ShapeError("gen.toml") != nil {
			refused++
		} else if len(m.lists) > 0 {
			withList++
		}
		for _, name := range []string{"zz-new", "a", "b"} {
			if err := checkAdd("gen.toml", doc, name); err != nil {
				t.Fatalf("%q: %v", doc, err)
			}
		}
		if err := checkRemoveFirst("gen.toml", doc); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
	}
	if withList < docs/4 || refused == 0 {
		t.Fatalf("only %d of %d generated documents have a packages list of strings, %d one with another element", withList, docs, refused)
	}
}

// genArray returns a random valid TOML array.
func genArray(r *rand.Rand, eol string) string {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	blank := func() string { return pick("", " ", "  ", "\t", " \t") }
	lineEnd := func() string {
		s := blank()
		if r.IntN(3) == 0 {
			s += pick("# c", `# "python2",`, "#x") + blank()
		}
		return s + eol
	}
	filler := func() string {
		var b strings.Builder
		for j := r.IntN(3); j > 0; j-- {
			if r.IntN(2) == 0 {
				b.WriteString(lineEnd())
			} else {
				b.WriteString(blank())
			}
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString("[")
	n := r.IntN(5)
	for i := range n {
		b.WriteString(filler())
		if r.IntN(16) == 0 {
			// Rare: a document with one is refused (devshell rejects
			// it), so the layouts are mostly exercised with strings.
			b.WriteString(pick(`1`, `["n"]`, `{ k = "v" }`))
		} else {
			b.WriteString(pick(`"a"`, `"b"`, `'c'`, `"d.e"`, `"""f"""`, `'''g'''`, `"a"`, "\"\"\"\nml\n\"\"\"", `"h-1"`))
		}
		b.WriteString(blank())
		if i < n-1 || r.IntN(2) == 0 {
			if r.IntN(4) == 0 {
				b.WriteString(lineEnd() + blank())
			}
			b.WriteString(",")
		}
	}
	b.WriteString(filler())
	b.WriteString("]")
	return b.String()
}

// genDocument returns a random valid devshell.toml.
func genDocument(r *rand.Rand) string {
	eol := "\n"
	if r.IntN(3) == 0 {
		eol = "\r\n"
	}
	var b strings.Builder
	if r.IntN(3) == 0 {
		b.WriteString("packages = " + genArray(r, eol) + eol)
	}
	if r.IntN(4) == 0 {
		b.WriteString("[[commands]]" + eol + `package = "a"` + eol)
	}
	switch r.IntN(6) {
	case 0:
		b.WriteString("[devshell]" + eol + "  name = \"x\"" + eol)
		if r.IntN(2) == 0 {
			b.WriteString("packages = " + genArray(r, eol) + " # t" + eol)
		}
		if r.IntN(2) == 0 {
			b.WriteString("[devshell.startup.x]" + eol + "text = \"y\"" + eol)
		}
	case 1:
		b.WriteString("devshell = { name = \"x\", packages = " + genArray(r, eol) + " }" + eol)
	case 2:
		b.WriteString("[devshell.startup.x]" + eol + "text = \"y\"" + eol)
	case 3:
		b.WriteString("devshell.packages = " + genArray(r, eol) + eol)
	}
	s := b.String()
	if r.IntN(3) == 0 {
		s = strings.TrimSuffix(s, eol)
	}
	return s
}
