package nixsearch

import "strings"

// VersionAttr resolves a version spec as devbox and flox write it
// ("nodejs@20", "python@3.12") to the top-level attribute a search for it
// ranks first: attr and its package version. exact is false when nixpkgs
// has no such version and attr is the closest newer one; ok is false when
// spec is not name@version or no attribute is that name in any version.
//
// Only an attribute that is a name and a version and nothing after them
// (nodejs_20, python312, lua5_4, postgresql_16 for postgres@16) or a name
// at that version (jdk at 21.0.8) counts, never a variant: foo2zjs for
// foo@2 or jdk21_headless for jdk@21 are not what was asked for, though a
// search lists them.
func (ix *Index) VersionAttr(spec string) (attr, version string, exact, ok bool) {
	at := strings.LastIndexByte(spec, '@')
	if at <= 0 {
		return "", "", false, false
	}
	nums, isVersion := rankParseVersion(spec[at+1:])
	if !isVersion {
		return "", "", false, false
	}
	rq := rankQuery{name: spec[:at], version: spec[at+1:], nums: nums}
	cased := matchHasUpper(rq.name)
	for _, h := range ix.rankVersionHits(ix.rankPrepare(), &rq, cased) {
		a := ix.Attr(h.idx)
		cmpAttr := a
		if !cased {
			cmpAttr = strings.ToLower(a)
		}
		if _, _, suffix := rankAttrVersion(cmpAttr); suffix != "" || ix.rank.variant[h.idx] {
			continue
		}
		return a, ix.indexField(h.idx, fieldVersion), h.why == "", true
	}
	return "", "", false, false
}
