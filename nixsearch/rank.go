package nixsearch

import (
	"bytes"
	"cmp"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

// The ranking tiers, best first (README § Usage, "What comes first").
// A candidate's tier decides before anything else; within a tier the
// rankKey's further fields, then the fuzzy score, decide.
const (
	// tierVersion: the attribute a version query ("python 3.12",
	// "nodejs@20") selects; closest newer versions after exact ones.
	tierVersion uint8 = iota
	// tierExact: the query is the whole attribute path ("ripgrep",
	// "python313Packages.requests"); several words joined by '-' count
	// ("rust analyzer" is rust-analyzer).
	tierExact
	// tierProgram: a top-level package whose meta.mainProgram is the query
	// ("rg" is ripgrep).
	tierProgram
	// tierSet: the query is the last segment of a nested attribute in a
	// set a language defaults to (rankInfo.setDefault: the set an alias
	// set names, python313Packages for python3Packages, or the first of a
	// family of several sets), or the main program of a nested package.
	// Within the tier a shallower path comes first, then the set decides
	// (rankInfo.setKey): the larger ecosystem first (vimPlugins before the
	// lua sets for telescope-nvim, the python sets before kodiPackages for
	// requests), and within one family of sets its default first.
	tierSet
	// tierPrefixTop: a top-level attribute starts with the query.
	tierPrefixTop
	// tierSetMinor: the query is the last segment of a nested attribute in
	// another set (rPackages.rust, haskellPackages.mysql): at equal
	// quality top level first, so after the top-level prefixes (rustc,
	// mysql84). When no top-level attribute starts with the query, these
	// rank as tierSet (matchMerge.result), so that a name only sets have
	// (magit, telescope-nvim) still comes first by its ecosystem.
	tierSetMinor
	// tierPrefix: a nested attribute or its last segment starts with the
	// query.
	tierPrefix
	// tierTypo: the last segment is within a small edit distance of the
	// query (only searched when nothing above matched).
	tierTypo
	// tierFuzzy: any other fuzzy match.
	tierFuzzy
)

// rankVariantSuffixes mark a build variant of another package: at equal
// quality the plain package comes first (neovim before neovim-unwrapped,
// nodejs before nodejs-slim).
var rankVariantSuffixes = [...]string{"-unwrapped", "_unwrapped", "-slim", "-minimal", "minimal", "-nox", "-headless", "-bin"}

// rankChunkMin is the fewest packages worth a goroutine of rankBuild.
const rankChunkMin = 16_384

// rankInfo is what the ranking knows about an index beyond the match
// targets, prepared once on first use: which sets are the languages'
// defaults, an order of sets for exact-name ties, which attributes are
// variants, and the main programs.
type rankInfo struct {
	once sync.Once
	// setKey[k] orders set k for exact-name ties (lower first): larger
	// families first, then, within a family, its language's default, then
	// newest first. Sets of different families of the same size tie.
	setKey []uint32
	// setDefault[k] is true when set k is one a language defaults to: an
	// alias set's target, or the first (setKey) of a family of several.
	setDefault []bool
	// variant[i] is true when attribute i is a variant (rankVariantSuffixes).
	variant []bool
	// progIdx lists the packages that have a main program, in index
	// order.
	progIdx []int32
	// programs maps a lower-cased main program to the first of the
	// packages running it (a position in progIdx); progNext chains each
	// position to the next package running the same program (-1 ends it),
	// so the packages are in index order. Built by prepareRest: it reads
	// the main program of every package that has one, scattered over the
	// mapped index (~6 ms for 43k), which a one-shot search's single
	// lookup does not need; until then runs scans progIdx, comparing
	// lengths first. progBuilt is set once the table is complete.
	progOnce  sync.Once
	progBuilt atomic.Bool
	programs  map[string]int32
	progNext  []int32
	// topLevel lists the top-level attributes, for version queries.
	topLevel []int32
	// segMask[i] is the prefilter bitmask (indexMaskBit) of attribute i's
	// last segment and segLen[i] its length (capped at 255), for the
	// edit-distance search: two small arrays it scans instead of the
	// index. Built on first use (rankTypoTables).
	typoOnce sync.Once
	segMask  []uint64
	segLen   []uint8
}

// runs returns the packages whose lower-cased main program is prog, in
// index order. A main program whose lower-case form has another length
// than it (a few non-ASCII letters) is never matched: the scan compares
// lengths before it reads a program.
func (r *rankInfo) runs(ix *Index, prog string) []int32 {
	var out []int32
	if r.progBuilt.Load() {
		pos, ok := r.programs[prog]
		if !ok {
			return nil
		}
		for ; pos >= 0; pos = r.progNext[pos] {
			out = append(out, r.progIdx[pos])
		}
		return out
	}
	for _, i := range r.progIdx {
		if mp := ix.MainProgram(int(i)); len(mp) == len(prog) && strings.ToLower(mp) == prog {
			out = append(out, i)
		}
	}
	return out
}

// prepareRest builds what rankBuild leaves to first use: the main-program
// table and the edit-distance tables (a TUI session asks for them on
// every keystroke; a one-shot search at most once).
func (ix *Index) prepareRest(r *rankInfo) {
	r.progOnce.Do(func() {
		// Chained back to front, so each chain runs in index order.
		r.programs = make(map[string]int32, len(r.progIdx))
		r.progNext = make([]int32, len(r.progIdx))
		for pos := len(r.progIdx) - 1; pos >= 0; pos-- {
			mp := ix.MainProgram(int(r.progIdx[pos]))
			k := strings.ToLower(mp)
			r.progNext[pos] = -1
			if len(k) != len(mp) {
				continue // as runs' scan
			}
			if head, ok := r.programs[k]; ok {
				r.progNext[pos] = head
			}
			r.programs[k] = int32(pos)
		}
		r.progBuilt.Store(true)
	})
	ix.rankTypoTables(r)
}

// rankTypoTables returns segMask and segLen, building them on first use,
// in parallel chunks.
func (ix *Index) rankTypoTables(r *rankInfo) ([]uint64, []uint8) {
	r.typoOnce.Do(func() {
		n := ix.n
		r.segMask = make([]uint64, n)
		r.segLen = make([]uint8, n)
		var maskTab [256]uint64
		for c := range 256 {
			maskTab[c] = indexMaskBit(byte(c))
		}
		workers := max(1, min(runtime.GOMAXPROCS(0), n/rankChunkMin))
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := n*w/workers, n*(w+1)/workers
			wg.Go(func() {
				for i := lo; i < hi; i++ {
					last := ix.indexLower(i)[ix.seg[i]:]
					r.segLen[i] = uint8(min(len(last), 255))
					switch {
					case ix.generic[i]:
						r.segMask[i] = ^uint64(0) // as Index.mask: reject nothing
					case ix.seg[i] == 0:
						r.segMask[i] = ix.mask[i] // the attribute is its last segment
					default:
						var m uint64
						for _, c := range last {
							m |= maskTab[c]
						}
						r.segMask[i] = m
					}
				}
			})
		}
		wg.Wait()
	})
	return r.segMask, r.segLen
}

// rankPrepare returns the index's ranking info, building it on first use.
func (ix *Index) rankPrepare() *rankInfo {
	r := ix.rank
	r.once.Do(func() { ix.rankBuild(r) })
	return r
}

func (ix *Index) rankBuild(r *rankInfo) {
	n := ix.n
	r.variant = make([]bool, n)
	// The per-package tables are filled in parallel chunks (a one-shot
	// `devsh search` pays for them on every run); top-level lists and
	// main programs are merged in chunk order, so they stay in index order.
	// variantEnd marks the last bytes of rankVariantSuffixes: a name that
	// ends otherwise is no variant, without a comparison.
	var variantEnd [256]bool
	for _, s := range rankVariantSuffixes {
		variantEnd[s[len(s)-1]] = true
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), n/rankChunkMin))
	type part struct {
		topLevel []int32
		programs []int32 // packages with a main program
	}
	parts := make([]part, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() {
			p := &parts[w]
			for i := lo; i < hi; i++ {
				if ix.set[i] < 0 {
					p.topLevel = append(p.topLevel, int32(i))
				}
				last := ix.indexLower(i)[ix.seg[i]:]
				for _, s := range rankVariantSuffixes {
					if len(last) == 0 || !variantEnd[last[len(last)-1]] {
						break
					}
					// Compared in place: string(last) in a call would copy it,
					// 130k times per index.
					if len(last) > len(s) && string(last[len(last)-len(s):]) == s {
						r.variant[i] = true
						break
					}
				}
				if ix.MainProgram(i) != "" { // its length: no byte of it is read
					p.programs = append(p.programs, int32(i))
				}
			}
		})
	}
	wg.Wait()
	for _, p := range parts {
		r.topLevel = append(r.topLevel, p.topLevel...)
		r.progIdx = append(r.progIdx, p.programs...)
	}

	// Sets: a family's default is the target of an alias set of that
	// family (python3Packages → python313Packages), else its unversioned
	// member (rubyPackages beside rubyPackages_3_4), else its newest;
	// families rank by their number of packages.
	sets := len(ix.sets)
	// Per set, then per family: one indexFamily call per set, not per
	// package.
	setSize := make([]int, sets)
	for i := range n {
		if s := ix.set[i]; s >= 0 {
			setSize[s]++
		}
	}
	famSize := map[string]int{}
	for k, c := range setSize {
		famSize[indexFamily(ix.sets[k].name)] += c
	}
	aliased := map[string]bool{}
	families := map[string]bool{}
	for _, t := range ix.aliases {
		aliased[t] = true
		families[indexFamily(t)] = true
	}
	order := make([]int, sets)
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int {
		A, B := ix.sets[a].name, ix.sets[b].name
		fa, fb := indexFamily(A), indexFamily(B)
		if c := cmp.Compare(famSize[fb], famSize[fa]); c != 0 {
			return c
		}
		if c := strings.Compare(fa, fb); c != 0 {
			return c
		}
		if families[fa] && aliased[A] != aliased[B] {
			if aliased[A] {
				return -1
			}
			return 1
		}
		if indexIsUnversioned(A) != indexIsUnversioned(B) {
			if indexIsUnversioned(A) {
				return -1
			}
			return 1
		}
		return indexVersionCompare(A, B)
	})
	r.setKey = make([]uint32, sets)
	r.setDefault = make([]bool, sets)
	famSets := map[string]int{}
	for k := range ix.sets {
		famSets[indexFamily(ix.sets[k].name)]++
	}
	sizeRank, pos := 0, 0
	for j, k := range order {
		fam := indexFamily(ix.sets[k].name)
		if j > 0 {
			prev := indexFamily(ix.sets[order[j-1]].name)
			switch {
			case famSize[prev] != famSize[fam]:
				sizeRank++
				pos = 0
			case prev != fam:
				pos = 0
			default:
				pos++
			}
		}
		r.setKey[k] = uint32(sizeRank)<<10 | uint32(min(pos, 1023)+1)
		r.setDefault[k] = aliased[ix.sets[k].name] || pos == 0 && famSets[fam] > 1
	}
}

// indexIsUnversioned reports whether a set name has no digits.
func indexIsUnversioned(name string) bool {
	return strings.IndexFunc(name, unicode.IsDigit) < 0
}

// rankKey is the part of the ranking decided before the fuzzy score, one
// comparable number: tier, then dist (edit distance, version order), then
// the set order, then variants last.
func rankKey(tier uint8, dist uint32, set uint32, variant bool) uint64 {
	k := uint64(tier)<<60 | uint64(min(dist, 1<<16-1))<<44 | uint64(min(set, 1<<22-1))<<22
	if variant {
		k |= 1 << 21
	}
	return k
}

// rankSetKey orders attribute i among attributes of the same tier: top
// level first (0), then by the set order.
func (r *rankInfo) rankSetKey(ix *Index, i int) uint32 {
	if s := ix.set[i]; s >= 0 {
		return r.setKey[s]
	}
	return 0
}

// rankQuery is a parsed query: the words the fuzzy scan matches, and what
// the extras need.
type rankQuery struct {
	// text is the query for the fuzzy scan: alias sets replaced by their
	// targets, a version word removed.
	text string
	// aliases maps a target set to the alias the user typed for it
	// (python313Packages → python3Packages), for display.
	aliases map[string]string
	// name and version are set for a version query: "python 3.12" or
	// "python@3.12" (version "3.12", its numeric parts in nums).
	name, version string
	nums          []int
}

// rankParse parses q's text against ix: "name@version" and a trailing
// version word make a version query; a word naming an alias set
// ("python3Packages.requests") is rewritten to the set it aliases.
func (ix *Index) rankParse(q Query) rankQuery {
	words := strings.Fields(q.Text)
	var rq rankQuery
	if !q.Descriptions {
		// The version word stays in the fuzzy scan as its digits ("3.12"
		// as "312"): python312 and python312Packages match it, as
		// go_1_24 matches "124".
		switch {
		case len(words) == 1:
			if at := strings.LastIndexByte(words[0], '@'); at > 0 {
				if nums, ok := rankParseVersion(words[0][at+1:]); ok {
					rq.name, rq.version, rq.nums = words[0][:at], words[0][at+1:], nums
					words = []string{rq.name, rankDigits(nums)}
				}
			}
		case len(words) == 2:
			if nums, ok := rankParseVersion(words[1]); ok {
				rq.name, rq.version, rq.nums = words[0], words[1], nums
				words[1] = rankDigits(nums)
			}
		}
		if len(ix.aliases) > 0 {
			for k, w := range words {
				head, rest, dotted := strings.Cut(w, ".")
				if t, ok := ix.aliases[head]; ok {
					if rq.aliases == nil {
						rq.aliases = map[string]string{}
					}
					rq.aliases[t] = head
					words[k] = t
					if dotted {
						words[k] += "." + rest
					}
				}
			}
		}
	}
	rq.text = strings.Join(words, " ")
	return rq
}

// rankDigits is a version's parts written without separators.
func rankDigits(nums []int) string {
	var b strings.Builder
	for _, n := range nums {
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// rankParseVersion parses a version word: digits separated by '.' or '_',
// optionally after a 'v' ("3.12", "20", "v1.24", "5_4").
func rankParseVersion(w string) ([]int, bool) {
	w = strings.TrimPrefix(strings.TrimPrefix(w, "v"), "V")
	if w == "" {
		return nil, false
	}
	var nums []int
	for part := range strings.FieldsFuncSeq(w, func(r rune) bool { return r == '.' || r == '_' }) {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || part[0] == '+' || part[0] == '-' {
			return nil, false
		}
		nums = append(nums, n)
	}
	if len(nums) == 0 || strings.HasSuffix(w, ".") || strings.HasPrefix(w, ".") {
		return nil, false
	}
	return nums, true
}

// rankAttrVersion splits a top-level attribute (lower-cased) into the name
// before its first digit, the version parts written in it and the suffix
// after them: "python312" is python, [312]; "lua5_4_compat" is lua, [5 4],
// "compat"; "go_1_24" is go, [1 24]; "jdk" has no version.
func rankAttrVersion(attr string) (base string, parts []string, suffix string) {
	d := strings.IndexFunc(attr, func(r rune) bool { return r >= '0' && r <= '9' })
	if d <= 0 {
		return attr, nil, ""
	}
	base = strings.TrimRight(attr[:d], "_-.")
	j := d
	for j < len(attr) && (attr[j] >= '0' && attr[j] <= '9' || attr[j] == '_' || attr[j] == '.' || attr[j] == '-') {
		j++
	}
	ver := strings.TrimRight(attr[d:j], "_-.")
	suffix = strings.TrimLeft(attr[d+len(ver):], "_-.")
	parts = strings.FieldsFunc(ver, func(r rune) bool { return r == '_' || r == '.' || r == '-' })
	return base, parts, suffix
}

// rankVersionNums parses the leading numeric parts of a package version
// ("21.0.8+9" is [21 0 8], "3.14.0rc3" is [3 14 0]).
func rankVersionNums(v string) []int {
	var nums []int
	for v != "" {
		j := 0
		for j < len(v) && v[j] >= '0' && v[j] <= '9' {
			j++
		}
		if j == 0 {
			break
		}
		n, err := strconv.Atoi(v[:j])
		if err != nil {
			break
		}
		nums = append(nums, n)
		if j == len(v) || v[j] != '.' {
			break
		}
		v = v[j+1:]
	}
	return nums
}

// rankCompareNums compares version parts numerically, a missing part as 0.
func rankCompareNums(a, b []int) int {
	for k := range max(len(a), len(b)) {
		var x, y int
		if k < len(a) {
			x = a[k]
		}
		if k < len(b) {
			y = b[k]
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return 0
}

// rankExtra is a candidate found outside the fuzzy scan.
type rankExtra struct {
	idx  int
	key  uint64
	why  string
	dist int
}

// rankVersionHits finds what a version query selects: top-level
// attributes whose name is the query's name (or starts with it, or runs it
// as main program) and whose version — written in the attribute
// (python312, go_1_24, lua5_4) or the package's version (jdk is 21.0.8) —
// is the one asked for; when none is, the closest newer ones, marked.
func (ix *Index) rankVersionHits(r *rankInfo, rq *rankQuery, cased bool) []rankExtra {
	if rq.name == "" || len(rq.nums) == 0 {
		return nil
	}
	name := rq.name
	if !cased {
		name = strings.ToLower(name)
	}
	var wantParts []string
	for _, n := range rq.nums {
		wantParts = append(wantParts, strconv.Itoa(n))
	}
	want := rankDigits(rq.nums)
	progs := map[int32]bool{}
	for _, i := range r.runs(ix, strings.ToLower(rq.name)) {
		progs[i] = true
	}
	type hit struct {
		idx              int
		nameQ, kind, pen int
		base             string
		nums             []int
	}
	var hits []hit
	// versioned counts, per name, the attributes writing a version in it.
	versioned := map[string]int{}
	nameB := []byte(name)
	for _, i32 := range r.topLevel {
		i := int(i32)
		// Only names starting with the query's name (or running it) are
		// parsed: a string is made for those few.
		var attr string
		switch {
		case cased && strings.HasPrefix(ix.attr(i), name):
			attr = ix.attr(i)
		case !cased && bytes.HasPrefix(ix.indexLower(i), nameB):
			attr = string(ix.indexLower(i))
		case progs[i32] || rankPnameIs(ix.indexField(i, fieldPname), name, cased):
			attr = ix.attr(i)
			if !cased {
				attr = string(ix.indexLower(i))
			}
		default:
			continue
		}
		base, parts, suffix := rankAttrVersion(attr)
		nameQ := -1
		switch {
		case base == name:
			nameQ = 0
		case progs[i32] || rankPnameIs(ix.indexField(i, fieldPname), name, cased):
			// it runs the name, or is built as it (jdk is openjdk)
			nameQ = 1
		case strings.HasPrefix(base, name):
			nameQ = 2
		default:
			continue
		}
		if len(parts) > 0 {
			versioned[base]++
		}
		nums := rankVersionNums(ix.indexField(i, fieldVersion))
		kind := -1
		switch {
		case len(parts) > 0 && (slices.Equal(parts, wantParts) || len(parts) == 1 && parts[0] == want):
			kind = 0
		case len(nums) >= len(rq.nums) && rankCompareNums(nums[:len(rq.nums)], rq.nums) == 0:
			kind = 1
		case len(nums) > 0 && rankCompareNums(nums, rq.nums) > 0:
			kind = 2
		default:
			continue
		}
		pen := 0
		if suffix != "" {
			pen++
		}
		if r.variant[i] || strings.ContainsAny(base[min(len(name), len(base)):], "-_") {
			pen++
		}
		hits = append(hits, hit{i, nameQ, kind, pen, base, nums})
	}
	if len(hits) == 0 {
		return nil
	}
	// Only the best name present counts: its best quality ("python" has
	// python312, so python-foo312 is noise), and among names of that
	// quality the ones nixpkgs keeps in several versions (postgres 12 is
	// about postgresql_13…18, not postgrest 12.2).
	best := slices.MinFunc(hits, func(a, b hit) int {
		if a.nameQ != b.nameQ {
			return cmp.Compare(a.nameQ, b.nameQ)
		}
		return cmp.Compare(min(versioned[b.base], 2), min(versioned[a.base], 2))
	})
	hits = slices.DeleteFunc(hits, func(h hit) bool {
		return h.nameQ != best.nameQ || min(versioned[h.base], 2) != min(versioned[best.base], 2)
	})
	exact := slices.ContainsFunc(hits, func(h hit) bool { return h.kind < 2 })
	if exact {
		hits = slices.DeleteFunc(hits, func(h hit) bool { return h.kind == 2 })
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.kind == 2 && b.kind == 2 {
			if c := rankCompareNums(a.nums, b.nums); c != 0 {
				return c // closest newer first
			}
		}
		// A plain name before a variant or suffixed one (jdk before
		// jdk21_headless), then the version written in the name.
		if a.pen != b.pen {
			return cmp.Compare(a.pen, b.pen)
		}
		if a.kind != b.kind {
			return cmp.Compare(a.kind, b.kind)
		}
		return cmp.Compare(len(ix.attr(a.idx)), len(ix.attr(b.idx)))
	})
	out := make([]rankExtra, len(hits))
	for k, h := range hits {
		e := rankExtra{idx: h.idx, key: rankKey(tierVersion, uint32(k), 0, false)}
		if h.kind == 2 {
			e.why = "newer: " + ix.indexField(h.idx, fieldVersion)
		}
		out[k] = e
	}
	return out
}

// rankPnameIs reports whether a package's pname is name ("openjdk" for
// jdk; case-insensitive unless cased).
func rankPnameIs(pname, name string, cased bool) bool {
	if cased {
		return pname == name
	}
	return strings.EqualFold(pname, name)
}

// rankProgramHits finds the packages whose main program is word: top-level
// ones in tierProgram, nested ones in tierSet.
func (ix *Index) rankProgramHits(r *rankInfo, word string, cased bool) []rankExtra {
	var out []rankExtra
	for _, i32 := range r.runs(ix, strings.ToLower(word)) {
		i := int(i32)
		mp := ix.MainProgram(i)
		if cased && mp != word {
			continue
		}
		if !cased && !strings.EqualFold(mp, word) {
			continue
		}
		attr := ix.indexLower(i)
		if string(attr[ix.seg[i]:]) == strings.ToLower(word) {
			continue // matched by name: the scan ranks it at least as high
		}
		tier := tierProgram
		if ix.set[i] >= 0 {
			tier = tierSet
		}
		out = append(out, rankExtra{idx: i, key: rankKey(tier, 0, r.rankSetKey(ix, i), r.variant[i]), why: mp})
	}
	return out
}

// rankTypoMin is the shortest word searched for typos: below it, one edit
// reaches too many names to mean anything ("tmxu" still finds tmux).
const rankTypoMin = 4

// rankTypoBound is the largest edit distance tolerated for a word of n
// bytes: one letter wrong in a short name, two in a longer one.
func rankTypoBound(n int) int {
	if n < 8 {
		return 1
	}
	return 2
}

// rankTypoHits finds the attributes whose last segment (or whole path, for
// a dotted word) is within rankTypoBound edits of word (optimal string
// alignment: a swap of two neighbours is one edit).
func (ix *Index) rankTypoHits(r *rankInfo, word string) []rankExtra {
	if len(word) < rankTypoMin {
		return nil
	}
	// A typo is about letters, so the distance ignores case. Distance 0
	// happens only for a cased query that matched nothing case for case:
	// the name is still what it meant. Smart-case promises matching case
	// for case, so a cased word's row that needed case ignored says so
	// (fzf would show nothing).
	want := indexAppendLower(nil, word)
	bound, whole := rankTypoBound(len(want)), strings.IndexByte(word, '.') >= 0
	hits := ix.rankEditHits(r, want, bound, whole)
	if matchHasUpper(word) {
		var rows indexOSARows
		for k, h := range hits {
			t := ix.attr(h.idx)
			if !whole {
				t = t[ix.seg[h.idx]:]
			}
			if d, ok := rows.distance([]byte(word), []byte(t), bound); !ok || d > h.dist {
				hits[k].why = WhyCaseIgnored
			}
		}
	}
	return hits
}

// WhyCaseIgnored is the Match.Why of a row that a word with an upper-case
// letter found only ignoring case: a name within a small edit distance
// when nothing matched well case for case (Cargo → cargo).
const WhyCaseIgnored = "case ignored"

// rankEditHits finds the attributes whose last segment (whole path when
// whole) is within bound edits of want (lower-cased), in tierTypo.
func (ix *Index) rankEditHits(r *rankInfo, want []byte, bound int, whole bool) []rankExtra {
	var wmask uint64
	for _, c := range want {
		wmask |= indexMaskBit(c)
	}
	var rows indexOSARows
	var out []rankExtra
	masks, lens := ix.rankTypoTables(r)
	if whole {
		masks, lens = ix.mask, nil
	}
	for i, m := range masks {
		// Each letter of the word missing from the target costs an edit,
		// and so does each letter of the target missing from the word: an
		// edit adds or removes at most one distinct letter on each side.
		if bits.OnesCount64(wmask&^m) > bound || m != ^uint64(0) && bits.OnesCount64(m&^wmask) > bound {
			continue
		}
		if lens != nil && lens[i] < 255 {
			if d := int(lens[i]) - len(want); d > bound || -d > bound {
				continue
			}
		}
		t := ix.indexLower(i)
		if !whole {
			t = t[ix.seg[i]:]
		}
		if d := len(t) - len(want); d > bound || -d > bound {
			continue
		}
		if d, ok := rows.distance(want, t, bound); ok {
			// At one distance, the same letters first: a swap ("tmxu" →
			// tmux) is likelier than a wrong letter (tmsu).
			order := 2 * uint32(d)
			if m != wmask {
				order++
			}
			out = append(out, rankExtra{idx: i, dist: d, key: rankKey(tierTypo, order, r.rankSetKey(ix, i), r.variant[i])})
		}
	}
	return out
}

// Suggest proposes up to n names close to name, for a "did you mean" after
// a name that is no package ("cargo-edt" → cargo-edit, "rg" → ripgrep),
// ranked as Search ranks: the packages whose main program it is, then
// names within a small edit distance (optimal string alignment,
// case-insensitive; at most 1 for names up to 4 bytes, 2 up to 8, else 3),
// closest first, top level and larger sets first. A name without a dot is
// compared with the last segment of every attribute (so "requets" finds
// python313Packages.requests), a dotted name with whole attribute paths; a
// name under an alias set is suggested under that alias.
func (ix *Index) Suggest(name string, n int) []string {
	if n <= 0 || name == "" {
		return nil
	}
	r := ix.rankPrepare()
	canon := ix.Canonical(name)
	want := indexAppendLower(nil, canon)
	bound := 3
	switch {
	case len(want) <= 4:
		bound = 1
	case len(want) <= 8:
		bound = 2
	}
	whole := strings.IndexByte(canon, '.') >= 0
	type hit struct {
		idx int
		key uint64
	}
	var hits []hit
	if !whole {
		for _, e := range ix.rankProgramHits(r, name, false) {
			hits = append(hits, hit{e.idx, e.key})
		}
	}
	for _, e := range ix.rankEditHits(r, want, bound, whole) {
		hits = append(hits, hit{e.idx, e.key})
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		if c := cmp.Compare(len(ix.attr(a.idx)), len(ix.attr(b.idx))); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})
	var aliases map[string]string
	if canon != name {
		h, _, _ := strings.Cut(name, ".")
		t, _, _ := strings.Cut(canon, ".")
		aliases = map[string]string{t: h}
	}
	var out []string
	seen := map[int]bool{}
	for _, h := range hits {
		if len(out) == n {
			break
		}
		if seen[h.idx] {
			continue
		}
		seen[h.idx] = true
		s, _ := matchAliasName(ix.attr(h.idx), nil, aliases)
		out = append(out, s)
	}
	return out
}
