package nixsearch

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// A shard is one part of the package set that one nix process evaluates:
// either the whole set, or some named top-level attributes (the big nested
// sets, rPackages, haskellPackages, …), or the top-level attributes whose
// name hashes into some of nixShardBuckets buckets, minus the named ones.
// Nothing about the package set has to be evaluated to plan the shards: the
// names of the big sets come from an earlier index of a similar nixpkgs, or
// from nixShardBigSets. The sizes only balance the shards; a wrong guess
// makes a build slower, never different.
type shard struct {
	// All selects every attribute of legacyPackages.<system>; Names and
	// Buckets are then unused.
	All bool `json:"all"`
	// Names are top-level attributes evaluated by this shard.
	Names []string `json:"names"`
	// Buckets are the hash buckets (of Of) this shard evaluates, excluding
	// the attributes in Exclude (which other shards evaluate by name).
	Buckets []int    `json:"buckets"`
	Of      int      `json:"of"`
	Exclude []string `json:"exclude"`
	// Packages adds the flake's packages.<system> (all of it: nix search
	// does not recurse there, and it is small).
	Packages bool `json:"packages"`
	// Aliases makes the meta walk also find the alias sets of the listed
	// sets it walks (see nixShardMetaBody); nixEvalShard sets it.
	Aliases bool `json:"aliases"`
	// weight estimates the packages the shard holds (for the order in which
	// shards start: largest first).
	weight int
}

// nixShardBigSets are the nested sets of a 2025 nixpkgs (x86_64-linux) with
// more than 1,000 searchable packages and their sizes, used to plan the
// first build of a nixpkgs when no earlier index tells the sizes. Each is a
// shard item of its own, so that two of them never land by chance in one
// hash bucket.
var nixShardBigSets = map[string]int{
	"rPackages": 30_758, "haskellPackages": 18_621, "python312Packages": 9_944,
	"python313Packages": 9_707, "emacsPackages": 6_428, "sbclPackages": 4_712,
	"texlivePackages": 4_647, "vimPlugins": 2_176, "typstPackages": 2_089,
	"perl538Packages": 1_912, "perl540Packages": 1_907, "linuxKernel": 1_897,
	"ocamlPackages": 1_068,
}

// nixShardBigSetMin is the size from which a nested set of an earlier index
// is planned as an item of its own; smaller sets go into the hash buckets.
const nixShardBigSetMin = 1000

// nixShardTopLevel estimates the top-level attributes outside the big sets
// when no earlier index tells (a 2025 nixpkgs has ~22k top-level packages
// and ~12k in smaller sets).
const nixShardTopLevel = 34_000

// nixShardsPerProc is how many shards each nix process evaluates: more
// than one, so the first shards finish (and their results show) early and
// a slow shard is balanced by the others; few, because every shard pays for
// loading nixpkgs once.
const nixShardsPerProc = 2

// nixShardBucketsPerShard is how many hash buckets the top level is cut
// into per shard: fine enough to fill up shards evenly.
const nixShardBucketsPerShard = 4

// nixProcMemory is the memory budget of one nix process: evaluating all of
// nixpkgs takes 1–2 GiB, a shard less. BuildProcs allows as many processes
// as cores, but no more than half the available memory holds.
const nixProcMemory = 1536 << 20

// BuildProcs is the default number of concurrent nix processes of an
// index build: one per core, capped by the memory budget (half of
// MemAvailable in /proc/meminfo, nixProcMemory per process), at least one.
func BuildProcs() int {
	avail, ok := nixMemAvailable()
	return buildProcs(runtime.NumCPU(), avail, ok)
}

// buildProcs is BuildProcs for cpus cores and memAvail bytes of available
// memory (known false: the memory is not known, and only cores count).
func buildProcs(cpus int, memAvail uint64, known bool) int {
	procs := cpus
	if known {
		procs = min(procs, int(memAvail/2/nixProcMemory))
	}
	return max(procs, 1)
}

// nixMemAvailable reads MemAvailable from /proc/meminfo, in bytes.
func nixMemAvailable() (uint64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	return parseMemAvailable(f)
}

// parseMemAvailable finds the MemAvailable line ("MemAvailable:  123 kB")
// of a /proc/meminfo and returns it in bytes; false when there is none or
// it does not parse.
func parseMemAvailable(r io.Reader) (uint64, bool) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		return kb << 10, err == nil
	}
	return 0, false
}

// planShards splits the package set for procs concurrent processes. With
// one process it is one shard of everything. Otherwise the big nested sets
// (from hint's sizes when hint is set, else nixShardBigSets) and the hash
// buckets of the rest of legacyPackages.<system> are packed into
// nixShardsPerProc×procs shards, largest item first into the lightest
// shard; the last of them, the lightest, also takes packages.<system>.
// Shards come out largest first.
func planShards(procs int, hint *Index) []shard {
	if procs <= 1 {
		return []shard{{All: true, Packages: true, weight: 1}}
	}
	big, rest := nixShardSizes(hint)
	n := nixShardsPerProc * procs
	buckets := nixShardBucketsPerShard * n
	type item struct {
		name   string // a big set, or "" for bucket
		bucket int
		weight int
	}
	var items []item
	names := make([]string, 0, len(big))
	for name, w := range big {
		items = append(items, item{name: name, weight: w})
		names = append(names, name)
	}
	slices.Sort(names)
	for b := range buckets {
		items = append(items, item{bucket: b, weight: max(rest/buckets, 1)})
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if c := cmp.Compare(b.weight, a.weight); c != 0 {
			return c
		}
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return cmp.Compare(a.bucket, b.bucket)
	})
	shards := make([]shard, n)
	for _, it := range items {
		k := 0
		for j := range shards {
			if shards[j].weight < shards[k].weight {
				k = j
			}
		}
		s := &shards[k]
		if it.name != "" {
			s.Names = append(s.Names, it.name)
		} else {
			s.Buckets = append(s.Buckets, it.bucket)
		}
		s.weight += it.weight
	}
	out := shards[:0]
	for _, s := range shards {
		if len(s.Names) == 0 && len(s.Buckets) == 0 {
			continue
		}
		slices.Sort(s.Names)
		if len(s.Buckets) > 0 {
			s.Of = buckets
			s.Exclude = names
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b shard) int { return cmp.Compare(b.weight, a.weight) })
	out[len(out)-1].Packages = true
	return out
}

// nixShardSizes estimates the big nested sets' sizes and the number of the
// other packages: from hint's packages when given, else from the table.
func nixShardSizes(hint *Index) (big map[string]int, rest int) {
	if hint == nil || hint.Len() == 0 {
		return nixShardBigSets, nixShardTopLevel
	}
	count := map[string]int{}
	for i := range hint.Len() {
		if s := hint.set[i]; s >= 0 {
			count[hint.sets[s].name]++
		} else {
			rest++
		}
	}
	big = map[string]int{}
	for name, c := range count {
		if c >= nixShardBigSetMin {
			big[name] = c
		} else {
			rest += c
		}
	}
	return big, rest
}

// nixShardLib is the Nix code every shard expression starts with: the
// flake, the selected attribute names of the shard's set, and helpers.
// REF, SYS and SHARD are replaced by Nix string literals.
const nixShardLib = `
  flake = builtins.getFlake REF;
  sys = SYS;
  shard = builtins.fromJSON SHARD;
  has = s: builtins.hasAttr s flake && builtins.hasAttr sys flake.${s};
  set = if has "legacyPackages" then flake.legacyPackages.${sys} else { };
  pkgsSet = if shard.packages && has "packages" then flake.packages.${sys} else { };
  digits = "0123456789abcdef";
  hex = builtins.listToAttrs (builtins.genList (i: {
    name = builtins.substring (i / 16) 1 digits + builtins.substring (i - i / 16 * 16) 1 digits;
    value = i;
  }) 256);
  bucketOf = n:
    let h = builtins.hashString "sha256" n;
        x = hex.${builtins.substring 0 2 h} * 256 + hex.${builtins.substring 2 2 h};
    in x - x / shard.of * shard.of;
  inBuckets = builtins.listToAttrs (map (b: { name = toString b; value = true; }) shard.buckets);
  excluded = builtins.listToAttrs (map (n: { name = n; value = true; }) shard.exclude);
  names =
    if shard.all then builtins.attrNames set
    else builtins.filter (n: builtins.hasAttr n set) shard.names
      ++ (if shard.buckets == [ ] then [ ] else
        builtins.filter (n: !(builtins.hasAttr n excluded) && builtins.hasAttr (toString (bucketOf n)) inBuckets)
          (builtins.attrNames set));
`

// nixShardExpr fills in nixShardLib's placeholders and wraps body.
func nixShardExpr(src Source, sh shard, body string) string {
	// The Nix code reads every field: lists must be [ ], not null.
	for _, l := range []*[]string{&sh.Names, &sh.Exclude} {
		if *l == nil {
			*l = []string{}
		}
	}
	if sh.Buckets == nil {
		sh.Buckets = []int{}
	}
	js, _ := json.Marshal(sh) // a struct of strings and ints cannot fail
	lib := strings.NewReplacer(
		"REF", nixStringLiteral(src.Ref),
		"SYS", nixStringLiteral(src.System),
		"SHARD", nixStringLiteral(string(js)),
	).Replace(nixShardLib)
	return "let\n" + lib + body
}

// nixShardSearchBody is the `nix search --expr` fallback of a shard: the
// selected attributes under <set>.<system>, so that nix search applies its
// own rules (recursion into legacyPackages sets with recurseForDerivations,
// errors there skipped, errors under packages fatal) and prints its keys.
const nixShardSearchBody = `in
  (if names == [ ] then { } else {
    legacyPackages.${sys} = builtins.listToAttrs (map (n: { name = n; value = set.${n}; }) names);
  }) // (if pkgsSet == { } then { } else { packages.${sys} = pkgsSet; })`

// nixPackageEntryExpr defines, for the Nix code of a shard and of
// Nix.CheckNames, isDrv and entry: entry key v is a derivation's
// [key pname version description mainProgram license homepage flags] (see
// nixShardMetaBody for how each meta field is read). It needs set, flake
// and sys in scope.
const nixPackageEntryExpr = `
  isDrv = v: builtins.isAttrs v && (v.type or null) == "derivation";
  ` + nixMetaTextExpr + `
  try = d: f: let r = builtins.tryEval (let v = f null; in builtins.deepSeq v v); in if r.success then r.value else d;
  toList = x: if builtins.isList x then x else [ x ];
  libAvail = try null (_:
    let l = set.lib or flake.lib or null; h = set.stdenv.hostPlatform or null;
    in if l != null && h != null && l ? meta.availableOn then (l.meta.availableOn h) else null);
  # Without nixpkgs' lib, only system strings are understood; a platform
  # pattern counts as matching in meta.platforms and not in badPlatforms.
  platformMatch = bad: p: if builtins.isString p then p == sys else !bad;
  simpleAvail = m:
    (!(m ? platforms) || builtins.any (platformMatch false) (toList m.platforms))
    && !(builtins.any (platformMatch true) (toList (m.badPlatforms or [ ])));
  entry = key: v:
    let
      n = if v ? name && builtins.isString v.name then builtins.parseDrvName v.name else throw "no name";
      m = if builtins.isAttrs (v.meta or null) then v.meta else { };
      d = if m ? description then m.description else "";
      flag = bit: b: if b then bit else 0;
    in
    if !(builtins.isString d) then throw "description is not a string" else [
      key n.name n.version d
      (try "" (_: str (m.mainProgram or "")))
      (try "" (_: text (m.license or [ ])))
      (try "" (_: first (m.homepage or "")))
      (flag 1 (try false (_: builtins.any (l: !(l.free or true)) (toList (m.license or [ ]))))
        + flag 2 (try false (_: (m.broken or false) == true))
        + flag 4 (try false (_: (m.knownVulnerabilities or [ ]) != [ ]))
        + flag 8 (try false (_: !(if libAvail != null then libAvail v else simpleAvail m))))
    ];`

// nixShardMetaBody is the `nix eval --json` of a shard: nix search's walk
// written in Nix, returning { entries; aliases; }: entries has per package
// [key pname version description mainProgram license homepage flags];
// aliases is the shard's alias pairs (nixShardAliasExpr), null without
// shard.aliases. It follows nix search (2.8 to 2.35):
// a derivation is an attribute set with type "derivation"; pname and
// version are builtins.parseDrvName of its name; description is
// meta.description ("" without one, the package is skipped when it is not a
// string); under legacyPackages a set is entered when recurseForDerivations
// is true and an attribute that fails (throw, assert) is skipped; under
// packages nothing is entered and a failure fails the evaluation. Errors
// builtins.tryEval cannot catch (a type error in a package) fail the
// evaluation, and the shard is searched again with nix search, without
// meta. Each visited attribute prints "trace: evaluating '<key>'..." on
// stderr, the progress nix search prints without the trace prefix.
//
// Meta fields that fail to evaluate are empty: licences are spdxId, else
// shortName, else fullName, joined with ", "; unfree when any licence has
// free = false (as nixpkgs' check-meta); insecure when knownVulnerabilities
// is not empty; unavailable when lib.meta.availableOn (when the set has lib
// and stdenv.hostPlatform) says so, else when meta.platforms lists systems
// but not this one or meta.badPlatforms lists it.
const nixShardMetaBody = `
  keyOf = top: path: top + "." + sys + "." + builtins.concatStringsSep "." path;
  progress = key: builtins.trace ("evaluating '" + key + "'...");` + nixPackageEntryExpr + `
  visitLegacy = path: v:
    let
      key = keyOf "legacyPackages" path;
      kind = builtins.tryEval (progress key (
        if isDrv v then 1
        else if builtins.isAttrs v && (v.recurseForDerivations or false) == true then 2
        else 0));
      e = builtins.tryEval (let x = entry key v; in builtins.deepSeq x x);
      children = builtins.tryEval (builtins.attrNames v);
    in
    if !kind.success then [ ]
    else if kind.value == 1 then (if e.success then [ e.value ] else [ ])
    else if kind.value == 2 then
      (if children.success then builtins.concatMap (c: visitLegacy (path ++ [ c ]) v.${c}) children.value else [ ])
    else [ ];
  visitPackages = path: v:
    let key = keyOf "packages" path;
    in progress key (if isDrv v then [ (let x = entry key v; in builtins.deepSeq x x) ] else [ ]);
  byName = builtins.listToAttrs (map (n: { name = n; value = visitLegacy [ n ] set.${n}; }) names);` + nixShardAliasExpr + `
in {
  entries = builtins.concatMap (n: byName.${n}) names
    ++ builtins.concatMap (n: visitPackages [ n ] pkgsSet.${n}) (builtins.attrNames pkgsSet);
  aliases = if shard.aliases then aliasHits else null;
}`

// nixShardAliasExpr finds, in a shard's meta walk, what Nix.AliasSets
// finds after a build (see aliasExpr), for the listed sets of this shard,
// so that no nix process is started and no nixpkgs loaded again for it:
// aliasHits is a list of [alias target] pairs. A target is a top-level
// name of the shard the walk found packages under; its samples are the
// first and the middle (aliasSamples) of its direct members, in attribute
// order, as aliasProbeFor picks them from the index. A candidate alias is
// another top-level name of the same family (its name without digits and
// '_') that is a set nix search does not enter (no recurseForDerivations:
// listed sets are entered, so an alias to one is never listed itself) and
// whose members of the samples' names have the same drvPath. Every pair is
// reported; Go keeps, per alias, the first target in the index's set order,
// as aliasExpr does. All of it runs under builtins.tryEval and is only
// evaluated with shard.aliases set.
const nixShardAliasExpr = nixAliasShared + `
  plain = n: builtins.match "[^.]*" n != null;
  members = t:
    let
      p = keyOf "legacyPackages" [ t ] + ".";
      l = builtins.stringLength p;
      rest = e: builtins.substring l (builtins.stringLength (builtins.head e)) (builtins.head e);
    in builtins.filter (r: r != "" && plain r)
      (map rest (builtins.filter (e: builtins.substring 0 l (builtins.head e) == p) byName.${t}));
  samplesOf = t:
    let m = members t; k = builtins.length m;
    in if k == 0 then [ ] else [ (builtins.head m) ] ++ (if k > 1 then [ (builtins.elemAt m (k / 2)) ] else [ ]);
  targets = builtins.filter (x: x.samples != [ ])
    (map (t: { set = t; samples = samplesOf t; }) (builtins.filter plain names));
  byFamily = builtins.groupBy family (builtins.attrNames set);
  candidate = builtins.mapAttrs (n: _:
    let r = builtins.tryEval (let v = set.${n}; in
      builtins.isAttrs v && (v.type or null) != "derivation" && (v.recurseForDerivations or false) != true);
    in r.success && r.value) set;
  aliasHits = builtins.concatMap (x:
    builtins.concatMap (n:
      if n != x.set && plain n && candidate.${n} && builtins.all (same set.${n} x.set) x.samples
      then [ [ n x.set ] ] else [ ])
      (byFamily.${family x.set} or [ ]))
    targets;`

// nixShardArgs is the argv of a shard's evaluation: `nix eval --json
// --expr` of its meta walk, or with search set, `nix search --expr … ”
// ^ --json`. --impure is added when src.Ref is not locked (getFlake
// refuses an unlocked reference in pure mode).
func (n Nix) nixShardArgs(src Source, sh shard, search bool) []string {
	var args []string
	if search {
		args = append(n.nixBase("search"), "--expr", nixShardExpr(src, sh, nixShardSearchBody), "", nixSearchRegex, "--json")
	} else {
		args = append(n.nixBase("eval"), "--json", "--expr", nixShardExpr(src, sh, nixShardMetaBody))
	}
	if !strings.Contains(src.Ref, "narHash=") {
		args = append(args, "--impure")
	}
	return args
}

// shardResult is what one shard's evaluation yields.
type shardResult struct {
	// legacy and packages are the packages found under
	// legacyPackages.<system> and packages.<system>.
	legacy, packages []Package
	// aliases are the [alias, target] pairs the meta walk found
	// (nixShardAliasExpr); aliasesKnown is false when it did not look
	// (the walk without aliases, or nix search).
	aliases      [][2]string
	aliasesKnown bool
	// metaErr is set when the meta walk failed and the packages come from
	// nix search, without meta.
	metaErr error
}

// add files p under the set its nix key names.
func (r *shardResult) add(key string, p Package) {
	if strings.HasPrefix(key, "packages.") {
		r.packages = append(r.packages, p)
	} else {
		r.legacy = append(r.legacy, p)
	}
}

// len is the number of packages found.
func (r *shardResult) len() int { return len(r.legacy) + len(r.packages) }

// nixEvalShard evaluates one shard: the meta walk, which also finds the
// shard's alias sets; when that fails (other than by ctx ending), the meta
// walk without them (in case only they failed it), and when that fails
// too, nix search of the same shard. progress is called with the
// attributes evaluated so far in this shard (the count restarts for each
// retry).
func (n Nix) nixEvalShard(ctx context.Context, src Source, sh shard, progress func(int)) (shardResult, error) {
	var err error
	for _, aliases := range []bool{true, false} {
		sh.Aliases = aliases
		var res shardResult
		err = n.nixRunParsed(ctx, n.nixShardArgs(src, sh, false), progress, func(r io.Reader) error {
			if err := parseShardJSON(r, res.add, func(pairs [][2]string) {
				res.aliases, res.aliasesKnown = pairs, true
			}); err != nil {
				return fmt.Errorf("nix eval of the package meta: %w", err)
			}
			return nil
		})
		if err == nil || ctx.Err() != nil {
			return res, err
		}
	}
	fallback := shardResult{metaErr: err}
	err = n.nixRunParsed(ctx, n.nixShardArgs(src, sh, true), progress, func(r io.Reader) error {
		return parseSearchEntries(r, fallback.add)
	})
	return fallback, err
}

// nixRunParsed runs nix with its stdout parsed by parse while nix writes
// it. A failed run is reported before a parse error (which it often
// causes).
func (n Nix) nixRunParsed(ctx context.Context, args []string, progress func(int), parse func(io.Reader) error) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := parse(pr)
		// Keep reading so nix is never blocked writing to a reader that
		// stopped; its exit status decides the outcome.
		_, _ = io.Copy(io.Discard, pr)
		done <- err
	}()
	runErr := n.nixRun(ctx, args, pw, progress)
	pw.Close() // EOF for the parser
	parseErr := <-done
	if runErr != nil {
		return runErr
	}
	return parseErr
}

// nixDecodeEntry decodes one nixPackageEntryExpr entry
// [key pname version description mainProgram license homepage flags] into
// its key and package, the text sanitised.
func nixDecodeEntry(e [8]json.RawMessage) (string, Package, error) {
	var s [7]string
	for k := range s {
		if err := json.Unmarshal(e[k], &s[k]); err != nil {
			return "", Package{}, fmt.Errorf("entry field %d: %w", k, err)
		}
	}
	var flags uint8
	if err := json.Unmarshal(e[7], &flags); err != nil || flags&^packageFlagsMask != 0 {
		return "", Package{}, fmt.Errorf("entry %q: bad flags %s", s[0], e[7])
	}
	attr := nixAttrFromKey(s[0])
	if attr == "" {
		return "", Package{}, fmt.Errorf("empty attribute path in key %q", s[0])
	}
	return s[0], Package{
		Attr:        attr,
		Pname:       s[1],
		Version:     s[2],
		Description: SanitizeText(s[3]),
		MainProgram: SanitizeText(s[4]),
		License:     SanitizeText(s[5]),
		Homepage:    SanitizeText(s[6]),
		Unfree:      flags&packageUnfree != 0,
		Broken:      flags&packageBroken != 0,
		Insecure:    flags&packageInsecure != 0,
		Unavailable: flags&packageUnavailable != 0,
	}, nil
}

// parseShardJSON reads the meta walk's JSON object { "aliases": …,
// "entries": … } (in either order), streaming: entries is a list of
// [key pname version description mainProgram license homepage flags], each
// passed to add with its key and package; aliases, a list of [alias target]
// pairs or null, is passed to setAliases unless null.
func parseShardJSON(r io.Reader, add func(key string, p Package), setAliases func([][2]string)) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty output")
		}
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("expected a JSON object, got %v", tok)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nixParseEOF(err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("field %q twice", key)
		}
		seen[key] = true
		switch key {
		case "entries":
			if err := parseShardEntries(dec, add); err != nil {
				return err
			}
		case "aliases":
			var pairs *[][]string
			if err := dec.Decode(&pairs); err != nil {
				return fmt.Errorf("aliases: %w", nixParseEOF(err))
			}
			if pairs == nil {
				continue
			}
			out := make([][2]string, 0, len(*pairs))
			for _, p := range *pairs {
				if len(p) != 2 {
					return fmt.Errorf("aliases: %q is not an [alias target] pair", p)
				}
				out = append(out, [2]string{p[0], p[1]})
			}
			setAliases(out)
		default:
			return fmt.Errorf("unexpected field %q", key)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nixParseEOF(err)
	}
	if !seen["entries"] {
		return errors.New("no entries")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// parseShardEntries reads the entries list of parseShardJSON from dec.
func parseShardEntries(dec *json.Decoder, add func(key string, p Package)) error {
	tok, err := dec.Token()
	if err != nil {
		return nixParseEOF(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("entries: expected a JSON list, got %v", tok)
	}
	for dec.More() {
		var e [8]json.RawMessage
		if err := dec.Decode(&e); err != nil {
			return nixParseEOF(err)
		}
		key, p, err := nixDecodeEntry(e)
		if err != nil {
			return err
		}
		add(key, p)
	}
	if _, err := dec.Token(); err != nil {
		return nixParseEOF(err)
	}
	return nil
}
