package tui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/devsh/devsh/nixsearch"
)

// benchIndexSize is about the size of real nixpkgs' searchable set.
const benchIndexSize = 130_000

// benchPackages generates n packages with nixpkgs-like names, with the
// real cargo family among them. Deterministic.
func benchPackages(n int) []nixsearch.Package {
	rng := rand.New(rand.NewPCG(1, 2))
	sets := []string{"", "", "", "python3Packages.", "haskellPackages.", "perlPackages.", "nodePackages.", "rPackages.", "vimPlugins.", "emacsPackages."}
	syl := []string{"ca", "go", "rs", "lib", "py", "tex", "nix", "ar", "ed", "it", "cl", "ng", "ui", "zz", "ft", "ml", "qt", "gtk", "x", "db", "sql", "net", "web", "rg", "fd", "bat", "jq", "cargo", "edit", "watch"}
	pkgs := make([]nixsearch.Package, 0, n)
	seen := map[string]bool{}
	for _, p := range testPackages() {
		pkgs = append(pkgs, p)
		seen[p.Attr] = true
	}
	for len(pkgs) < n {
		var b strings.Builder
		b.WriteString(sets[rng.IntN(len(sets))])
		parts := 1 + rng.IntN(3)
		for i := 0; i < parts; i++ {
			if i > 0 && rng.IntN(2) == 0 {
				b.WriteByte('-')
			}
			b.WriteString(syl[rng.IntN(len(syl))])
		}
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&b, "%d", rng.IntN(100))
		}
		attr := b.String()
		if seen[attr] {
			continue
		}
		seen[attr] = true
		pkgs = append(pkgs, nixsearch.Package{
			Attr:        attr,
			Pname:       attr,
			Version:     fmt.Sprintf("%d.%d.%d", rng.IntN(5), rng.IntN(30), rng.IntN(10)),
			Description: "Generated package " + attr + " for the typing benchmark, with a description of usual length",
		})
	}
	return pkgs
}

// cachedSearchBackend answers searches from precomputed results, so that a
// benchmark measures the model alone.
type cachedSearchBackend struct {
	*memBackend
	answers map[string]Results
}

func (c cachedSearchBackend) Search(ctx context.Context, query string, limit int) (Results, error) {
	return c.answers[query], nil
}

// matcherBackend answers searches with nixsearch's real Matcher, the one
// devsh uses, so that the benchmark measures a keystroke as the user gets it.
type matcherBackend struct {
	*memBackend
	ix *nixsearch.Index
	m  *nixsearch.Matcher
}

func newMatcherBackend(mem *memBackend, pkgs []nixsearch.Package) matcherBackend {
	ix := nixsearch.NewIndex(pkgs)
	m := nixsearch.NewMatcher(ix, 0)
	m.Prepare() // as the devsh backend does
	return matcherBackend{memBackend: mem, ix: ix, m: m}
}

func (c matcherBackend) Search(ctx context.Context, query string, limit int) (Results, error) {
	return c.search(ctx, nixsearch.Query{Text: query}, limit)
}

func (c matcherBackend) SearchDescriptions(ctx context.Context, query string, limit int) (Results, error) {
	return c.search(ctx, nixsearch.Query{Text: query, Descriptions: true}, limit)
}

func (c matcherBackend) search(ctx context.Context, q nixsearch.Query, limit int) (Results, error) {
	res, err := c.m.Search(ctx, q, limit)
	if err != nil {
		return Results{}, err
	}
	out := Results{Query: q.Text, Total: res.Total}
	for _, mt := range res.Matches {
		out.Rows = append(out.Rows, Row{Pkg: c.ix.At(mt.Index), Positions: mt.Positions, Why: mt.Why})
	}
	return out, nil
}

// benchModel returns a model at 100×30 with its first load done.
func benchModel(b *testing.B, be Backend) Model {
	b.Helper()
	noTick := func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	m := NewModel(context.Background(), be, ModelOptions{Styles: colorStyles(), Tick: noTick})
	nm, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	lm, cmd := loadSteps(nm.(Model), be)
	return execSync(lm, cmd)
}

// execSync runs cmd and the Cmds it leads to synchronously, feeding their
// messages to the model.
func execSync(m Model, cmd tea.Cmd) Model {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			nm, next := m.Update(msg)
			m = nm.(Model)
			queue = append(queue, next)
		}
	}
	return m
}

// typingSequence is the replayed typing: c, ca, …, cargo-edit.
const typingSequence = "cargo-edit"

// BenchmarkModelTyping replays typing "cargo-edit" through Update and View
// over a 130k-package index, running the returned Cmds synchronously, and
// reports the time per keystroke (median and worst besides the mean).
// "matcher" searches with nixsearch's Matcher, as devsh does; "search"
// with the test matcher (memSearch, a linear scan); "model" answers
// searches from a precomputed table, which leaves Update, the result
// handling and View.
func BenchmarkModelTyping(b *testing.B) {
	pkgs := benchPackages(benchIndexSize)
	mem := newMemBackend(pkgs, "rustc", "cargo")
	answers := map[string]Results{}
	for i := range typingSequence {
		q := typingSequence[:i+1]
		answers[q] = memSearch(mem.index, q, resultLimit)
	}
	answers[""] = memSearch(mem.index, "", resultLimit)
	backends := []struct {
		name string
		be   Backend
	}{
		{"matcher", newMatcherBackend(mem, pkgs)},
		{"search", mem},
		{"model", cachedSearchBackend{mem, answers}},
	}
	for _, bc := range backends {
		b.Run(bc.name, func(b *testing.B) {
			base := benchModel(b, bc.be)
			var per []time.Duration
			b.ResetTimer()
			for b.Loop() {
				m := base
				for _, r := range typingSequence {
					start := time.Now()
					nm, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
					m = execSync(nm.(Model), cmd)
					_ = m.View()
					per = append(per, time.Since(start))
				}
				if m.results.res.Query != typingSequence {
					b.Fatalf("results for %q", m.results.res.Query)
				}
			}
			slices.Sort(per)
			b.ReportMetric(float64(per[len(per)/2].Nanoseconds()), "p50-ns/key")
			b.ReportMetric(float64(per[len(per)-1].Nanoseconds()), "max-ns/key")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(typingSequence)), "ns/key")
		})
	}
}

// BenchmarkView renders the screen over indexes of very different sizes:
// the times must match, View does no work proportional to the index.
func BenchmarkView(b *testing.B) {
	for _, n := range []int{1_000, benchIndexSize} {
		b.Run(fmt.Sprintf("index=%d", n), func(b *testing.B) {
			m := benchModel(b, newMemBackend(benchPackages(n), "rustc"))
			nm, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("c")})
			m = execSync(nm.(Model), cmd)
			if m.results.res.Total == 0 {
				b.Fatal("no results")
			}
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// slowResolveBackend never finds its nixpkgs (Resolve waits for ctx), like
// `nix flake metadata nixpkgs` on a slow network.
type slowResolveBackend struct{ *memBackend }

func (s slowResolveBackend) Resolve(ctx context.Context) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}

// BenchmarkFirstFrame measures what Run does before the program draws:
// the preload within firstFrameBudget and the first View, on a warm index
// ("warm": the frame has results) and with a nixpkgs that takes forever
// to resolve ("slow-resolve": the frame says "resolving nixpkgs…").
func BenchmarkFirstFrame(b *testing.B) {
	for _, c := range []struct {
		name string
		be   func() Backend
		want string
	}{
		{"warm", func() Backend { return newMemBackend(testPackages(), "rustc") }, "1 in devshell.toml"},
		{"slow-resolve", func() Backend { return slowResolveBackend{newMemBackend(testPackages(), "rustc")} }, "resolving nixpkgs…"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				ctx, cancel := context.WithCancel(context.Background())
				m := NewModel(ctx, c.be(), ModelOptions{Styles: colorStyles()})
				m = m.preload(firstFrameBudget)
				nm, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
				if v := nm.View(); !strings.Contains(v, c.want) {
					b.Fatalf("first frame lacks %q:\n%s", c.want, v)
				}
				cancel()
			}
		})
	}
}
