package tomledit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// batchNames is a many-name add: new names, a duplicate among them, and
// the first name already in the file (when it has one).
func batchNames(data []byte, n int) []string {
	var names []string
	if m, err := Parse("x.toml", data); err == nil {
		if p := m.Packages(); len(p) > 0 {
			names = append(names, p[0].Attr)
		}
	}
	for i := range n {
		names = append(names, fmt.Sprintf("batch-%d", i))
	}
	return append(names, "batch-3", "python3Packages.batch-set")
}

// TestAddBatchMatchesSequential: the batched add of many names gives
// byte for byte what adding them one at a time gives, statuses included,
// over every golden input, the corpus (when DEVSH_CORPUS_DIR is set) and
// the styles below; and it takes the batch path for the common styles, so
// the comparison is not vacuous.
func TestAddBatchMatchesSequential(t *testing.T) {
	inputs := batchInputs(t)
	batched := 0
	for name, data := range inputs {
		names := batchNames(data, 2*addBatchMin)
		if batchCompare(t, name, "add", names, data, addEachPlain, addBatchPlain) {
			batched++
		}
	}
	for _, style := range batchStyles {
		names := batchNames(inputs[style], 2*addBatchMin)
		if _, _, ok, err := addBatch("x.toml", inputs[style], names, nil); err != nil || !ok {
			t.Errorf("%s: the batch was not taken (ok %v, err %v)", style, ok, err)
		}
	}
	t.Logf("%d of %d inputs batched, each equal to one by one", batched, len(inputs))
}

// batchStyles are the inputs of batchInputs both batches must take.
var batchStyles = []string{"inline", "multiline-comma", "multiline-nocomma", "comma-first", "crlf", "literal", "bom", "two-lists"}

// batchInputs are documents in many styles: the ones below, every golden
// input, and the corpus when DEVSH_CORPUS_DIR names it.
func batchInputs(t testing.TB) map[string][]byte {
	t.Helper()
	inputs := map[string][]byte{
		"inline":            []byte("[devshell]\npackages = [\"a\", \"b\"]\n"),
		"inline-tight":      []byte("[devshell]\npackages = [\"a\",\"b\"]\n"),
		"empty":             []byte("[devshell]\npackages = []\n"),
		"none":              []byte("[devshell]\nname = \"x\"\n"),
		"nothing":           nil,
		"multiline-comma":   []byte("[devshell]\npackages = [\n  \"a\",\n  \"b\",\n]\n"),
		"multiline-nocomma": []byte("[devshell]\npackages = [\n  \"a\",\n  \"b\"\n]\n"),
		"comma-first":       []byte("[devshell]\npackages = [ \"a\"\n           , \"b\"\n           ]\n"),
		"crlf":              []byte("[devshell]\r\npackages = [\r\n  \"a\",\r\n]\r\n"),
		"literal":           []byte("[devshell]\npackages = ['a', 'b']\n"),
		"comment-last":      []byte("[devshell]\npackages = [\n  \"a\", # the a\n]\n"),
		"bom":               []byte("\xef\xbb\xbf[devshell]\npackages = [\"a\"]\n"),
		"two-lists":         []byte("packages = [\"top\"]\n[devshell]\npackages = [\"a\"]\n"),
	}
	for _, g := range goldenInputs(t) {
		inputs["golden/"+filepath.Base(g.path)] = g.data
	}
	if dir := os.Getenv("DEVSH_CORPUS_DIR"); dir != "" {
		corpus, _ := filepath.Glob(filepath.Join(dir, "*.toml"))
		for _, f := range corpus {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inputs["corpus/"+filepath.Base(f)] = data
		}
	}
	return inputs
}

// TestRemoveBatchMatchesSequential: the batched remove gives byte for
// byte what removing the names one at a time gives, statuses included:
// every name, every other name, the names backwards, with absent and
// repeated names among them, over the inputs of batchInputs grown to at
// least removeBatchMin names.
func TestRemoveBatchMatchesSequential(t *testing.T) {
	batched, tried := 0, 0
	for name, data := range batchInputs(t) {
		grown, _, err := addEach("x.toml", data, batchNames(data, removeBatchMin+4), nil)
		if err != nil {
			continue // a file add refuses (a conflict): nothing to remove
		}
		m, err := Parse("x.toml", grown)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var all []string
		for _, e := range m.Packages() {
			all = append(all, e.Attr)
		}
		var every2, back []string
		for i, n := range all {
			if i%2 == 0 {
				every2 = append(every2, n)
			}
			back = append([]string{n}, back...)
		}
		every2 = append(every2, "absent", every2[0])
		for _, names := range [][]string{all, every2, back} {
			if len(names) < removeBatchMin {
				continue
			}
			tried++
			if batchCompare(t, name, "remove", names, grown, removeEach, removeBatch) {
				batched++
			}
		}
	}
	inputs := batchInputs(t)
	for _, style := range batchStyles {
		grown, _, err := addEach("x.toml", inputs[style], batchNames(inputs[style], removeBatchMin), nil)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse("x.toml", grown)
		if err != nil {
			t.Fatal(err)
		}
		var names []string // every name, the other lists' too
		for _, e := range m.Packages() {
			names = append(names, e.Attr)
		}
		if _, _, ok, err := removeBatch("x.toml", grown, names); err != nil || !ok {
			t.Errorf("%s: the batch was not taken (ok %v, err %v)", style, ok, err)
		}
	}
	t.Logf("%d of %d removals batched, each equal to one by one", batched, tried)
}

// FuzzBatchMatchesSequential: on any document, the batched add and remove
// give what name by name gives (or step aside), errors included.
func FuzzBatchMatchesSequential(f *testing.F) {
	for name, data := range batchInputs(f) {
		if !strings.HasPrefix(name, "corpus/") {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		names := batchNames(data, addBatchMin)
		want, wantRes, wantErr := addEach("fuzz.toml", data, names, nil)
		got, gotRes, ok, gotErr := addBatch("fuzz.toml", data, names, nil)
		if (wantErr != nil) != (gotErr != nil) {
			t.Fatalf("add: errors differ: one by one %v, batched %v", wantErr, gotErr)
		}
		if ok && (!bytes.Equal(got, want) || fmt.Sprint(gotRes) != fmt.Sprint(wantRes)) {
			t.Fatalf("add: batched differs from one by one:\n%q\n%q", want, got)
		}
		if wantErr != nil {
			return
		}
		m, err := Parse("fuzz.toml", want)
		if err != nil {
			t.Fatalf("add left invalid TOML: %v", err)
		}
		var all []string
		for _, e := range m.Packages() {
			all = append(all, e.Attr)
		}
		added := want
		want, wantRes, wantErr = removeEach("fuzz.toml", added, all)
		got, gotRes, ok, gotErr = removeBatch("fuzz.toml", added, all)
		if (wantErr != nil) != (gotErr != nil) {
			t.Fatalf("remove: errors differ: one by one %v, batched %v", wantErr, gotErr)
		}
		if ok && (!bytes.Equal(got, want) || fmt.Sprint(gotRes) != fmt.Sprint(wantRes)) {
			t.Fatalf("remove: batched differs from one by one:\n%q\n%q", want, got)
		}
	})
}

// batchCompare runs the name-by-name edit and the batch on data and
// reports a difference in bytes, statuses or failure; it returns whether
// the batch was taken.
func batchCompare(t *testing.T, input, op string, names []string, data []byte,
	each func(string, []byte, []string) ([]byte, []Result, error),
	batch func(string, []byte, []string) ([]byte, []Result, bool, error)) bool {
	t.Helper()
	want, wantRes, wantErr := each("x.toml", data, names)
	got, gotRes, ok, gotErr := batch("x.toml", data, names)
	if (wantErr != nil) != (gotErr != nil) {
		t.Errorf("%s: %s: errors differ: one by one %v, batched %v", input, op, wantErr, gotErr)
		return false
	}
	if gotErr != nil || !ok {
		return false
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: batched %s of %d names differs from one by one:\n--- one by one\n%s\n--- batched\n%s", input, op, len(names), want, got)
	}
	if fmt.Sprint(gotRes) != fmt.Sprint(wantRes) {
		t.Errorf("%s: %s: statuses differ: one by one %v, batched %v", input, op, wantRes, gotRes)
	}
	return true
}

// addEachPlain and addBatchPlain are the two adds without alias names.
func addEachPlain(path string, data []byte, names []string) ([]byte, []Result, error) {
	return addEach(path, data, names, nil)
}

func addBatchPlain(path string, data []byte, names []string) ([]byte, []Result, bool, error) {
	return addBatch(path, data, names, nil)
}
