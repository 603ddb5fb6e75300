package nixsearch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// genCount is the size of the generated index: about the size of a real
// nixpkgs dump (129,815 packages).
const genCount = 130_000

// genSeed fixes the generator: math/rand/v2's PCG output is specified and
// stable across Go releases, so the same packages come out on every run.
const genSeed = 0x6465767368

// genAnchors are real packages the tests and benchmarks rely on, placed in
// the generated index among the synthetic ones.
func genAnchors() []Package {
	return []Package{
		{Attr: "cargo", Pname: "cargo", Version: "1.89.0", Description: "Downloads your Rust project's dependencies and builds your project"},
		{Attr: "cargo-edit", Pname: "cargo-edit", Version: "0.13.7", Description: "Utility for managing cargo dependencies from the command line"},
		{Attr: "cargo-edit-unwrapped", Pname: "cargo-edit", Version: "0.13.7", Description: "Utility for managing cargo dependencies from the command line"},
		{Attr: "cargo-expand", Pname: "cargo-expand", Version: "1.0.114", Description: "Cargo subcommand to show result of macro expansion"},
		{Attr: "cargo-deny", Pname: "cargo-deny", Version: "0.18.4", Description: "Cargo plugin for linting your dependencies"},
		{Attr: "emacsPackages.cargo", Pname: "emacs-cargo", Version: "20231229.915", Description: "Emacs Minor Mode for Cargo, Rust's Package Manager"},
		{Attr: "rPackages.cargo", Pname: "r-cargo", Version: "0.4.9", Description: ""},
		{Attr: "go", Pname: "go", Version: "1.25.0", Description: "Go Programming language"},
		{Attr: "gopls", Pname: "gopls", Version: "0.20.0", Description: "Official language server for the Go language"},
		{Attr: "emacsPackages.go", Pname: "emacs-go", Version: "20220414.1956", Description: ""},
		{Attr: "python312Packages.requests", Pname: "python3.12-requests", Version: "2.32.4", Description: "HTTP library for Python"},
		{Attr: "python313Packages.requests", Pname: "python3.13-requests", Version: "2.32.4", Description: "HTTP library for Python"},
		{Attr: "kodiPackages.requests", Pname: "kodi-requests", Version: "2.31.0", Description: "Python HTTP for Humans"},
		{Attr: "rustc", Pname: "rustc", Version: "1.89.0", Description: "Safe, concurrent, practical language (wrapper script)"},
		{Attr: "hello", Pname: "hello", Version: "2.12.2", Description: "Program that produces a familiar, friendly greeting"},
	}
}

// genSetSpec is one package set of the generated index and its size.
type genSetSpec struct {
	prefix string // "" for top level, else "python313Packages." etc.
	count  int
	style  int // genStyle*
}

const (
	genStyleHyphen = iota // cargo-edit, libfoo-utils
	genStyleCamel         // DateTimeFormat (perl, some R)
	genStyleVim           // vim-foo, nvim-bar-baz
	genStyleTeX           // lowercase run-together words
)

// genSets mirrors the real dump's shape (top level ~22k, rPackages ~31k,
// haskellPackages ~19k, two python sets ~10k each, …).
func genSets() []genSetSpec {
	return []genSetSpec{
		{"", 21_900, genStyleHyphen},
		{"rPackages.", 30_700, genStyleCamel},
		{"haskellPackages.", 18_600, genStyleHyphen},
		{"python312Packages.", 9_900, genStyleHyphen},
		{"python313Packages.", 9_700, genStyleHyphen},
		{"emacsPackages.", 6_400, genStyleHyphen},
		{"sbclPackages.", 4_700, genStyleHyphen},
		{"texlivePackages.", 4_600, genStyleTeX},
		{"vimPlugins.", 2_200, genStyleVim},
		{"typstPackages.", 2_100, genStyleHyphen},
		{"perl538Packages.", 1_900, genStyleCamel},
		{"perl540Packages.", 1_900, genStyleCamel},
		{"linuxKernel.packages.linux_6_12.", 1_900, genStyleHyphen},
		{"ocamlPackages.", 1_100, genStyleHyphen},
		{"gnomeExtensions.", 800, genStyleHyphen},
		{"kdePackages.", 500, genStyleHyphen},
		{"vscode-extensions.", 460, genStyleHyphen},
		{"rubyPackages_3_4.", 370, genStyleHyphen},
		{"rubyPackages.", 370, genStyleHyphen},
		{"lua54Packages.", 180, genStyleHyphen},
		{"nodePackages_latest.", 140, genStyleHyphen},
		{"nodePackages.", 135, genStyleHyphen},
		{"xorg.", 146, genStyleCamel},
	}
}

// genWords are name parts typical of nixpkgs attribute names.
func genWords() []string {
	return strings.Fields(`
	lib py python http json xml yaml toml cargo rust go git edit tools tool
	server client async test tests data net cli core utils util gtk qt sdl
	ssl crypto parse parser format fmt lint linter lsp mode api sdk aws azure
	google cloud docker kube k8s helm terraform provider plugin plugins ext
	db sql sqlite postgres mysql redis mongo cache log logger logging time
	date math stat stats plot graph image img audio video media font fonts
	theme icons shell zsh bash fish term terminal tui ui web www html css js
	node npm react vue build make cmake meson ninja bazel nix flake hash
	config conf env dev debug trace prof perf bench mock fake stub proto grpc
	rpc queue stream event events bus mail smtp imap dns tcp udp ssh tls x11
	wayland vulkan gl opengl cuda rocm ml nn torch tensor numpy pandas arrow
	text string regex unicode i18n locale doc docs man markdown md rst latex
	pdf svg png jpeg zip tar gz zstd xz archive compress crc sync watch fs
	file files path dir io os sys proc process thread pool worker job task
	`)
}

// genSyllables make up the many invented names.
func genSyllables() []string {
	return strings.Fields(`
	ka ro mi ta ne su lo vi ze pa qu ri do fa ge hu ja ko le ma no pe ra se
	ti bo cu da el fi gu ho in jo ku li mo nu op pi re so tu va we xi yo zu
	ar ber cor dan er fen gor han ist jal kel lor mar nor ost pel rin sar tor
	`)
}

// genDescWords build descriptions.
func genDescWords() []string {
	return strings.Fields(`
	library for the a an and of to with in from fast simple small modern
	command line tool utility client server framework bindings interface
	parser generator manager viewer editor plugin extension support based
	written rust python haskell go lisp emacs vim terminal graphical cross
	platform file files data network secure lightweight implementation
	package packages project dependencies configuration development testing
	`)
}

// genPackages returns n deterministic, realistic packages: the anchors plus
// synthetic ones distributed over genSets, unique attributes, in generation
// order (unsorted).
func genPackages(n int) []Package {
	g := &genState{
		r:         rand.New(rand.NewPCG(genSeed, genSeed>>1)),
		words:     genWords(),
		syllables: genSyllables(),
		descWords: genDescWords(),
	}
	r := g.r
	seen := make(map[string]bool, n)
	out := make([]Package, 0, n)
	anchors := genAnchors()
	sets := genSets()
	for _, a := range anchors {
		seen[a.Attr] = true
		out = append(out, a)
	}
	total := 0
	for _, s := range sets {
		total += s.count
	}
	// Python sets share most names, as in nixpkgs.
	var pyNames []string
	for len(out) < n {
		for _, s := range sets {
			want := s.count * (n - len(anchors)) / total
			for made := 0; made < want && len(out) < n; {
				var name string
				if strings.HasPrefix(s.prefix, "python313") && len(pyNames) > 0 && r.IntN(10) < 8 {
					name = pyNames[r.IntN(len(pyNames))]
				} else {
					name = g.name(s.style)
				}
				attr := s.prefix + name
				if seen[attr] {
					if strings.HasPrefix(s.prefix, "python313") {
						name = g.name(s.style)
						attr = s.prefix + name
						if seen[attr] {
							continue
						}
					} else {
						continue
					}
				}
				if strings.HasPrefix(s.prefix, "python312") {
					pyNames = append(pyNames, name)
				}
				seen[attr] = true
				out = append(out, Package{
					Attr:        attr,
					Pname:       genPname(s.prefix, name),
					Version:     g.version(),
					Description: g.description(),
				})
				made++
			}
		}
	}
	return out
}

// genState is the generator's random source and vocabulary.
type genState struct {
	r                           *rand.Rand
	words, syllables, descWords []string
}

// name invents one package name in a style.
func (g *genState) name(style int) string {
	r := g.r
	part := func() string {
		if r.IntN(3) == 0 {
			return g.words[r.IntN(len(g.words))]
		}
		k := 1 + r.IntN(3)
		var b strings.Builder
		for range k {
			b.WriteString(g.syllables[r.IntN(len(g.syllables))])
		}
		return b.String()
	}
	parts := 1 + r.IntN(3)
	var b strings.Builder
	switch style {
	case genStyleCamel:
		for range parts {
			p := part()
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	case genStyleVim:
		b.WriteString([]string{"vim-", "nvim-", ""}[r.IntN(3)])
		for k := range parts {
			if k > 0 {
				b.WriteByte('-')
			}
			b.WriteString(part())
		}
		if r.IntN(4) == 0 {
			b.WriteString("-nvim")
		}
	case genStyleTeX:
		for range parts {
			b.WriteString(part())
		}
	default:
		for k := range parts {
			if k > 0 {
				b.WriteByte([]byte{'-', '-', '-', '_'}[r.IntN(4)])
			}
			b.WriteString(part())
		}
		if r.IntN(12) == 0 {
			fmt.Fprintf(&b, "_%d", 1+r.IntN(30))
		}
	}
	return b.String()
}

// genPname derives a pname the way nixpkgs names derivations in sets.
func genPname(prefix, name string) string {
	switch {
	case strings.HasPrefix(prefix, "python312"):
		return "python3.12-" + name
	case strings.HasPrefix(prefix, "python313"):
		return "python3.13-" + name
	case strings.HasPrefix(prefix, "rPackages"):
		return "r-" + name
	case strings.HasPrefix(prefix, "emacsPackages"):
		return "emacs-" + name
	}
	return name
}

// version invents a version string: semver, dates, unstable snapshots,
// sometimes none.
func (g *genState) version() string {
	r := g.r
	switch r.IntN(10) {
	case 0:
		return fmt.Sprintf("%d%02d%02d.%d", 2015+r.IntN(11), 1+r.IntN(12), 1+r.IntN(28), r.IntN(2000))
	case 1:
		return fmt.Sprintf("0-unstable-%d-%02d-%02d", 2020+r.IntN(6), 1+r.IntN(12), 1+r.IntN(28))
	case 2:
		return ""
	default:
		return fmt.Sprintf("%d.%d.%d", r.IntN(6), r.IntN(30), r.IntN(20))
	}
}

// description invents a description; about a third are empty, as in the
// real dump.
func (g *genState) description() string {
	r := g.r
	if r.IntN(3) == 0 {
		return ""
	}
	k := 3 + r.IntN(10)
	words := make([]string, k)
	for i := range words {
		words[i] = g.descWords[r.IntN(len(g.descWords))]
	}
	words[0] = strings.ToUpper(words[0][:1]) + words[0][1:]
	return strings.Join(words, " ")
}

// genDigest is a SHA-256 over every field of pkgs, in order.
func genDigest(pkgs []Package) string {
	h := sha256.New()
	for _, p := range pkgs {
		fmt.Fprintf(h, "%q %q %q %q\n", p.Attr, p.Pname, p.Version, p.Description)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestGenDeterministic(t *testing.T) {
	a := genPackages(genCount)
	b := genPackages(genCount)
	if len(a) != genCount {
		t.Fatalf("generated %d packages, want %d", len(a), genCount)
	}
	da, db := genDigest(a), genDigest(b)
	if da != db {
		t.Fatalf("two runs differ: %s vs %s", da, db)
	}
	seen := make(map[string]bool, len(a))
	sets := make(map[string]int)
	for _, p := range a {
		if seen[p.Attr] {
			t.Fatalf("duplicate attribute %q", p.Attr)
		}
		seen[p.Attr] = true
		if k := strings.LastIndexByte(p.Attr, '.'); k >= 0 {
			sets[p.Attr[:k+1]]++
		}
	}
	for _, s := range genSets() {
		if s.prefix != "" && sets[s.prefix] < s.count/2 {
			t.Errorf("set %s has %d packages, want about %d", s.prefix, sets[s.prefix], s.count)
		}
	}
	for _, p := range genAnchors() {
		if !seen[p.Attr] {
			t.Errorf("anchor %q missing", p.Attr)
		}
	}
	// The digest is pinned so a change to the generator (which shifts every
	// benchmark number) is a visible, deliberate step.
	golden := filepath.Join("testdata", "cache", "gen-digest.golden")
	if *cacheUpdate {
		if err := os.WriteFile(golden, []byte(da+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden digest (run with -update-cache to create it): %v", err)
	}
	if got := da + "\n"; got != string(want) {
		t.Errorf("generator digest %s, golden %s (run with -update-cache if the change is intended)", da, strings.TrimSpace(string(want)))
	}
}
