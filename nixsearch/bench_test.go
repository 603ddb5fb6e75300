package nixsearch

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sahilm/fuzzy"
)

// benchReadDump reads a `nix search --json`-shaped .json.gz file (as named
// by DEVSH_NIXPKGS_DUMP) into packages. It is a test-only reader for the
// benchmarks, not the production parser.
func benchReadDump(path string) ([]Package, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read dump %s: %w", path, err)
	}
	var raw map[string]struct {
		Pname       string `json:"pname"`
		Version     string `json:"version"`
		Description string `json:"description"`
	}
	if err := json.NewDecoder(zr).Decode(&raw); err != nil {
		return nil, fmt.Errorf("read dump %s: %w", path, err)
	}
	pkgs := make([]Package, 0, len(raw))
	for key, v := range raw {
		// "legacyPackages.<system>.<attr>" or "packages.<system>.<attr>"
		parts := strings.SplitN(key, ".", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("read dump %s: unexpected key %q", path, key)
		}
		pkgs = append(pkgs, Package{Attr: parts[2], Pname: v.Pname, Version: v.Version, Description: v.Description})
	}
	return pkgs, nil
}

// benchDataset is one benchmark input.
type benchDataset struct {
	name string
	pkgs func(b *testing.B) []Package
}

// benchDatasets are the generated index and, when DEVSH_NIXPKGS_DUMP names
// the real dump, the real one (otherwise that sub-benchmark skips).
func benchDatasets() []benchDataset {
	return []benchDataset{
		{"gen", func(*testing.B) []Package { return genPackages(genCount) }},
		{"real", func(b *testing.B) []Package {
			path := os.Getenv("DEVSH_NIXPKGS_DUMP")
			if path == "" {
				b.Skip("DEVSH_NIXPKGS_DUMP is not set; skipping the real nixpkgs dump")
			}
			pkgs, err := benchReadDump(path)
			if err != nil {
				b.Fatal(err)
			}
			return pkgs
		}},
	}
}

// benchKeystrokes are the queries of typing "cargo-edit": c, ca, …
func benchKeystrokes() []string {
	const typed = "cargo-edit"
	out := make([]string, len(typed))
	for i := range out {
		out[i] = typed[:i+1]
	}
	return out
}

// benchVisibleRows is the result limit the TUI asks for: a screenful.
const benchVisibleRows = 50

// benchReportKeystrokes reports the median and worst per-keystroke time.
func benchReportKeystrokes(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	b.ReportMetric(ms(d[len(d)/2]), "ms/key-median")
	b.ReportMetric(ms(d[len(d)-1]), "ms/key-max")
}

// BenchmarkTyping replays typing c…cargo-edit through one fresh Matcher per
// iteration (as one TUI session would); ns/op is the whole sequence.
func BenchmarkTyping(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.name, func(b *testing.B) {
			ix := NewIndex(ds.pkgs(b))
			keys := benchKeystrokes()
			var per []time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				m := NewMatcher(ix, 0)
				for _, k := range keys {
					t0 := time.Now()
					if _, err := m.Search(context.Background(), Query{Text: k}, benchVisibleRows); err != nil {
						b.Fatal(err)
					}
					per = append(per, time.Since(t0))
				}
			}
			b.StopTimer()
			benchReportKeystrokes(b, per)
		})
	}
}

// BenchmarkTypingDescriptions is the same for description search.
func BenchmarkTypingDescriptions(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.name, func(b *testing.B) {
			ix := NewIndex(ds.pkgs(b))
			ix.indexDescriptions() // built once per index, not per keystroke
			keys := benchKeystrokes()
			var per []time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				m := NewMatcher(ix, 0)
				for _, k := range keys {
					t0 := time.Now()
					if _, err := m.Search(context.Background(), Query{Text: k, Descriptions: true}, benchVisibleRows); err != nil {
						b.Fatal(err)
					}
					per = append(per, time.Since(t0))
				}
			}
			b.StopTimer()
			benchReportKeystrokes(b, per)
		})
	}
}

// BenchmarkFuzzyFindBaseline is plain fuzzy.Find over all attribute names
// per keystroke: the cost the Matcher is built to avoid.
func BenchmarkFuzzyFindBaseline(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.name, func(b *testing.B) {
			pkgs := ds.pkgs(b)
			names := make([]string, len(pkgs))
			for i, p := range pkgs {
				names[i] = p.Attr
			}
			keys := benchKeystrokes()
			var per []time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for _, k := range keys {
					t0 := time.Now()
					fuzzy.Find(k, names)
					per = append(per, time.Since(t0))
				}
			}
			b.StopTimer()
			benchReportKeystrokes(b, per)
		})
	}
}

// BenchmarkSearchCold is one query on a fresh Matcher (no narrowing): the
// first keystroke, or `devsh search cargo`.
func BenchmarkSearchCold(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.name, func(b *testing.B) {
			ix := NewIndex(ds.pkgs(b))
			for _, q := range []string{"c", "cargo", "cargo-edit", "python requests"} {
				b.Run(strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
					b.ReportAllocs()
					for range b.N {
						if _, err := NewMatcher(ix, 0).Search(context.Background(), Query{Text: q}, benchVisibleRows); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkSuggest is the "did you mean" after a typo in `devsh add`.
func BenchmarkSuggest(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.name, func(b *testing.B) {
			ix := NewIndex(ds.pkgs(b))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if got := ix.Suggest("cargo-edt", 3); len(got) == 0 || got[0] != "cargo-edit" {
					b.Fatalf("Suggest = %q", got)
				}
			}
		})
	}
}

func BenchmarkNewIndex(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.name, func(b *testing.B) {
			pkgs := ds.pkgs(b)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				NewIndex(pkgs)
			}
		})
	}
}

func BenchmarkCacheStore(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.name, func(b *testing.B) {
			ix := NewIndex(ds.pkgs(b))
			c := Cache{Dir: b.TempDir()}
			meta := CacheMeta{Key: "bench", System: "x86_64-linux"}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := c.Store(meta, ix); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if info, err := os.Stat(c.Path(meta.Key)); err == nil {
				b.ReportMetric(float64(info.Size())/(1<<20), "MiB-file")
			}
		})
	}
}

func BenchmarkCacheLoad(b *testing.B) {
	for _, ds := range benchDatasets() {
		b.Run(ds.name, func(b *testing.B) {
			c := Cache{Dir: b.TempDir()}
			if err := c.Store(CacheMeta{Key: "bench"}, NewIndex(ds.pkgs(b))); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, _, err := c.Load("bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestBenchReadDump(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dump.json.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	_, _ = zw.Write([]byte(`{"legacyPackages.x86_64-linux.python313Packages.requests":{"description":"HTTP library","pname":"python3.13-requests","version":"2.32.4"},"packages.aarch64-darwin.hello":{"description":"","pname":"hello","version":"2.12.2"}}`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	pkgs, err := benchReadDump(path)
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(pkgs)
	want := []Package{
		{Attr: "hello", Pname: "hello", Version: "2.12.2"},
		{Attr: "python313Packages.requests", Pname: "python3.13-requests", Version: "2.32.4", Description: "HTTP library"},
	}
	if !slices.Equal(cachePackages(ix), want) {
		t.Errorf("read %+v, want %+v", cachePackages(ix), want)
	}
}
