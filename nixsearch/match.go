package nixsearch

import (
	"bytes"
	"cmp"
	"context"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// Query is one search: whitespace-separated words, all of which must match.
// Matching is smart-case: a word with an upper-case letter matches case
// for case, any other word ignores case. (Only the typo fallback of a
// cased word ignores case, and its rows say so: WhyCaseIgnored.)
type Query struct {
	// Text is what the user typed.
	Text string
	// Descriptions switches from fuzzy matching of attribute paths to
	// substring matching of descriptions and attributes, smart-case too.
	Descriptions bool
}

// Match is one matching package.
type Match struct {
	// Index is the package's position in the Index (Index.At).
	Index int
	// Score is the fuzzy score (sahilm/fuzzy's rules, summed over words),
	// or, for a description search, the substring score.
	Score int
	// Positions are the byte offsets in Name of the matched characters,
	// ascending, for highlighting.
	Positions []int
	// Name is the attribute path to show and to add: the package's Attr,
	// or, when the query named an alias set, the path under that alias
	// ("python3Packages.requests" for python313Packages.requests).
	Name string
	// Why says why the row matched when it is not by its name: the main
	// program the query named ("rg" for ripgrep), for a version query
	// without that exact version "newer: 3.13.7", or, for a name a word
	// with an upper-case letter found only ignoring case, WhyCaseIgnored.
	// Empty otherwise.
	Why string
}

// Result is the answer to a Query.
type Result struct {
	Query Query
	// Total is the number of matching packages.
	Total int
	// Matches are the best `limit` matches, best first.
	Matches []Match
}

// Matcher answers queries over an Index, fzf-style: a bitmask and
// subsequence prefilter before scoring, candidates split into chunks scanned
// by several goroutines, only the best rows kept in a bounded heap per
// worker, and a query that extends an earlier one (a word lengthened, a word
// added) scans only that earlier query's full match set. It is safe for
// concurrent use. A new Search cancels nothing by itself; it honours its ctx,
// so callers cancel the previous query's ctx when the user types on.
type Matcher struct {
	ix      *Index
	workers int
	// chunk is the number of candidates a worker takes at a time; ctx is
	// checked between chunks. Tests lower it to exercise the merging.
	chunk int

	mu   sync.Mutex
	memo []matchMemo // least recently used first

	// scratch holds *matchScratch for reuse by later searches.
	scratch sync.Pool
}

// matchChunk is the default chunk size: at ~20–50 ns per candidate a chunk
// takes well under 0.1 ms, so cancellation is prompt, while 130k candidates
// still make only ~64 chunks of scheduling overhead.
const matchChunk = 2048

// matchMemoSize bounds the remembered full match sets. Typing "cargo-edit"
// makes 10 queries; 16 also covers backspacing over them. Each set costs 4
// bytes per match, so the worst case (every set near-total on a 130k index)
// stays under 9 MB.
const matchMemoSize = 16

// matchMemo is the full match set of one completed query.
type matchMemo struct {
	plan matchPlan
	set  []int32
}

// NewMatcher returns a Matcher over ix using workers goroutines per search
// (workers <= 0 means runtime.GOMAXPROCS(0)).
func NewMatcher(ix *Index, workers int) *Matcher {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// The ranking's tables are built here, once per index, so that no
	// keystroke pays for them (the TUI makes its Matcher off the Update
	// path, when the index arrives).
	ix.rankPrepare()
	return &Matcher{ix: ix, workers: workers, chunk: matchChunk}
}

// Prepare builds the tables that a search otherwise builds when it first
// needs them (the main-program table, the edit-distance tables), so that
// no keystroke of a session pays for them. A one-shot search does without:
// it looks a main program up once, by scanning.
func (m *Matcher) Prepare() { m.ix.prepareRest(m.ix.rankPrepare()) }

// matchWord is one prepared query word.
type matchWord struct {
	raw string
	// low is the word lower-cased (ASCII for fuzzy words, Unicode for
	// description words).
	low []byte
	// ascii reports whether the fuzzy fast path applies; runes is the word
	// for the rune-by-rune scorer (non-ASCII targets or words).
	ascii bool
	runes []rune
	mask  uint64
	// single: the word is one letter or digit, so the bitmask test alone
	// decides whether a target has it (no other byte shares its bit).
	single bool
	// cased: the word has an upper-case letter, so it matches case for
	// case (smart case).
	cased bool
}

// matchPlan is a prepared query.
type matchPlan struct {
	desc  bool
	words []matchWord
	// ascii: every word takes the ASCII fast path.
	ascii bool
	// cased: some word is cased.
	cased bool
	// joined is the words joined by '-' (lower-cased unless cased), for
	// the exact tiers of a several-word query ("rust analyzer").
	joined []byte
}

// matchPrepare splits a query into words and prepares them for matching.
func matchPrepare(q Query) matchPlan {
	fields := strings.Fields(q.Text)
	p := matchPlan{desc: q.Descriptions, words: make([]matchWord, len(fields)), ascii: true}
	for i, f := range fields {
		w := matchWord{raw: f, ascii: true, cased: matchHasUpper(f)}
		for k := 0; k < len(f); k++ {
			if f[k] >= 0x80 || f[k] == 0 {
				w.ascii = false
				break
			}
		}
		if q.Descriptions {
			w.low = []byte(strings.ToLower(f))
		} else {
			w.low = indexAppendLower(nil, f)
			if w.ascii {
				for _, c := range w.low {
					w.mask |= indexMaskBit(c)
				}
				w.single = len(w.low) == 1 && (indexIsDigit(w.low[0]) || w.low[0] >= 'a' && w.low[0] <= 'z')
			} else {
				w.low = []byte(f) // only used for tiers
			}
			w.runes = []rune(f)
		}
		p.words[i] = w
		p.ascii = p.ascii && w.ascii
		p.cased = p.cased || w.cased
	}
	if !q.Descriptions && len(fields) > 0 {
		j := strings.Join(fields, "-")
		if p.cased {
			p.joined = []byte(j)
		} else {
			p.joined = indexAppendLower(nil, j)
		}
	}
	return p
}

// matchHasUpper reports whether s has an upper-case letter.
func matchHasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// matchIsASCII reports whether s is plain ASCII.
func matchIsASCII(s string) bool {
	for k := 0; k < len(s); k++ {
		if s[k] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// matchCasedSubsequence reports whether pat occurs in s as a subsequence,
// rune by rune, case for case.
func matchCasedSubsequence(s, pat string) bool {
	if matchIsASCII(pat) {
		// Byte by byte: an ASCII byte never occurs inside a multi-byte rune.
		j := 0
		for k := 0; k < len(pat); k++ {
			for j < len(s) && s[j] != pat[k] {
				j++
			}
			if j == len(s) {
				return false
			}
			j++
		}
		return true
	}
	for _, c := range pat {
		k := strings.IndexRune(s, c)
		if k < 0 {
			return false
		}
		s = s[k+utf8.RuneLen(c):]
	}
	return true
}

// matchNarrows reports whether every match of plan p is also a match of the
// earlier plan old, so p can search old's match set instead of the index:
// word for word, each of old's words is implied by p's word at the same
// position (a subsequence for fuzzy words, a substring for description
// words); p may have more words.
func matchNarrows(old, p matchPlan) bool {
	if old.desc != p.desc || len(old.words) > len(p.words) {
		return false
	}
	for i, o := range old.words {
		w := p.words[i]
		if o.cased {
			// A cased word matches a subset of what its lower-case form
			// matches; only a cased word implying it narrows it.
			if !w.cased || !(p.desc && strings.Contains(w.raw, o.raw) || !p.desc && matchCasedSubsequence(w.raw, o.raw)) {
				return false
			}
		}
		switch {
		case p.desc:
			if !bytes.Contains(w.low, o.low) {
				return false
			}
		case o.ascii && w.ascii:
			if !matchSubsequence(w.low, o.low) {
				return false
			}
		default:
			// Rune by rune: a word that extends o's runes matches a subset
			// of o's matches; o must end on a whole rune ("\xc5" is not the
			// start of "ſ" to the rune matcher, which reads it as U+FFFD).
			if !utf8.ValidString(o.raw) || !strings.HasPrefix(w.raw, o.raw) {
				return false
			}
		}
	}
	return true
}

// matchSubsequence reports whether pat occurs in s as a subsequence.
func matchSubsequence(s, pat []byte) bool {
	_, ok := matchFirst(s, pat)
	return ok
}

// matchFirst reports whether pat occurs in s as a subsequence, and where
// its first byte occurs first.
func matchFirst(s, pat []byte) (int, bool) {
	// A plain loop: targets are ~25 bytes, too short for bytes.IndexByte's
	// per-call setup to pay off.
	first, j := -1, 0
	for _, c := range pat {
		for j < len(s) && s[j] != c {
			j++
		}
		if j == len(s) {
			return first, false
		}
		if first < 0 {
			first = j
		}
		j++
	}
	return first, true
}

// matchCand is a match during the scan, before positions are computed.
type matchCand struct {
	idx   int32
	score int32
	// key is the ranking before the score (rankKey: tier, distance, set,
	// variant); post breaks score ties (nested after top level, variants
	// last) where the key does not hold them (fuzzy matches).
	key  uint64
	post uint8
}

// tier is the candidate's ranking tier.
func (c matchCand) tier() uint8 { return uint8(c.key >> 60) }

// matchBetter is the ranking: key (tier, then distance, set and variant
// where the tier orders by them); score; post; shorter path; the newer of
// two versions of a name; attribute order.
func (ix *Index) matchBetter(a, b matchCand) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	if a.score != b.score {
		return a.score > b.score
	}
	if a.post != b.post {
		return a.post < b.post
	}
	la := ix.off[a.idx+1] - ix.off[a.idx]
	lb := ix.off[b.idx+1] - ix.off[b.idx]
	if la != lb {
		return la < lb
	}
	// Versions of one name: the newest first (gcc14 before gcc13).
	if c := indexVersionCompare(ix.attr(int(a.idx)), ix.attr(int(b.idx))); c != 0 {
		return c < 0
	}
	return a.idx < b.idx
}

// matchRank ranks attribute i, a fuzzy match of the plan, before its
// score: the whole query (words joined by '-') equal to the attribute or
// to its last segment, else the first word a prefix of either, else fuzzy.
func (ix *Index) matchRank(i int, p *matchPlan, r *rankInfo) (key uint64, post uint8) {
	set := ix.set[i]
	seg := ix.seg[i]
	var exact, inSet, prefix bool
	if p.cased {
		// Case for case, on the attribute as it is (no copy).
		attr, joined, w := ix.attr(i), string(p.joined), p.words[0].raw
		last := attr[seg:]
		exact = attr == joined
		inSet = set >= 0 && (last == joined || len(p.words) > 1 && matchWordIs(last, p))
		prefix = strings.HasPrefix(attr, w) || strings.HasPrefix(last, w)
	} else {
		attr, w := ix.indexLower(i), p.words[0].low
		last := attr[seg:]
		if attr[0] != w[0] && (len(last) == 0 || last[0] != w[0]) && len(p.words) == 1 {
			// Neither the attribute nor its last segment starts with the
			// word: a fuzzy match (most matches of a short query).
			return ix.matchFuzzyRank(i, r)
		}
		exact = bytes.Equal(attr, p.joined)
		inSet = set >= 0 && (bytes.Equal(last, p.joined) || len(p.words) > 1 && matchWordIs(string(last), p))
		prefix = bytes.HasPrefix(attr, w) || bytes.HasPrefix(last, w)
	}
	switch {
	case exact:
		return rankKey(tierExact, 0, 0, r.variant[i]), 0
	case inSet:
		// The name itself, in some set ("requests"; "py313 requests"):
		// shallower paths first (python313Packages.x before
		// vimPlugins.nvim-treesitter-parsers.x), then by set.
		tier := tierSet
		if !r.setDefault[set] {
			tier = tierSetMinor
		}
		depth := uint32(strings.Count(ix.attr(i), "."))
		return rankKey(tier, depth, r.setKey[set], r.variant[i]), 0
	case prefix && set < 0:
		return rankKey(tierPrefixTop, 0, 0, r.variant[i]), 0
	case prefix:
		// By set as for exact names.
		return rankKey(tierPrefix, 0, r.rankSetKey(ix, i), r.variant[i]), 0
	}
	return ix.matchFuzzyRank(i, r)
}

// matchFuzzyRank is matchRank's answer for a fuzzy match: the tier, and
// nested attributes after top-level ones and variants last at equal score.
func (ix *Index) matchFuzzyRank(i int, r *rankInfo) (key uint64, post uint8) {
	if ix.set[i] >= 0 {
		post = 2
	}
	if r.variant[i] {
		post++
	}
	return rankKey(tierFuzzy, 0, 0, false), post
}

// matchWordIs reports whether one of the plan's words is seg (a cased word
// case for case).
func matchWordIs(seg string, p *matchPlan) bool {
	for k := range p.words {
		w := &p.words[k]
		if w.cased && seg == w.raw || !w.cased && strings.EqualFold(seg, w.raw) {
			return true
		}
	}
	return false
}

// matchCheck decides whether package i matches the plan. For ASCII fuzzy
// matching the bitmask and subsequence tests decide exactly (sahilm/fuzzy
// matches exactly the case-insensitive subsequences), so the score is left
// to the caller (matchLoose bounds it); otherwise (descriptions,
// non-ASCII) the exact score comes back with scored set.
func (ix *Index) matchCheck(i int, p *matchPlan, desc *indexDesc) (ok, scored bool, score int) {
	if p.desc {
		score, ok = ix.matchDesc(i, p, desc)
		return ok, true, score
	}
	m := ix.mask[i]
	for k := range p.words {
		if wm := p.words[k].mask; m&wm != wm {
			return false, false, 0
		}
	}
	if ix.generic[i] || !p.ascii {
		score, ok = ix.matchFuzzy(i, p)
		return ok && ix.matchCased(i, p), true, score
	}
	low := ix.indexLower(i)
	for k := range p.words {
		if w := &p.words[k]; !w.single && !matchSubsequence(low, w.low) {
			return false, false, 0
		}
	}
	return ix.matchCased(i, p), false, 0
}

// matchLoose is matchBound summed over the words of an ASCII plan that
// ASCII attribute i matches.
func (ix *Index) matchLoose(i int, p *matchPlan) int {
	low := ix.indexLower(i)
	bound := 0
	for k := range p.words {
		w := p.words[k].low
		first, _ := matchFirst(low, w)
		bound += matchBound(len(w), first, len(low))
	}
	return bound
}

// matchCased checks the plan's cased words against attribute i case for
// case (smart case); the case-insensitive match has already passed.
func (ix *Index) matchCased(i int, p *matchPlan) bool {
	if !p.cased {
		return true
	}
	attr := ix.attr(i)
	for k := range p.words {
		if w := &p.words[k]; w.cased && !matchCasedSubsequence(attr, w.raw) {
			return false
		}
	}
	return true
}

// matchPrefixMin is the shortest word whose score matchPrefixScore knows:
// from the fourth character on, the adjacency bonus (45 and up) beats any
// later candidate for the word's last character (at most 20), so nothing
// after the prefix changes the match.
const matchPrefixMin = 4

// matchPrefixMemo is the last prefix matchPrefixScore scored, and its
// score over the prefix alone (none yet while prefix is "": a scored prefix
// is never empty).
type matchPrefixMemo struct {
	prefix string
	score  int
}

// matchPrefixScore scores a one-word ASCII plan whose word attribute i
// starts with by the scoring loop over the prefix alone, less one point per
// byte after it, instead of the loop over the whole attribute. For a word
// of matchPrefixMin or more bytes that is sahilm/fuzzy's score (known);
// for a shorter one an upper bound: a later candidate for the last
// character scores at most 20, against its prefix score of at least 10
// (first character), 5 or 15 (adjacency). ok is false when the word is
// not such a prefix.
//
// memo, when not nil, holds the last prefix scored: consecutive attributes
// mostly share their first bytes (python313Packages.*), and so the score.
func (ix *Index) matchPrefixScore(i int, p *matchPlan, memo *matchPrefixMemo) (score int, known, ok bool) {
	if len(p.words) != 1 || ix.generic[i] {
		return 0, false, false
	}
	w := &p.words[0]
	low := ix.indexLower(i)
	m := len(w.low)
	if !w.ascii || m == 0 || !bytes.HasPrefix(low, w.low) {
		return 0, false, false
	}
	prefix := ix.attr(i)[:m]
	var s int
	if memo != nil && memo.prefix == prefix {
		s = memo.score
	} else {
		s, _, _ = matchScoreASCII(prefix, low[:m], w.low, nil, false)
		if memo != nil {
			*memo = matchPrefixMemo{prefix: prefix, score: s}
		}
	}
	s -= len(low) - m
	switch {
	case m >= matchPrefixMin:
		return s, true, true
	case m == 1:
		return s + 20 - matchFirstCharBonus, false, true
	case m == 2:
		return s + 20 - matchAdjacentBonus, false, true
	default: // 3: the adjacency bonus is 3·5
		return s + 20 - 3*matchAdjacentBonus, false, true
	}
}

// matchBoundMax is the longest word matchBound bounds: its adjacency series
// stays well inside the int32 scores (a longer word is bounded by a huge
// number, so it is never pruned; 16 letters narrow any index to a few
// candidates anyway).
const matchBoundMax = 16

// matchBound is an upper bound of sahilm/fuzzy's score for an m-byte word
// in an n-byte target whose first byte occurs first at first. Per matched
// character at most one of the camel-case and separator bonuses applies
// (the previous character is either lower case or a separator), the
// first-character bonus only at offset 0, the leading penalty at least for
// first; the adjacency bonus grows as a := 3a+5 at most once per further
// character.
func matchBound(m, first, n int) int {
	const huge = 1 << 30
	if m > matchBoundMax {
		return huge
	}
	b := m * max(matchSeparatorBonus, matchCamelCaseBonus)
	if first == 0 {
		b += matchFirstCharBonus
	} else {
		b += max(first*matchLeadingPenalty, matchMaxLeadingPenalty)
	}
	a := 0
	for k := 1; k < m; k++ {
		a = 3*a + matchAdjacentBonus
	}
	return b + a + m - n
}

// matchFuzzy is the exact fuzzy score of package i: the sum over words.
func (ix *Index) matchFuzzy(i int, p *matchPlan) (int, bool) {
	low := ix.indexLower(i)
	attr := ix.attr(i)
	total := 0
	for k := range p.words {
		w := &p.words[k]
		var s int
		var ok bool
		if ix.generic[i] || !w.ascii {
			s, _, ok = matchScoreGeneric(attr, w.runes, nil, false)
		} else {
			s, _, ok = matchScoreASCII(attr, low, w.low, nil, false)
		}
		if !ok {
			return 0, false
		}
		total += s
	}
	return total, true
}

// Description scores, summed over the words: a word in the attribute path
// weighs more than one in the description (the name is what the user is
// after), and a word at the start of the attribute, of its last segment or
// of a description word more than one inside them (a stem, not a fragment).
const (
	matchDescAttr      = 20
	matchDescAttrStart = 10
	matchDescText      = 10
	matchDescWordStart = 5
)

// matchDesc scores package i for a description search.
func (ix *Index) matchDesc(i int, p *matchPlan, desc *indexDesc) (int, bool) {
	attr := ix.indexLower(i)
	text := desc.lower[desc.off[i]:desc.off[i+1]]
	score := 0
	for k := range p.words {
		w := p.words[k].low
		var a, t int
		if p.words[k].cased {
			a = strings.Index(ix.attr(i), p.words[k].raw)
			t = strings.Index(ix.description(i), p.words[k].raw)
		} else {
			a = bytes.Index(attr, w)
			t = bytes.Index(text, w)
		}
		if a < 0 && t < 0 {
			return 0, false
		}
		if a >= 0 {
			score += matchDescAttr
			if a == 0 || bytes.HasPrefix(attr[ix.seg[i]:], w) {
				score += matchDescAttrStart
			}
		}
		if t >= 0 {
			score += matchDescText
			if matchWordStart(text, w) {
				score += matchDescWordStart
			}
		}
	}
	return score, true
}

// matchWordStart reports whether w occurs in text at the start of a word.
func matchWordStart(text, w []byte) bool {
	for off := 0; ; {
		k := bytes.Index(text[off:], w)
		if k < 0 {
			return false
		}
		at := off + k
		if at == 0 {
			return true
		}
		r, _ := utf8.DecodeLastRune(text[:at])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return true
		}
		off = at + 1
	}
}

// matchHeap keeps the best `limit` candidates; the root is the worst kept.
type matchHeap struct {
	ix    *Index
	limit int
	c     []matchCand
}

// full reports whether a new candidate must beat the root to get in.
func (h *matchHeap) full() bool { return h.limit > 0 && len(h.c) >= h.limit }

func (h *matchHeap) push(c matchCand) {
	if h.limit <= 0 {
		h.c = append(h.c, c)
		return
	}
	if len(h.c) < h.limit {
		h.c = append(h.c, c)
		// sift up: parent must be worse than (or equal to) child
		k := len(h.c) - 1
		for k > 0 {
			p := (k - 1) / 2
			if !h.ix.matchBetter(h.c[p], h.c[k]) {
				break
			}
			h.c[p], h.c[k] = h.c[k], h.c[p]
			k = p
		}
		return
	}
	if !h.ix.matchBetter(c, h.c[0]) {
		return
	}
	h.c[0] = c
	k := 0
	for {
		l := 2*k + 1
		if l >= len(h.c) {
			break
		}
		w := l
		if r := l + 1; r < len(h.c) && h.ix.matchBetter(h.c[l], h.c[r]) {
			w = r
		}
		if !h.ix.matchBetter(h.c[k], h.c[w]) {
			break
		}
		h.c[k], h.c[w] = h.c[w], h.c[k]
		k = w
	}
}

// Search runs q and returns the total number of matches and the best
// `limit` of them, best first (limit <= 0: all of them). An empty query
// matches every package, in index order. When ctx is cancelled the scan
// stops between chunks and Search returns ctx.Err().
//
// A search is three steps, as fzf's matcher, merger and cache are three
// units: scan (matchScan: the candidates, from the memo or the whole index,
// split into chunks that workers take in turn; a first pass filters and
// ranks them, a second scores those whose rank can still reach the best
// `limit` into the worker's bounded heap), remember (the full
// match set, for the queries that narrow this one), and merge (matchMerge:
// the heaps and the candidates found another way, sorted into the result).
func (m *Matcher) Search(ctx context.Context, q Query, limit int) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{Query: q}, err
	}
	ix := m.ix
	rq := ix.rankParse(q)
	p := matchPrepare(Query{Text: rq.text, Descriptions: q.Descriptions})
	if len(p.words) == 0 {
		return ix.matchAll(q, limit), nil
	}
	sc, _ := m.scratch.Get().(*matchScratch)
	if sc == nil {
		sc = &matchScratch{}
	}
	defer m.scratch.Put(sc)
	s := &matchScan{ix: ix, plan: &p, rank: ix.rankPrepare(), limit: limit, cands: m.matchRecall(p), chunk: max(m.chunk, 1), scratch: sc}
	if p.desc {
		s.desc = ix.indexDescriptions()
	}
	set, heaps, err := s.run(ctx, m.workers)
	if err != nil {
		return Result{Query: q}, err
	}
	m.matchRemember(matchMemo{plan: p, set: set})
	mg := matchMerge{ix: ix, plan: &p, rq: &rq, rank: s.rank, limit: limit}
	return mg.result(q, heaps, len(set)), nil
}

// matchAll is the answer to an empty query: every package, in index order.
func (ix *Index) matchAll(q Query, limit int) Result {
	n := ix.Len()
	if limit > 0 {
		n = min(n, limit)
	}
	res := Result{Query: q, Total: ix.Len(), Matches: make([]Match, n)}
	for i := range res.Matches {
		res.Matches[i] = Match{Index: i, Name: ix.attr(i)}
	}
	return res
}

// matchScan is the scan step of one search, in two passes over the
// candidates (cands, or every package when nil), each split into chunks
// that workers take in turn. The first pass filters and ranks: it writes
// the match set, keeps the rank (and score, where matchCheck gives one) of
// each match above the fuzzy tier, and counts the matches per tier. Those counts give the cut: the
// worst tier that can still reach the best `limit` (matchCut), refined to
// the worst key in that tier (cutKey). The second pass scores only the
// matches at or above the cut and keeps each worker's best `limit` in that
// worker's heap. A short query matches nearly everything, by fuzzy match
// mostly, and the cut spares scoring those. A description search has one
// tier and scores as it filters, so it makes the one pass.
type matchScan struct {
	ix    *Index
	plan  *matchPlan
	rank  *rankInfo
	desc  *indexDesc // descriptions, for a description search
	limit int
	cands []int32
	chunk int

	// out holds the match set: chunk c's matches at c·chunk, counts[c] of
	// them; scratch.chunks[c] their ranks and scores, in order. tiers[c]
	// counts chunk c's matches per tier. next is the next chunk to take in
	// the current pass.
	out       []int32
	scratch   *matchScratch
	counts    []int
	tiers     [][matchTiers]int32
	next      atomic.Int64
	cancelled atomic.Bool

	// cut is the worst key the second pass scores; fuzzy is set when that
	// lets fuzzy matches in (not kept in the ranks); rekey is set when no
	// top-level attribute starts with the query, so that exact names in
	// minor sets rank as tierSet (see tierSetMinor).
	cut   uint64
	fuzzy bool
	rekey bool
}

// matchTiers is the number of values a tier (a key's top 4 bits) takes.
const matchTiers = 16

// matchRanks is what the first pass of a scan tells the second about the
// matches of one chunk that rank above the fuzzy tier (every match, for a
// description search), in order: the package, its rank (matchRank's key
// and post) and its score, unless post has matchUnscored set (then the
// second pass scores it if it can still enter a heap). Fuzzy matches are
// most of a short word's and rarely reach the rows: the second pass ranks
// them again from the match set when the cut lets them in (matchScan.fuzzy).
type matchRanks struct {
	idx    []int32
	keys   []uint64
	scores []int32
	posts  []uint8
}

// matchUnscored marks a post whose match has no score yet (posts are 0–3).
const matchUnscored = 0x80

// matchScratch holds a scan's ranks, a matchRanks per chunk. A Matcher
// reuses it from search to search, so that typing allocates them once.
type matchScratch struct {
	chunks []matchRanks
}

// grow makes room for n chunks, keeping the ranks' memory.
func (sc *matchScratch) grow(n int) {
	if len(sc.chunks) < n {
		sc.chunks = append(sc.chunks, make([]matchRanks, n-len(sc.chunks))...)
	}
}

// total is the number of candidates.
func (s *matchScan) total() int {
	if s.cands != nil {
		return len(s.cands)
	}
	return s.ix.Len()
}

// run scans with up to workers goroutines and returns the full match set
// and the workers' heaps, or ctx.Err() when ctx was cancelled (then the
// partial set is not to be remembered).
func (s *matchScan) run(ctx context.Context, workers int) ([]int32, []matchHeap, error) {
	total := s.total()
	nChunks := (total + s.chunk - 1) / s.chunk
	s.out = make([]int32, total)
	s.scratch.grow(nChunks)
	s.counts = make([]int, nChunks)
	s.tiers = make([][matchTiers]int32, nChunks)
	heaps := make([]matchHeap, max(min(workers, nChunks), 1))
	for k := range heaps {
		heaps[k] = matchHeap{ix: s.ix, limit: s.limit}
	}
	if s.plan.desc {
		// Every description match has the one tier and its score: no cut
		// to find, so each chunk goes to the heap as soon as it is
		// filtered.
		s.cut = math.MaxUint64
		s.pass(ctx, len(heaps), func(w, c, lo, hi int) { s.counts[c] = s.filterChunk(c, lo, hi, &heaps[w]) })
		if s.cancelled.Load() {
			return nil, nil, ctx.Err()
		}
		return s.compact(), heaps, nil
	}
	s.pass(ctx, len(heaps), func(_, c, lo, hi int) { s.counts[c] = s.filterChunk(c, lo, hi, nil) })
	if s.cancelled.Load() {
		return nil, nil, ctx.Err()
	}
	tier, before, rekey := matchCut(s.tiers, s.limit)
	s.rekey = rekey
	s.cut = s.cutKey(tier, before)
	s.fuzzy = s.cut >= rankKey(tierFuzzy, 0, 0, false)
	s.next.Store(0)
	s.pass(ctx, len(heaps), func(w, c, lo, _ int) { s.pushChunk(&heaps[w], c, lo) })
	if s.cancelled.Load() {
		return nil, nil, ctx.Err()
	}
	return s.compact(), heaps, nil
}

// pass runs one pass with n workers: each takes chunks until none is left
// or ctx is cancelled (checked between chunks) and calls do with its
// number, the chunk's and the chunk's candidate range.
func (s *matchScan) pass(ctx context.Context, n int, do func(w, c, lo, hi int)) {
	work := func(w int) {
		for {
			if ctx.Err() != nil {
				s.cancelled.Store(true)
				return
			}
			c := int(s.next.Add(1) - 1)
			if c >= len(s.counts) {
				return
			}
			do(w, c, c*s.chunk, min((c+1)*s.chunk, s.total()))
		}
	}
	if n == 1 {
		work(0)
		return
	}
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() { work(w) })
	}
	wg.Wait()
}

// filterChunk filters candidates lo..hi of chunk c: it writes the matches
// to out from lo on, keeps the ranks of those above the fuzzy tier, counts
// them per tier, and returns how many matched. With a heap h (a
// description search: every match is scored and of one tier) it pushes
// each match at once instead.
func (s *matchScan) filterChunk(c, lo, hi int, h *matchHeap) int {
	ix, p := s.ix, s.plan
	tiers := &s.tiers[c]
	r := &s.scratch.chunks[c]
	r.idx, r.keys, r.scores, r.posts = r.idx[:0], r.keys[:0], r.scores[:0], r.posts[:0]
	n := 0
	for k := lo; k < hi; k++ {
		i := k
		if s.cands != nil {
			i = int(s.cands[k])
		}
		ok, scored, score := ix.matchCheck(i, p, s.desc)
		if !ok {
			continue
		}
		var key uint64
		var post uint8
		if p.desc {
			key = rankKey(tierFuzzy, 0, 0, false)
		} else {
			key, post = ix.matchRank(i, p, s.rank)
		}
		if !scored {
			post |= matchUnscored
		}
		s.out[lo+n] = int32(i)
		n++
		tiers[key>>60]++
		if h != nil {
			if mc, keep := s.candidate(h, nil, i, key, post, score); keep {
				h.push(mc)
			}
			continue
		}
		if key>>60 != uint64(tierFuzzy) {
			r.idx, r.keys = append(r.idx, int32(i)), append(r.keys, key)
			r.scores, r.posts = append(r.scores, int32(score)), append(r.posts, post)
		}
	}
	return n
}

// matchCut is the worst tier that can reach the best limit matches, given
// the matches per tier of every chunk, and the number of matches in better
// tiers: a match of a worse tier has at least limit matches ranked before
// it whatever the scores. rekey reports that no top-level attribute starts
// with the query, so that tierSetMinor counts as tierSet. The candidates
// found another way (matchExtras) only push matches down, so the cut holds
// with them.
func matchCut(chunks [][matchTiers]int32, limit int) (cut uint8, before int, rekey bool) {
	var tiers [matchTiers]int
	for c := range chunks {
		for t, n := range chunks[c] {
			tiers[t] += int(n)
		}
	}
	rekey = tiers[tierPrefixTop] == 0
	if rekey {
		tiers[tierSet] += tiers[tierSetMinor]
		tiers[tierSetMinor] = 0
	}
	if limit <= 0 {
		return matchTiers - 1, 0, rekey
	}
	n := 0
	for t := range tiers {
		if n+tiers[t] >= limit {
			return uint8(t), n, rekey
		}
		n += tiers[t]
	}
	return matchTiers - 1, n, rekey
}

// matchCutKeys bounds the distinct keys cutKey counts: a tier's keys are
// one per set and variant, so a few dozen; past that counting them costs
// more than it spares.
const matchCutKeys = 64

// cutKey refines the cut within tier t, which before matches precede: the
// worst key of the tier that can still reach the best limit (the default
// set's prefix matches can fill them, and then the other sets' are never
// scored). Without a limit, or with more than matchCutKeys keys in the
// tier, it is the tier's worst key.
func (s *matchScan) cutKey(t uint8, before int) uint64 {
	all := uint64(t)<<60 | (1<<60 - 1)
	if s.limit <= 0 || t >= tierFuzzy {
		return all // (fuzzy matches share one key, and are not in the ranks)
	}
	type keyCount struct {
		key uint64
		n   int
	}
	var seen []keyCount
	last := -1
	for c := range s.counts {
		for _, key := range s.scratch.chunks[c].keys {
			key = s.rekeyed(key)
			if uint8(key>>60) != t {
				continue
			}
			if last < 0 || seen[last].key != key {
				if last = slices.IndexFunc(seen, func(e keyCount) bool { return e.key == key }); last < 0 {
					if len(seen) == matchCutKeys {
						return all
					}
					seen = append(seen, keyCount{key: key})
					last = len(seen) - 1
				}
			}
			seen[last].n++
		}
	}
	slices.SortFunc(seen, func(a, b keyCount) int { return cmp.Compare(a.key, b.key) })
	n := before
	for _, e := range seen {
		if n += e.n; n >= s.limit {
			return e.key
		}
	}
	return all
}

// rekeyed is a match's key, re-keyed when rekey is set.
func (s *matchScan) rekeyed(key uint64) uint64 {
	if s.rekey && uint8(key>>60) == tierSetMinor {
		key = key&^(uint64(matchTiers-1)<<60) | uint64(tierSet)<<60
	}
	return key
}

// pushChunk pushes the matches of chunk c (written to out from lo on)
// whose key is at or above the cut into heap h, scoring those that can
// still enter it: those of its ranks and, when the cut lets them in, its
// fuzzy matches, ranked again.
func (s *matchScan) pushChunk(h *matchHeap, c, lo int) {
	var memo matchScanMemo
	r := &s.scratch.chunks[c]
	for k, key := range r.keys {
		if key = s.rekeyed(key); key <= s.cut {
			if mc, keep := s.candidate(h, &memo, int(r.idx[k]), key, r.posts[k], int(r.scores[k])); keep {
				h.push(mc)
			}
		}
	}
	if !s.fuzzy {
		return
	}
	ix, p := s.ix, s.plan
	for _, i := range s.out[lo : lo+s.counts[c]] {
		key, post := ix.matchRank(int(i), p, s.rank)
		if key>>60 != uint64(tierFuzzy) {
			continue // in the ranks
		}
		score := 0
		if ix.generic[i] || !p.ascii {
			score, _ = ix.matchFuzzy(int(i), p) // scored by the check, not kept
		} else {
			post |= matchUnscored
		}
		if mc, keep := s.candidate(h, &memo, int(i), key, post, score); keep {
			h.push(mc)
		}
	}
}

// matchScanMemo is what scoring one attribute leaves for the next in a
// chunk: the prefix score (matchPrefixScore) and the loop's state after
// the first segments (matchFuzzyResume).
type matchScanMemo struct {
	prefix matchPrefixMemo
	fuzzy  matchFuzzyMemo
}

// candidate scores match i (key and post its rank, score its score unless
// post has matchUnscored) if it can still enter heap h: an unscored match
// that loses to the heap's root on its key or on a bound of its score is
// not scored. memo may be nil for a scored match.
func (s *matchScan) candidate(h *matchHeap, memo *matchScanMemo, i int, key uint64, post uint8, score int) (matchCand, bool) {
	scored := post&matchUnscored == 0
	post &^= matchUnscored
	ix, p := s.ix, s.plan
	if !scored {
		full := h.full()
		var root matchCand
		if full {
			if root = h.c[0]; key > root.key {
				return matchCand{}, false
			}
		}
		exact, known, ok := ix.matchPrefixScore(i, p, &memo.prefix)
		bound := exact
		if !ok {
			bound = ix.matchLoose(i, p)
		}
		if full && key == root.key && bound < int(root.score) {
			return matchCand{}, false
		}
		if known {
			score = exact
		} else {
			score, _ = ix.matchFuzzyResume(i, p, &memo.fuzzy)
		}
	}
	return matchCand{idx: int32(i), score: int32(score), key: key, post: post}, true
}

// compact returns the match set, compacted in place (chunk c's matches
// start at c·chunk, never before where they go): no second array per
// keystroke.
func (s *matchScan) compact() []int32 {
	dst := 0
	for c, n := range s.counts {
		dst += copy(s.out[dst:], s.out[c*s.chunk:c*s.chunk+n])
	}
	return s.out[:dst:dst]
}

// matchMerge is the merge step of one search: the workers' heaps and the
// candidates found another way (matchExtras), sorted by the ranking, cut
// to limit and turned into Matches.
type matchMerge struct {
	ix    *Index
	plan  *matchPlan
	rq    *rankQuery
	rank  *rankInfo
	limit int
}

// result merges heaps over a scan of matched matches into the Result of q.
func (mg *matchMerge) result(q Query, heaps []matchHeap, matched int) Result {
	ix, p := mg.ix, mg.plan
	var best []matchCand
	for k := range heaps {
		best = append(best, heaps[k].c...)
	}
	var why map[int32]string
	if !p.desc {
		best, matched, why = ix.matchExtras(best, matched, p, mg.rq, mg.rank)
	}
	slices.SortFunc(best, ix.matchCompare)
	if mg.limit > 0 && len(best) > mg.limit {
		best = best[:mg.limit]
	}
	res := Result{Query: q, Total: matched, Matches: make([]Match, len(best))}
	for k, c := range best {
		res.Matches[k] = mg.match(c, why[c.idx])
	}
	return res
}

// match turns a ranked candidate into its Match: positions for a fuzzy
// match, and the name under the alias set the query named.
func (mg *matchMerge) match(c matchCand, why string) Match {
	ix := mg.ix
	i := int(c.idx)
	mt := Match{Index: i, Score: int(c.score), Name: ix.attr(i), Why: why}
	if c.score != matchNoScore {
		mt.Positions = ix.matchPositions(i, mg.plan)
	} else {
		mt.Score = 0
	}
	if len(mg.rq.aliases) > 0 {
		mt.Name, mt.Positions = matchAliasName(mt.Name, mt.Positions, mg.rq.aliases)
	}
	return mt
}

// matchCompare is matchBetter as a three-way comparison, for sorting.
func (ix *Index) matchCompare(a, b matchCand) int {
	if ix.matchBetter(a, b) {
		return -1
	}
	if ix.matchBetter(b, a) {
		return 1
	}
	return 0
}

// matchNoScore marks an extra candidate that is not a fuzzy match of the
// query words (found by main program, version or edit distance): it has no
// score and no positions, and ranks below fuzzy matches of its key.
const matchNoScore = -1 << 30

// matchExtras adds to the scan's best candidates those found another way:
// the packages whose main program is the query, the attributes a version
// query selects, and — when nothing matched by name or prefix — names
// within a small edit distance. A candidate found both ways keeps its
// better rank; total counts each package once. It returns the reasons to
// show for rows not matched by name.
func (ix *Index) matchExtras(best []matchCand, total int, p *matchPlan, rq *rankQuery, r *rankInfo) ([]matchCand, int, map[int32]string) {
	var extras []rankExtra
	extras = append(extras, ix.rankVersionHits(r, rq, p.cased)...)
	if len(p.words) == 1 {
		extras = append(extras, ix.rankProgramHits(r, p.words[0].raw, p.words[0].cased)...)
	}
	pos := make(map[int32]int, len(best)+len(extras))
	for k, c := range best {
		pos[c.idx] = k
	}
	var why map[int32]string
	add := func(e rankExtra) {
		c := matchCand{idx: int32(e.idx), key: e.key, score: matchNoScore}
		ok, _, _ := ix.matchCheck(e.idx, p, nil)
		if ok {
			s, _ := ix.matchFuzzy(e.idx, p)
			c.score = int32(s)
		}
		if k, seen := pos[c.idx]; seen {
			if !ix.matchBetter(c, best[k]) {
				return
			}
			best[k] = c
		} else {
			if !ok {
				// Not in the scan's match set: one more match. (A fuzzy
				// match that the bounded heaps dropped is counted already.)
				total++
			}
			pos[c.idx] = len(best)
			best = append(best, c)
		}
		if e.why != "" {
			if why == nil {
				why = map[int32]string{}
			}
			why[c.idx] = e.why
		}
	}
	for _, e := range extras {
		add(e)
	}
	if len(p.words) == 1 && p.words[0].ascii {
		// (Edit distance counts bytes: only for ASCII words.)
		good := false
		for _, c := range best {
			if c.tier() <= tierPrefix {
				good = true
				break
			}
		}
		if !good {
			for _, e := range ix.rankTypoHits(r, p.words[0].raw) {
				add(e)
			}
		}
	}
	return best, total, why
}

// matchAliasName shows attr under the alias set the query named: when its
// first segment is a target in aliases (target → alias), that segment is
// replaced by the alias, and the highlight positions move with it (the
// alias itself is highlighted whole: the user typed it).
func matchAliasName(attr string, pos []int, aliases map[string]string) (string, []int) {
	head, rest, ok := strings.Cut(attr, ".")
	if !ok {
		return attr, pos
	}
	a, found := aliases[head]
	if !found {
		return attr, pos
	}
	out := make([]int, 0, len(a)+len(pos))
	for k := range len(a) {
		out = append(out, k)
	}
	shift := len(a) - len(head)
	for _, q := range pos {
		if q > len(head) {
			out = append(out, q+shift)
		}
	}
	return a + "." + rest, out
}

// matchRecall returns the smallest remembered match set that the plan
// narrows, or nil to scan the whole index.
func (m *Matcher) matchRecall(p matchPlan) []int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	best := -1
	for k := range m.memo {
		if matchNarrows(m.memo[k].plan, p) &&
			(best < 0 || len(m.memo[k].set) < len(m.memo[best].set)) {
			best = k
		}
	}
	if best < 0 {
		return nil
	}
	e := m.memo[best]
	m.memo = append(slices.Delete(m.memo, best, best+1), e)
	return e.set
}

// matchRemember stores a completed query's full match set.
func (m *Matcher) matchRemember(e matchMemo) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.memo = slices.DeleteFunc(m.memo, func(o matchMemo) bool {
		return matchNarrows(o.plan, e.plan) && matchNarrows(e.plan, o.plan)
	})
	if len(m.memo) >= matchMemoSize {
		m.memo = slices.Delete(m.memo, 0, len(m.memo)-matchMemoSize+1)
	}
	m.memo = append(m.memo, e)
}

// matchPositions computes the highlight positions of attribute i.
func (ix *Index) matchPositions(i int, p *matchPlan) []int {
	attr := ix.attr(i)
	var pos []int
	if p.desc {
		low := ix.indexLower(i)
		for k := range p.words {
			w := p.words[k].low
			if a := bytes.Index(low, w); a >= 0 {
				for j := a; j < a+len(w) && j < len(attr); j++ {
					pos = append(pos, j)
				}
			}
		}
	} else {
		for k := range p.words {
			w := &p.words[k]
			if ix.generic[i] || !w.ascii {
				_, pos, _ = matchScoreGeneric(attr, w.runes, pos, true)
			} else {
				_, pos, _ = matchScoreASCII(attr, ix.indexLower(i), w.low, pos, true)
			}
		}
	}
	slices.Sort(pos)
	return slices.Compact(pos)
}

// Scoring constants of github.com/sahilm/fuzzy v0.1.3, whose ranking the
// matcher reproduces exactly (match_test.go checks it against fuzzy.Find).
const (
	matchFirstCharBonus      = 10
	matchSeparatorBonus      = 20
	matchCamelCaseBonus      = 20
	matchAdjacentBonus       = 5
	matchLeadingPenalty      = -5
	matchMaxLeadingPenalty   = -15
	matchSeparatorCharacters = "/-_ .\\"
)

// matchRun is the state of one sahilm/fuzzy scoring loop, shared by the
// byte and the rune variants (matchScoreASCII, matchScoreGeneric): the score
// so far, the best candidate for the current pattern character (score best
// at offset mi), the adjacency bonus accumulated, the pattern characters
// matched so far and the offset of the last one.
type matchRun struct {
	total, best, mi, adj, matched, lastMatch int
	pos                                      []int
	wantPos                                  bool
}

// newMatchRun starts a scoring loop; with wantPos, commit appends the
// matched offsets to pos.
func newMatchRun(pos []int, wantPos bool) matchRun {
	return matchRun{best: -1, mi: -1, lastMatch: -1, pos: pos, wantPos: wantPos}
}

// commit matches the current pattern character at its best candidate
// (offset mi, score best) and reports whether it did: before the first
// candidate there is nothing to commit. Like sahilm/fuzzy, it leaves mi as
// it is for the next character.
func (r *matchRun) commit() bool {
	if r.mi < 0 {
		return false
	}
	if r.matched == 0 {
		r.best += max(r.mi*matchLeadingPenalty, matchMaxLeadingPenalty)
	}
	r.total += r.best
	if r.wantPos {
		r.pos = append(r.pos, r.mi)
	}
	r.lastMatch = r.mi
	r.matched++
	r.best = -1
	return true
}

// matchScoreASCII is sahilm/fuzzy's scoring loop for an ASCII target without
// NUL bytes (orig, with low its lower-cased bytes) and an ASCII pattern
// already lower-cased. With wantPos it appends the matched byte offsets.
func matchScoreASCII(orig string, low, pat []byte, pos []int, wantPos bool) (int, []int, bool) {
	if len(pat) == 0 {
		return 0, pos, false
	}
	st := matchScoreState{r: newMatchRun(pos, wantPos)}
	st.scan(orig, low, pat, len(low))
	return st.score(len(low)), st.r.pos, st.r.matched == len(pat)
}

// matchScoreState is matchScoreASCII's loop before the byte at offset j:
// the run, the pattern character being matched and the byte before j. The
// loop looks one byte ahead, so the state before j is what the first j+1
// bytes of the target made it, and a target with those same bytes resumes
// from it (matchFuzzyResume).
type matchScoreState struct {
	r    matchRun
	p    int
	last byte
	j    int
}

// scan runs the loop over the bytes from st.j up to stop (the end of the
// target at most), or until the pattern is matched.
func (st *matchScoreState) scan(orig string, low, pat []byte, stop int) {
	n, m := len(low), len(pat)
	r, p, last := &st.r, st.p, st.last
	j := st.j
	for ; j < stop && p < m; j++ {
		c := orig[j]
		if low[j] == pat[p] {
			sc := 0
			if j == 0 {
				sc += matchFirstCharBonus
			}
			if last >= 'a' && last <= 'z' && c >= 'A' && c <= 'Z' {
				sc += matchCamelCaseBonus
			}
			if j != 0 && matchIsSeparator(last) {
				sc += matchSeparatorBonus
			}
			if r.matched > 0 && r.lastMatch == j-1 {
				b := r.adj*2 + matchAdjacentBonus
				sc += b
				r.adj += b
			}
			if sc > r.best {
				r.best, r.mi = sc, j
			}
		}
		// Only the last pattern character commits, and only at the end
		// of the target: then the loop ends (p reaches m).
		if (j+1 == n || (p+1 < m && pat[p+1] == low[j+1])) && r.commit() {
			p++
		}
		last = c
	}
	st.p, st.last, st.j = p, last, j
}

// score is the run's score over an n-byte target.
func (st *matchScoreState) score(n int) int { return st.r.total + st.r.matched - n }

// matchFuzzyMemo is the state matchFuzzyResume left after the first
// segments of the last attribute it scored (prefix, through the last '.'),
// one per word (none yet while prefix is "": it is at least two bytes).
type matchFuzzyMemo struct {
	prefix string
	st     []matchScoreState
}

// matchFuzzyResume is matchFuzzy for an ASCII plan that, for a nested
// attribute, resumes each word's scoring loop after the attribute's first
// segments when the previous attribute scored (memo) had the same ones: in
// index order the members of a set come one after the other, and the loop
// then scans their last segment only (python313Packages.requests: 8 bytes
// of 26).
func (ix *Index) matchFuzzyResume(i int, p *matchPlan, memo *matchFuzzyMemo) (int, bool) {
	seg := int(ix.seg[i])
	if memo == nil || seg < 2 || !p.ascii || ix.generic[i] {
		return ix.matchFuzzy(i, p)
	}
	attr, low := ix.attr(i), ix.indexLower(i)
	// The state before offset seg-1 (the '.') is what attr[:seg] made it.
	if prefix := attr[:seg]; memo.prefix != prefix {
		memo.prefix, memo.st = prefix, memo.st[:0]
		for k := range p.words {
			st := matchScoreState{r: newMatchRun(nil, false)}
			if len(p.words[k].low) > 0 {
				st.scan(attr, low, p.words[k].low, seg-1)
			}
			memo.st = append(memo.st, st)
		}
	}
	total := 0
	for k := range p.words {
		w := p.words[k].low
		if len(w) == 0 {
			return 0, false
		}
		st := memo.st[k]
		st.scan(attr, low, w, len(low))
		if st.r.matched != len(w) {
			return 0, false
		}
		total += st.score(len(low))
	}
	return total, true
}

// matchIsSeparator reports whether c is one of matchSeparatorCharacters.
func matchIsSeparator(c byte) bool {
	switch c {
	case '/', '-', '_', ' ', '.', '\\':
		return true
	}
	return false
}

// matchScoreGeneric is sahilm/fuzzy's scoring loop rune by rune, for targets
// or patterns beyond ASCII (Unicode simple folding, NUL truncation).
func matchScoreGeneric(s string, pat []rune, pos []int, wantPos bool) (int, []int, bool) {
	if len(pat) == 0 {
		return 0, pos, false
	}
	if k := strings.IndexByte(s, 0); k >= 0 {
		s = s[:k]
	}
	r := newMatchRun(pos, wantPos)
	p := 0
	var last rune
	lastIndex := 0
	nextc, nextSize := utf8.DecodeRuneInString(s)
	for j := 0; j < len(s); {
		cand, size := nextc, nextSize
		if matchEqualFold(cand, pat[p]) {
			sc := 0
			if j == 0 {
				sc += matchFirstCharBonus
			}
			if unicode.IsLower(last) && unicode.IsUpper(cand) {
				sc += matchCamelCaseBonus
			}
			if j != 0 && strings.ContainsRune(matchSeparatorCharacters, last) {
				sc += matchSeparatorBonus
			}
			if r.matched > 0 {
				b := 0
				if r.lastMatch == lastIndex {
					b = r.adj*2 + matchAdjacentBonus
				}
				sc += b
				r.adj += b
			}
			if sc > r.best {
				r.best, r.mi = sc, j
			}
		}
		var nextp rune
		if p < len(pat)-1 {
			nextp = pat[p+1]
		}
		if j+size < len(s) {
			nextc, nextSize = utf8.DecodeRuneInString(s[j+size:])
		} else {
			nextc, nextSize = 0, 0
		}
		if (matchEqualFold(nextp, nextc) || nextc == 0) && r.commit() {
			p++
			if p == len(pat) {
				break
			}
		}
		lastIndex = j
		last = cand
		j += size
	}
	return r.total + r.matched - len(s), r.pos, r.matched == len(pat)
}

// matchEqualFold is sahilm/fuzzy's (and strings.EqualFold's) rune folding.
func matchEqualFold(tr, sr rune) bool {
	if tr == sr {
		return true
	}
	if tr < sr {
		tr, sr = sr, tr
	}
	if tr < utf8.RuneSelf {
		return 'A' <= sr && sr <= 'Z' && tr == sr+'a'-'A'
	}
	r := unicode.SimpleFold(sr)
	for r != sr && r < tr {
		r = unicode.SimpleFold(r)
	}
	return r == tr
}
