package nixsearch

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestParseSearchJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Package
		wantErr string
	}{
		{name: "empty object", in: `{}`, want: []Package{}},
		{name: "empty object with newline", in: "{}\n", want: []Package{}},
		{
			name: "legacyPackages prefix stripped, nested kept",
			in: `{"legacyPackages.x86_64-linux.python3Packages.requests":{"pname":"python3.13-requests","version":"2.32.4","description":"HTTP library for Python"},` +
				`"legacyPackages.x86_64-linux.hello":{"pname":"hello","version":"2.12.2","description":"Program that produces a familiar, friendly greeting"}}`,
			want: []Package{
				{Attr: "hello", Pname: "hello", Version: "2.12.2", Description: "Program that produces a familiar, friendly greeting"},
				{Attr: "python3Packages.requests", Pname: "python3.13-requests", Version: "2.32.4", Description: "HTTP library for Python"},
			},
		},
		{
			name: "packages prefix stripped, other system",
			in:   `{"packages.aarch64-darwin.default":{"pname":"tool","version":"1.0","description":""}}`,
			want: []Package{{Attr: "default", Pname: "tool", Version: "1.0"}},
		},
		{
			name: "sorted by attr, field order free, unknown fields ignored",
			in:   `{"legacyPackages.x86_64-linux.zz":{"version":"1","pname":"zz","description":"z","extra":[1,2]},"legacyPackages.x86_64-linux.aa":{"description":"a","pname":"aa","version":"2"}}`,
			want: []Package{
				{Attr: "aa", Pname: "aa", Version: "2", Description: "a"},
				{Attr: "zz", Pname: "zz", Version: "1", Description: "z"},
			},
		},
		{
			name: "description sanitised",
			in:   `{"legacyPackages.x86_64-linux.c":{"pname":"c","version":"1","description":"Prints \u001b[31mred\u001b[0m text\u0007\nand more"}}`,
			want: []Package{{Attr: "c", Pname: "c", Version: "1", Description: "Prints red text and more"}},
		},
		{
			name: "unprefixed key kept",
			in:   `{"hello":{"pname":"hello","version":"1","description":""}}`,
			want: []Package{{Attr: "hello", Pname: "hello", Version: "1"}},
		},
		{name: "empty input", in: ``, wantErr: "empty output"},
		{name: "whitespace only", in: " \n", wantErr: "empty output"},
		{name: "truncated after key", in: `{"legacyPackages.x86_64-linux.a":`, wantErr: "truncated"},
		{name: "truncated inside value", in: `{"legacyPackages.x86_64-linux.a":{"pname":"a","vers`, wantErr: "parse nix search output"},
		{name: "truncated before closing brace", in: `{"legacyPackages.x86_64-linux.a":{"pname":"a"}`, wantErr: "truncated"},
		{name: "array", in: `[]`, wantErr: "expected a JSON object"},
		{name: "value not an object", in: `{"legacyPackages.x86_64-linux.a":1}`, wantErr: "entry"},
		{name: "trailing data", in: `{} {}`, wantErr: "after the JSON object"},
		{name: "prefix with nothing after system", in: `{"legacyPackages.x86_64-linux.":{}}`, wantErr: "empty attribute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSearchJSON(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseSearchJSON(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q spans several lines", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSearchJSON(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseSearchJSON(%q)\n got  %#v\n want %#v", tt.in, got, tt.want)
			}
		})
	}
}

// nixOneByteReader hands out one byte per Read, like a slow pipe.
type nixOneByteReader struct{ r io.Reader }

func (o nixOneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestParseSearchJSONByteByByte(t *testing.T) {
	in := `{"legacyPackages.x86_64-linux.b":{"pname":"b","version":"1","description":"bee"},"legacyPackages.x86_64-linux.a":{"pname":"a","version":"2","description":"ay"}}`
	got, err := ParseSearchJSON(nixOneByteReader{strings.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{{Attr: "a", Pname: "a", Version: "2", Description: "ay"}, {Attr: "b", Pname: "b", Version: "1", Description: "bee"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// TestParseSearchJSONDuplicates: nix searches packages.<system> and
// legacyPackages.<system>, so an attribute in both comes twice. Whatever
// order nix prints them in (2.8 streams packages first; from 2.12 the keys
// are sorted, legacyPackages first), the one from legacyPackages comes
// first and is the one NewIndex keeps (issue 9 changed this from "the one
// nix printed first"). Enough attributes, printed out of order, that the
// sort is not an insertion sort.
func TestParseSearchJSONDuplicates(t *testing.T) {
	const n = 200
	for _, order := range [][]string{{"packages", "legacyPackages"}, {"legacyPackages", "packages"}} {
		var in strings.Builder
		in.WriteString("{")
		for _, set := range order {
			for i := n - 1; i >= 0; i-- {
				fmt.Fprintf(&in, `"%s.x86_64-linux.a%03d":{"pname":"a","version":"1","description":"%s"},`, set, i, set)
			}
		}
		pkgs, err := ParseSearchJSON(strings.NewReader(strings.TrimSuffix(in.String(), ",") + "}"))
		if err != nil {
			t.Fatal(err)
		}
		if len(pkgs) != 2*n {
			t.Fatalf("%v: parsed %d packages, want %d", order, len(pkgs), 2*n)
		}
		for i := 0; i < n; i++ {
			attr := fmt.Sprintf("a%03d", i)
			a, b := pkgs[2*i], pkgs[2*i+1]
			if a.Attr != attr || b.Attr != attr || a.Description != "legacyPackages" || b.Description != "packages" {
				t.Fatalf("%v: packages %d and %d are %+v and %+v, want %s from legacyPackages then from packages", order, 2*i, 2*i+1, a, b, attr)
			}
		}
		if p, _ := NewIndex(pkgs).Lookup("a042"); p.Description != "legacyPackages" {
			t.Errorf("%v: index keeps %+v, want the one from legacyPackages", order, p)
		}
	}
}

func TestNixAttrFromKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"legacyPackages.x86_64-linux.hello", "hello"},
		{"legacyPackages.aarch64-darwin.python313Packages.black", "python313Packages.black"},
		{"packages.x86_64-linux.default", "default"},
		{"packages.x86_64-linux.a.b.c", "a.b.c"},
		{"legacyPackages.x86_64-linux", "legacyPackages.x86_64-linux"},
		{"hello", "hello"},
		{"legacyPackagesX.x86_64-linux.hello", "legacyPackagesX.x86_64-linux.hello"},
		{"legacyPackages.x86_64-linux.", ""},
	}
	for _, tt := range tests {
		if got := nixAttrFromKey(tt.key); got != tt.want {
			t.Errorf("nixAttrFromKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func FuzzParseSearchJSON(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"legacyPackages.x86_64-linux.a":{"pname":"a","version":"1","description":"d"}}`,
		`{"packages.x86_64-linux.b":{"pname":"b","version":"","description":"\u001b[1m"}}`,
		`{"legacyPackages.x86_64-linux.a":`,
		`[]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pkgs, err := ParseSearchJSON(strings.NewReader(s))
		if err != nil {
			if pkgs != nil {
				t.Errorf("ParseSearchJSON(%q) returned packages with error %v", s, err)
			}
			return
		}
		if !sort.SliceIsSorted(pkgs, func(i, j int) bool { return pkgs[i].Attr < pkgs[j].Attr }) {
			t.Errorf("ParseSearchJSON(%q) not sorted", s)
		}
		for _, p := range pkgs {
			if p.Attr == "" {
				t.Errorf("ParseSearchJSON(%q): empty Attr", s)
			}
			if SanitizeText(p.Description) != p.Description {
				t.Errorf("ParseSearchJSON(%q): description %q not sanitised", s, p.Description)
			}
		}
	})
}

// nixDump returns the uncompressed nixpkgs search dump named by
// DEVSH_NIXPKGS_DUMP, skipping when the variable is unset.
func nixDump(tb testing.TB) []byte {
	tb.Helper()
	path := os.Getenv("DEVSH_NIXPKGS_DUMP")
	if path == "" {
		tb.Skip("DEVSH_NIXPKGS_DUMP is not set (.ci/run sets it to the nixpkgs-search.json.gz test dump)")
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestParseSearchJSONDump(t *testing.T) {
	data := nixDump(t)
	pkgs, err := ParseSearchJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// The dump's documented size (nixpkgs-search.SOURCE.md).
	if len(pkgs) != 129815 {
		t.Errorf("parsed %d packages, want 129815", len(pkgs))
	}
	byAttr := map[string]Package{}
	for i, p := range pkgs {
		if strings.HasPrefix(p.Attr, "legacyPackages.") || p.Attr == "" {
			t.Fatalf("package %d has attr %q", i, p.Attr)
		}
		if i > 0 && pkgs[i-1].Attr >= p.Attr {
			t.Fatalf("not sorted at %d: %q then %q", i, pkgs[i-1].Attr, p.Attr)
		}
		if p.Description != SanitizeText(p.Description) {
			t.Fatalf("%s: description not sanitised: %q", p.Attr, p.Description)
		}
		byAttr[p.Attr] = p
	}
	// Facts the dump's SOURCE.md states.
	if p := byAttr["python313Packages.requests"]; p.Pname != "python3.13-requests" || p.Version != "2.32.4" {
		t.Errorf("python313Packages.requests = %+v", p)
	}
	if p := byAttr["cargo-edit"]; p.Version != "0.13.7" {
		t.Errorf("cargo-edit = %+v", p)
	}
}

func BenchmarkParseSearchJSON(b *testing.B) {
	data := nixDump(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSearchJSON(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
