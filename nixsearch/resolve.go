package nixsearch

import "strings"

// VersionAttr resolves a version spec as devbox and flox write it
// ("nodejs@20", "python@3.12") to the top-level attribute a search for it
// ranks first: attr and its package version. exact is false when nixpkgs
// has no such version and attr is the closest newer one; variant is true
// when the only attributes at that version are variants or carry a suffix
// (jdk21_headless when no plain jdk is 21), and attr is the first of them.
// ok is false when spec is not name@version or no attribute is that name in
// any version.
//
// Only an attribute that is a name and a version and nothing after them
// (nodejs_20, python312, lua5_4, postgresql_16 for postgres@16) or a name
// at that version (jdk at 21.0.8) is taken as the answer: foo2zjs for
// foo@2 or jdk21_headless for jdk@21 are not what was asked for, though a
// search lists them, and the caller says so.
func (ix *Index) VersionAttr(spec string) (attr, version string, exact, variant, ok bool) {
	at := strings.LastIndexByte(spec, '@')
	if at <= 0 {
		return "", "", false, false, false
	}
	nums, isVersion := rankParseVersion(spec[at+1:])
	if !isVersion {
		return "", "", false, false, false
	}
	rq := rankQuery{name: spec[:at], version: spec[at+1:], nums: nums}
	cased := matchHasUpper(rq.name)
	hits := ix.rankVersionHits(ix.rankPrepare(), &rq, cased)
	for _, h := range hits {
		a := ix.Attr(h.idx)
		cmpAttr := a
		if !cased {
			cmpAttr = strings.ToLower(a)
		}
		if _, _, suffix := rankAttrVersion(cmpAttr); suffix != "" || ix.rank.variant[h.idx] {
			continue
		}
		return a, ix.indexField(h.idx, fieldVersion), h.why == "", false, true
	}
	if len(hits) > 0 {
		h := hits[0]
		return ix.Attr(h.idx), ix.indexField(h.idx, fieldVersion), h.why == "", true, true
	}
	return "", "", false, false, false
}
