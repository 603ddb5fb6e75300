package nixsearch

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Index is an immutable set of packages sorted by Attr, with prepared match
// targets: every attribute path lower-cased once into one contiguous arena,
// the offset of its last segment, a character-class bitmask for a cheap
// prefilter, and the package set ("python313Packages", …) it belongs to.
// An Index is safe for concurrent use.
type Index struct {
	// data holds every package's strings in index order: the
	// indexFields strings (Attr, Pname, Version, Description, MainProgram,
	// License, Homepage) of package 0, then of package 1, and so on; field
	// k of package i is data[field[F*i+k]:field[F*i+k+1]] with F =
	// indexFields. One pointer-free string and an offset table load fast
	// from the cache and cost the garbage collector nothing to scan.
	data  string
	field []uint32
	n     int
	// flags[i] holds package i's booleans (packageUnfree, …).
	flags []uint8
	// metaMissing says why the packages' meta fields are not (all) known,
	// "" when the index holds their meta.
	metaMissing string
	// partial says which part of the package set a partial index (of the
	// shards built so far) holds, "" for a whole one; see WithPartial.
	partial string
	// lower holds every Attr with ASCII letters lower-cased, concatenated;
	// attribute i is lower[off[i]:off[i+1]].
	lower []byte
	off   []uint32
	// seg[i] is the byte offset of attribute i's last segment (after its
	// last '.'), relative to the start of the attribute.
	seg []uint32
	// mask[i] has indexMaskBit(c) set for every byte of lower attribute i;
	// all bits are set when the attribute needs the Unicode matcher.
	mask []uint64
	// generic[i] is true when attribute i is not plain ASCII or holds a NUL
	// byte, so matching must take the rune-by-rune path.
	generic []bool
	// set[i] indexes sets for a nested attribute, or is -1 at top level.
	set  []int32
	sets []indexSet
	// desc holds lower-cased descriptions, built on first use (description
	// search is rarer than attribute search, and loading must stay fast).
	desc *indexDesc
	// aliases maps an alias set nix search does not list to the listed set
	// it aliases (python3Packages → python313Packages); see WithAliasSets.
	aliases map[string]string
	// rank is the ranking's view of the index, built on first search.
	rank *rankInfo
}

// indexSet is one package set: the first segment of nested attributes.
type indexSet struct {
	name string
	// variants counts the sets of the same family, i.e. with the same name
	// once digits and underscores are removed (python312Packages and
	// python313Packages are two variants of pythonPackages). Ecosystems
	// that nixpkgs keeps in several versions are the big ones, so exact
	// matches in them rank first.
	variants int
}

// indexDesc is the lazily prepared description arena of an Index.
type indexDesc struct {
	once  sync.Once
	lower []byte
	off   []uint32
}

// The string fields of a package, in their order in Index.data.
const (
	fieldAttr = iota
	fieldPname
	fieldVersion
	fieldDescription
	fieldMainProgram
	fieldLicense
	fieldHomepage
	// indexFields is the number of string fields per package.
	indexFields
)

// NewIndex builds an Index from pkgs (which it does not modify). Packages are
// sorted by Attr; of several packages with the same Attr the first is kept.
// The index holds the packages' meta fields as given (MetaMissing is "";
// see WithMetaMissing).
// The strings are copied into the index, whose offsets are 32-bit: all of
// them together must stay under 4 GiB (a real nixpkgs index is ~10 MB).
func NewIndex(pkgs []Package) *Index {
	// Sort a permutation (cheap to swap) with the original position as the
	// tie-break, which keeps the first of equal attributes first.
	perm := make([]int32, len(pkgs))
	for i := range perm {
		perm[i] = int32(i)
	}
	if !slices.IsSortedFunc(pkgs, indexCompareAttr) {
		slices.SortFunc(perm, func(a, b int32) int {
			if c := strings.Compare(pkgs[a].Attr, pkgs[b].Attr); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
	}
	total := 0
	for i := range pkgs {
		for _, s := range packageStrings(&pkgs[i]) {
			total += len(s)
		}
	}
	var b strings.Builder
	b.Grow(total)
	field := make([]uint32, 0, indexFields*len(pkgs)+1)
	flags := make([]uint8, 0, len(pkgs))
	n := 0
	for k, i := range perm {
		p := &pkgs[i]
		if k > 0 && p.Attr == pkgs[perm[k-1]].Attr {
			continue
		}
		for _, s := range packageStrings(p) {
			field = append(field, uint32(b.Len()))
			b.WriteString(s)
		}
		flags = append(flags, packageFlags(p))
		n++
	}
	field = append(field, uint32(b.Len()))
	return indexBuild(b.String(), field, flags, n)
}

// packageStrings is p's string fields in index order.
func packageStrings(p *Package) [indexFields]string {
	return [indexFields]string{p.Attr, p.Pname, p.Version, p.Description, p.MainProgram, p.License, p.Homepage}
}

// WithMetaMissing returns a copy of ix (sharing its tables) that reports
// reason from MetaMissing: the index build could not gather the packages'
// meta, so their meta fields are empty rather than unset.
func (ix *Index) WithMetaMissing(reason string) *Index {
	c := *ix
	c.metaMissing = reason
	return &c
}

// MetaMissing is "" when the index holds its packages' meta (mainProgram,
// licence, broken, …), else why not, e.g. "meta evaluation failed: …", for
// the user (one line). Without meta, a caller that needs a package's meta
// asks nix for it (Nix.Meta).
func (ix *Index) MetaMissing() string { return ix.metaMissing }

// WithPartial returns a copy of ix (sharing its tables) that reports
// reason from Partial: ix holds only part of the package set, e.g. the
// shards of a build finished so far. The packages it holds keep their meta
// (MetaMissing is separate), so a caller can show them as they are.
func (ix *Index) WithPartial(reason string) *Index {
	c := *ix
	c.partial = reason
	return &c
}

// Partial is "" for an index of the whole package set, else which part it
// holds ("2 of 6 shards"). A partial index is never cached.
func (ix *Index) Partial() string { return ix.partial }

// indexBuild prepares the match targets of an index whose packages (laid
// out as in Index.data, Index.field and Index.flags) are sorted with unique
// attributes.
func indexBuild(data string, field []uint32, flags []uint8, n int) *Index {
	ix := &Index{data: data, field: field, flags: flags, n: n}
	// Per-byte tables: lower-casing and the prefilter bit of the result.
	var lowerTab [256]byte
	var maskTab [256]uint64
	for c := range 256 {
		l := byte(c)
		if l >= 'A' && l <= 'Z' {
			l += 'a' - 'A'
		}
		lowerTab[c] = l
		maskTab[c] = indexMaskBit(l)
	}

	total := 0
	for i := range n {
		total += len(ix.attr(i))
	}
	ix.lower = make([]byte, total)
	ix.off = make([]uint32, n+1)
	ix.seg = make([]uint32, n)
	ix.mask = make([]uint64, n)
	ix.generic = make([]bool, n)
	ix.set = make([]int32, n)
	ix.indexLazy()
	pos := 0
	for i := range n {
		attr := ix.attr(i)
		ix.off[i] = uint32(pos)
		dst := ix.lower[pos : pos+len(attr)]
		var m uint64
		var acc byte
		seg := 0
		for j := 0; j < len(attr); j++ {
			c := attr[j]
			acc |= c
			if c == '.' {
				seg = j + 1
			}
			l := lowerTab[c]
			dst[j] = l
			m |= maskTab[l]
		}
		if acc >= 0x80 || strings.IndexByte(attr, 0) >= 0 {
			// A non-ASCII rune can fold onto an ASCII letter (the Kelvin
			// sign onto k), so the bitmask must not reject anything.
			m = ^uint64(0)
			ix.generic[i] = true
		}
		ix.mask[i] = m
		ix.seg[i] = uint32(seg)
		pos += len(attr)
	}
	ix.off[n] = uint32(pos)
	ix.indexSets()
	return ix
}

// indexLazy gives ix its tables that are built on first use. Both ways to
// make an Index (indexBuild, and cacheDecode mapping a file) call it, so a
// table added here exists in both.
func (ix *Index) indexLazy() {
	ix.desc = &indexDesc{}
	ix.rank = &rankInfo{}
}

// indexCompareAttr orders packages by attribute path, bytewise.
func indexCompareAttr(a, b Package) int { return strings.Compare(a.Attr, b.Attr) }

// indexMaskBit maps a lower-cased byte to its prefilter bit: one bit per
// letter and digit, the rest share the remaining bits.
func indexMaskBit(c byte) uint64 {
	switch {
	case c >= 'a' && c <= 'z':
		return 1 << (c - 'a')
	case c >= '0' && c <= '9':
		return 1 << (26 + c - '0')
	default:
		return 1 << (36 + c%28)
	}
}

// indexSets fills ix.set and ix.sets. Attributes sharing a first segment are
// contiguous in sorted order, so one linear scan finds every set.
func (ix *Index) indexSets() {
	cur := -1
	curName := ""
	for i := range ix.n {
		attr := ix.attr(i)
		dot := strings.IndexByte(attr, '.')
		if dot < 0 {
			ix.set[i] = -1
			continue
		}
		name := attr[:dot]
		if cur < 0 || name != curName {
			ix.sets = append(ix.sets, indexSet{name: name})
			cur = len(ix.sets) - 1
			curName = name
		}
		ix.set[i] = int32(cur)
	}
	family := make(map[string]int, len(ix.sets))
	for _, s := range ix.sets {
		family[indexFamily(s.name)]++
	}
	for k := range ix.sets {
		ix.sets[k].variants = family[indexFamily(ix.sets[k].name)]
	}
}

// indexFamily is a set name without digits and underscores:
// "python313Packages" and "rubyPackages_3_4" become "pythonPackages" and
// "rubyPackages".
func indexFamily(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || (r >= '0' && r <= '9') {
			return -1
		}
		return r
	}, name)
}

// Len is the number of packages in the index.
func (ix *Index) Len() int { return ix.n }

// At returns the i-th package in attribute order, with every field.
func (ix *Index) At(i int) Package {
	f := ix.field[indexFields*i : indexFields*i+indexFields+1]
	fl := ix.flags[i]
	return Package{
		Attr:        ix.data[f[fieldAttr]:f[fieldAttr+1]],
		Pname:       ix.data[f[fieldPname]:f[fieldPname+1]],
		Version:     ix.data[f[fieldVersion]:f[fieldVersion+1]],
		Description: ix.data[f[fieldDescription]:f[fieldDescription+1]],
		MainProgram: ix.data[f[fieldMainProgram]:f[fieldMainProgram+1]],
		License:     ix.data[f[fieldLicense]:f[fieldLicense+1]],
		Homepage:    ix.data[f[fieldHomepage]:f[fieldHomepage+1]],
		Unfree:      fl&packageUnfree != 0,
		Broken:      fl&packageBroken != 0,
		Insecure:    fl&packageInsecure != 0,
		Unavailable: fl&packageUnavailable != 0,
	}
}

// indexField is string field k (fieldAttr, …) of package i.
func (ix *Index) indexField(i, k int) string {
	j := indexFields*i + k
	return ix.data[ix.field[j]:ix.field[j+1]]
}

// attr is the attribute path of package i.
func (ix *Index) attr(i int) string { return ix.indexField(i, fieldAttr) }

// description is the description of package i.
func (ix *Index) description(i int) string { return ix.indexField(i, fieldDescription) }

// Attr is the attribute path of package i, without building a Package.
func (ix *Index) Attr(i int) string { return ix.indexField(i, fieldAttr) }

// MainProgram is meta.mainProgram of package i ("" when unset or unknown).
func (ix *Index) MainProgram(i int) string { return ix.indexField(i, fieldMainProgram) }

// Unfree reports whether package i has an unfree licence. It and Broken,
// Insecure and Unavailable are false when the index holds no meta.
func (ix *Index) Unfree(i int) bool { return ix.flags[i]&packageUnfree != 0 }

// Broken is meta.broken of package i.
func (ix *Index) Broken(i int) bool { return ix.flags[i]&packageBroken != 0 }

// Insecure reports whether package i has known vulnerabilities.
func (ix *Index) Insecure(i int) bool { return ix.flags[i]&packageInsecure != 0 }

// Unavailable reports whether package i is not available on the index's
// system.
func (ix *Index) Unavailable(i int) bool { return ix.flags[i]&packageUnavailable != 0 }

// Lookup finds the package with exactly this attribute path.
func (ix *Index) Lookup(attr string) (Package, bool) {
	if i, ok := ix.indexFind(attr); ok {
		return ix.At(i), true
	}
	return Package{}, false
}

// indexFind is the position of attr in the index, by binary search.
func (ix *Index) indexFind(attr string) (int, bool) {
	lo := sort.Search(ix.n, func(i int) bool { return ix.attr(i) >= attr })
	return lo, lo < ix.n && ix.attr(lo) == attr
}

// indexLower is the lower-cased attribute i.
func (ix *Index) indexLower(i int) []byte { return ix.lower[ix.off[i]:ix.off[i+1]] }

// indexVersionCompare compares two names of one family by their first
// differing digit run, numerically, higher first ("python313Packages" <
// "python39Packages" in this order). Names that differ elsewhere first, or
// that have no differing digit runs, compare equal.
func indexVersionCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		da, db := indexIsDigit(ca), indexIsDigit(cb)
		switch {
		case da && db:
			si, sj := i, j
			for i < len(a) && indexIsDigit(a[i]) {
				i++
			}
			for j < len(b) && indexIsDigit(b[j]) {
				j++
			}
			na := strings.TrimLeft(a[si:i], "0")
			nb := strings.TrimLeft(b[sj:j], "0")
			if len(na) != len(nb) {
				return cmp.Compare(len(nb), len(na))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return -c
			}
		case ca == cb:
			i++
			j++
		default:
			return 0
		}
	}
	return 0
}

func indexIsDigit(c byte) bool { return c >= '0' && c <= '9' }

// indexOSARows holds the three DP rows of the edit distance, reused across
// candidates.
type indexOSARows struct{ prev2, prev, cur []int }

// distance is the optimal-string-alignment distance of a and b, and whether
// it is at most bound (it stops early once every cell of a row exceeds it).
func (r *indexOSARows) distance(a, b []byte, bound int) (int, bool) {
	m := len(b)
	if cap(r.cur) < m+1 {
		r.prev2, r.prev, r.cur = make([]int, m+1), make([]int, m+1), make([]int, m+1)
	}
	prev2, prev, cur := r.prev2[:m+1], r.prev[:m+1], r.cur[:m+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= m; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > bound {
			return rowMin, false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	d := prev[m]
	return d, d <= bound
}

// indexDescriptions returns the lower-cased description arena, building it
// on first use.
func (ix *Index) indexDescriptions() *indexDesc {
	d := ix.desc
	d.once.Do(func() {
		total := 0
		for i := range ix.n {
			total += len(ix.description(i))
		}
		d.lower = make([]byte, 0, total)
		d.off = make([]uint32, ix.n+1)
		for i := range ix.n {
			d.off[i] = uint32(len(d.lower))
			d.lower = indexAppendLower(d.lower, ix.description(i))
		}
		d.off[ix.n] = uint32(len(d.lower))
	})
	return d
}

// indexAppendLower appends s lower-cased (Unicode-aware, fast for ASCII).
func indexAppendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return append(dst, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
