package nixsearch

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sahilm/fuzzy"
)

// benchReadDump reads a gzipped `nix search --json` dump (as named by
// DEVSH_NIXPKGS_DUMP) with the production parser.
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
	pkgs, err := ParseSearchJSON(zr)
	if err != nil {
		return nil, fmt.Errorf("read dump %s: %w", path, err)
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

// benchQueries are typed in the benchmarks, one per query class: a name, a
// command, a version (two ways), a typo, an alias set, several words.
var benchQueries = []string{"cargo-edit", "rg", "nvim", "python 3.12", "nodejs@20", "kubeclt", "terrafrom", "python3Packages.requests", "rust analyzer"}

// benchKeystrokes are, per benchQueries entry, the queries of typing it:
// c, ca, …, cargo-edit.
func benchKeystrokes() [][]string {
	var out [][]string
	for _, typed := range benchQueries {
		seq := make([]string, len(typed))
		for i := range seq {
			seq[i] = typed[:i+1]
		}
		out = append(out, seq)
	}
	return out
}

// benchRank gives an index the ranking's data the dump lacks: the
// relevance test's main programs (on the packages) and alias sets.
func benchRank(b *testing.B, pkgs []Package) *Index {
	mp, err := relevanceTSV("mainprogram.tsv", 2)
	if err != nil {
		b.Fatal(err)
	}
	programs := map[string]string{}
	for _, r := range mp {
		programs[r[0]] = r[1]
	}
	for i := range pkgs {
		if p, ok := programs[pkgs[i].Attr]; ok && pkgs[i].MainProgram == "" {
			pkgs[i].MainProgram = p
		}
	}
	al, err := relevanceTSV("aliases.tsv", 2)
	if err != nil {
		b.Fatal(err)
	}
	aliases := map[string]string{}
	for _, r := range al {
		aliases[r[0]] = r[1]
	}
	return NewIndex(pkgs).WithAliasSets(aliases)
}

// benchVisibleRows is the result limit the TUI asks for: a screenful.
const benchVisibleRows = 50

// benchReplayKeystrokes replays typing each of benchQueries b.N times:
// each query gets a fresh search function from session (one TUI session)
// called once per keystroke. It reports the median and the worst
// per-keystroke time; ns/op is all the queries.
func benchReplayKeystrokes(b *testing.B, session func() func(q string) error) {
	keys := benchKeystrokes()
	var per []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, seq := range keys {
			search := session()
			for _, k := range seq {
				t0 := time.Now()
				if err := search(k); err != nil {
					b.Fatal(err)
				}
				per = append(per, time.Since(t0))
			}
		}
	}
	b.StopTimer()
	if len(per) == 0 {
		return
	}
	slices.Sort(per)
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	b.ReportMetric(ms(per[len(per)/2]), "ms/key-median")
	b.ReportMetric(ms(per[len(per)-1]), "ms/key-max")
}

// benchTyping replays typing through one fresh Matcher per iteration, over
// attribute paths or over descriptions.
func benchTyping(b *testing.B, descriptions bool) {
	for _, ds := range benchDatasets() {
		b.Run(ds.name, func(b *testing.B) {
			ix := benchRank(b, ds.pkgs(b))
			if descriptions {
				ix.indexDescriptions() // built once per index, not per keystroke
			}
			NewMatcher(ix, 0).Prepare() // as the TUI does when the index arrives
			benchReplayKeystrokes(b, func() func(string) error {
				m := NewMatcher(ix, 0)
				return func(q string) error {
					_, err := m.Search(context.Background(), Query{Text: q, Descriptions: descriptions}, benchVisibleRows)
					return err
				}
			})
		})
	}
}

// BenchmarkTyping replays typing benchQueries through one fresh Matcher per
// query (as one TUI session would), with the full ranking; ns/op is all of
// them.
func BenchmarkTyping(b *testing.B) { benchTyping(b, false) }

// BenchmarkTypingDescriptions is the same for description search.
func BenchmarkTypingDescriptions(b *testing.B) { benchTyping(b, true) }

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
			benchReplayKeystrokes(b, func() func(string) error {
				return func(q string) error {
					fuzzy.Find(q, names)
					return nil
				}
			})
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
			cpu := benchCPUTime()
			for range b.N {
				if _, _, err := c.Load("bench"); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time is what the load costs on a busy machine, where wall
			// time also counts waiting for a core.
			b.ReportMetric(float64(benchCPUTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// benchCPUTime is the user and system CPU time this process has used.
func benchCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
