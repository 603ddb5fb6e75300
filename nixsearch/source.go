package nixsearch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/devsh/devsh/internal/atomicfile"
)

// Source is the nixpkgs a project searches.
type Source struct {
	// Ref is the flake reference given to nix, locked (with narHash) when
	// known.
	Ref string
	// Origin says where Ref came from: "flake.lock", "registry", or the
	// label of an override such as "--nixpkgs" or "DEVSH_NIXPKGS".
	Origin string
	// Rev is the full git revision when known, else "".
	Rev string
	// NarHash is the locked NAR hash, e.g. "sha256-…=".
	NarHash string
	// System is the nix system searched, e.g. "x86_64-linux".
	System string
	// Key identifies this nixpkgs and system in caches: a hex hash of
	// NarHash and System, safe as a file name.
	Key string
}

// Short returns a short label for display: the first 7 characters of Rev,
// else the first 7 characters of the NAR hash (without its "sha256-").
func (s Source) Short() string {
	if len(s.Rev) >= 7 {
		return s.Rev[:7]
	}
	h := s.NarHash
	if i := strings.IndexAny(h, "-:"); i >= 0 {
		h = h[i+1:]
	}
	if len(h) > 7 {
		h = h[:7]
	}
	return h
}

// nixSourceKey is Source.Key: the first 128 bits of
// sha256(narHash NUL system), in hex.
func nixSourceKey(narHash, system string) string {
	sum := sha256.Sum256([]byte(narHash + "\x00" + system))
	return hex.EncodeToString(sum[:16])
}

// CurrentSystem is the nix system string of the running program, e.g.
// "x86_64-linux" or "aarch64-darwin".
func CurrentSystem() string {
	return nixSystemFor(runtime.GOOS, runtime.GOARCH)
}

// nixSystemFor maps a Go GOOS/GOARCH pair to nix's "<cpu>-<os>". Unknown
// architectures keep their Go name.
func nixSystemFor(goos, goarch string) string {
	cpu := goarch
	switch goarch {
	case "amd64":
		cpu = "x86_64"
	case "arm64":
		cpu = "aarch64"
	case "386":
		cpu = "i686"
	case "arm":
		cpu = "armv7l"
	case "ppc64le":
		cpu = "powerpc64le"
	case "ppc64":
		cpu = "powerpc64"
	case "mips64le":
		cpu = "mips64el"
	case "mipsle":
		cpu = "mipsel"
	case "loong64":
		cpu = "loongarch64"
	}
	return cpu + "-" + goos
}

// ResolveOptions says where to look for a project's nixpkgs.
type ResolveOptions struct {
	// ProjectRoot is the directory holding flake.nix (and flake.lock).
	ProjectRoot string
	// Override is a flake reference from --nixpkgs or DEVSH_NIXPKGS; it
	// wins over flake.lock. Relative paths are relative to Dir.
	Override string
	// Dir is the directory relative Override paths start from (devsh's
	// -C); "" means the working directory.
	Dir string
	// OverrideOrigin labels Override in Source.Origin; "" means "--nixpkgs".
	OverrideOrigin string
	// CacheDir is where resolved references are remembered; "" disables
	// remembering.
	CacheDir string
	// System is the nix system; "" means CurrentSystem().
	System string
}

// nixRemoteRefTTL is how long a resolved non-local reference (an override
// like github:NixOS/nixpkgs/nixos-unstable, or the registry's nixpkgs) is
// reused without asking nix again: nix itself re-fetches branches and the
// global registry after its tarball-ttl, one hour by default.
const nixRemoteRefTTL = time.Hour

// nixRefMemoDir is the directory under the cache dir holding remembered
// reference resolutions, one small JSON file per reference.
const nixRefMemoDir = "nixpkgs-refs"

// ResolveSource finds the nixpkgs to search. An override wins; else the
// root input "nixpkgs" of ProjectRoot/flake.lock (read directly, no nix
// run when the lock pins a narHash or a rev; else one `nix flake metadata`
// of the locked reference); else the registry's "nixpkgs". Overrides and the registry are
// resolved with `nix flake metadata --json`, remembered in CacheDir: a
// local path until a file under it changes (newest modification time and
// entry count), anything else for nixRemoteRefTTL.
func (n Nix) ResolveSource(ctx context.Context, o ResolveOptions) (Source, error) {
	system := o.System
	if system == "" {
		system = CurrentSystem()
	}
	if o.Override != "" {
		origin := o.OverrideOrigin
		if origin == "" {
			origin = "--nixpkgs"
		}
		return n.nixResolveRef(ctx, o.Override, o.Dir, origin, o.CacheDir, system)
	}
	if o.ProjectRoot != "" {
		lockPath := filepath.Join(o.ProjectRoot, "flake.lock")
		data, exists, err := atomicfile.ReadFile(lockPath)
		switch {
		case err == nil && exists:
			src, ok, err := nixParseFlakeLock(data, system, o.ProjectRoot)
			if err != nil {
				return Source{}, fmt.Errorf("%s: %w", lockPath, err)
			}
			if ok && src.Key == "" {
				// No narHash and no rev to key on (a relative path locked by
				// nix ≥ 2.26, a Determinate lazy lock): one `nix flake
				// metadata`, remembered like an override's.
				return n.nixResolveRef(ctx, src.Ref, o.ProjectRoot, "flake.lock", o.CacheDir, system)
			}
			if ok {
				return src, nil
			}
		case err != nil:
			return Source{}, fmt.Errorf("read flake lock: %w", err)
		}
	}
	return n.nixResolveRef(ctx, "nixpkgs", "", "registry", o.CacheDir, system)
}

// nixLockFile is the part of flake.lock (versions 5 to 7) devsh reads.
type nixLockFile struct {
	Version int                    `json:"version"`
	Root    string                 `json:"root"`
	Nodes   map[string]nixLockNode `json:"nodes"`
}

type nixLockNode struct {
	// Inputs maps an input name to a node name (a JSON string) or to a
	// `follows` path of input names from the root (a JSON array).
	Inputs map[string]json.RawMessage `json:"inputs"`
	Locked map[string]any             `json:"locked"`
	// Parent is, for a relative path input (nix ≥ 2.26), the input path from
	// the root of the flake its path is relative to ([] = the root flake);
	// nil when absent.
	Parent []string `json:"parent"`
}

// nixLockMaxDepth bounds `follows` resolution, which a malformed lock could
// make cyclic.
const nixLockMaxDepth = 64

// nixParseFlakeLock finds the root input "nixpkgs" in a flake.lock and
// returns it as a Source for system, with Origin "flake.lock" and a locked
// Ref built from the node's "locked" attributes (every one carried, see
// nixLockedRef). ok is false when the root has no "nixpkgs" input. It
// supports github, gitlab, sourcehut, path, git, hg, tarball and file
// inputs; other types are an error naming the type (use --nixpkgs then).
// A relative path input is made absolute against root when root is not ""
// (and left relative when it is).
//
// Key is the narHash's; a node without narHash (nix ≥ 2.26 writes none for
// a relative path input, Determinate's lazy-locks none at all) is keyed on
// its locked Ref when the node has a rev (the rev is the content), else Key
// is "" and only `nix flake metadata` can tell the content (ResolveSource
// runs it).
func nixParseFlakeLock(data []byte, system, root string) (Source, bool, error) {
	var lock nixLockFile
	if err := json.Unmarshal(data, &lock); err != nil {
		return Source{}, false, fmt.Errorf("parse flake lock: %w", err)
	}
	if lock.Version < 5 || lock.Version > 7 {
		return Source{}, false, fmt.Errorf("parse flake lock: unsupported version %d (want 5 to 7)", lock.Version)
	}
	rootName := lock.Root
	if rootName == "" {
		rootName = "root"
	}
	if _, ok := lock.Nodes[rootName]; !ok {
		return Source{}, false, fmt.Errorf("parse flake lock: no root node %q", rootName)
	}
	name, ok, err := nixLockInput(lock, rootName, rootName, "nixpkgs", 0)
	if err != nil || !ok {
		return Source{}, false, err
	}
	ref, rev, narHash, err := nixLockNodeRef(lock, rootName, name, root, 0)
	if err != nil {
		return Source{}, false, fmt.Errorf("parse flake lock: input nixpkgs (node %q): %w", name, err)
	}
	src := Source{Ref: ref, Origin: "flake.lock", Rev: rev, NarHash: narHash, System: system}
	switch {
	case narHash != "":
		src.Key = nixSourceKey(narHash, system)
	case rev != "":
		src.Key = nixSourceKey("ref:"+ref, system)
	}
	return src, true, nil
}

// nixLockNodeRef is nixLockedRef for node name of lock, a relative path
// resolved against the directory its "parent" says: root ("" keeps it
// relative) for the root flake, else the (path) input it names.
func nixLockNodeRef(lock nixLockFile, rootName, name, root string, depth int) (ref, rev, narHash string, err error) {
	if depth > nixLockMaxDepth {
		return "", "", "", errors.New("parent chain too deep or cyclic")
	}
	node := lock.Nodes[name]
	if node.Locked == nil {
		return "", "", "", errors.New("is not locked")
	}
	base := root
	if p, _ := node.Locked["path"].(string); node.Locked["type"] == "path" && !filepath.IsAbs(p) && len(node.Parent) > 0 {
		// Relative to another input's source: only a path input's is
		// known without nix.
		parent := rootName
		for _, step := range node.Parent {
			next, ok, err := nixLockInput(lock, rootName, parent, step, depth+1)
			if err != nil {
				return "", "", "", err
			}
			if !ok {
				return "", "", "", fmt.Errorf("parent input %q does not exist", strings.Join(node.Parent, "/"))
			}
			parent = next
		}
		pref, _, _, err := nixLockNodeRef(lock, rootName, parent, root, depth+1)
		if err != nil {
			return "", "", "", fmt.Errorf("parent input %q: %w", strings.Join(node.Parent, "/"), err)
		}
		dir, ok := strings.CutPrefix(pref, "path:")
		if !ok {
			return "", "", "", fmt.Errorf("path %q is relative to input %q, which is not a local path (pass --nixpkgs with a flake reference)", p, strings.Join(node.Parent, "/"))
		}
		if i := strings.IndexByte(dir, '?'); i >= 0 {
			dir = dir[:i]
		}
		base = dir
		if base == "" {
			base = "."
		}
	}
	return nixLockedRef(node.Locked, base)
}

// nixLockInput returns the node that input of node nodeName refers to.
// ok is false when there is no such input.
func nixLockInput(lock nixLockFile, rootName, nodeName, input string, depth int) (string, bool, error) {
	if depth > nixLockMaxDepth {
		return "", false, errors.New("parse flake lock: follows chain too deep or cyclic")
	}
	node, ok := lock.Nodes[nodeName]
	if !ok {
		return "", false, fmt.Errorf("parse flake lock: missing node %q", nodeName)
	}
	raw, ok := node.Inputs[input]
	if !ok {
		return "", false, nil
	}
	var target string
	if err := json.Unmarshal(raw, &target); err == nil {
		if _, ok := lock.Nodes[target]; !ok {
			return "", false, fmt.Errorf("parse flake lock: input %q points to missing node %q", input, target)
		}
		return target, true, nil
	}
	var follows []string
	if err := json.Unmarshal(raw, &follows); err != nil {
		return "", false, fmt.Errorf("parse flake lock: input %q is neither a node name nor a follows path", input)
	}
	// A follows path is a list of input names walked from the root.
	cur := rootName
	for _, step := range follows {
		next, ok, err := nixLockInput(lock, rootName, cur, step, depth+1)
		if err != nil {
			return "", false, err
		}
		if !ok {
			return "", false, fmt.Errorf("parse flake lock: input %q follows %q, which does not exist", input, strings.Join(follows, "/"))
		}
		cur = next
	}
	return cur, true, nil
}

// nixLockAttrsSkipped are locked attributes not carried into a ref:
// lastModified and revCount are informational (nix recomputes them from
// the rev; nix 2.8 refuses them in github URLs and passes unknown git URL
// parameters on to git).
var nixLockAttrsSkipped = map[string]bool{"type": true, "lastModified": true, "revCount": true}

// nixLockedRef builds a locked flake reference from a lock node's
// "locked" attributes and returns it with the rev and narHash (either may
// be ""). The location attributes (owner, repo, rev of github-like inputs,
// path, url) make the reference; every other attribute is carried as a
// query parameter (narHash, ref, dir, host, submodules, shallow, lfs,
// exportIgnore, allRefs, verifyCommit, …; true booleans as 1, false ones
// left out as nix's default), except nixLockAttrsSkipped and nix's
// internal "__" ones. A tarball or file URL keeps only narHash and name: nix
// would download any other parameter as part of the URL. A relative path
// is joined to base when base is not "".
func nixLockedRef(locked map[string]any, base string) (ref, rev, narHash string, err error) {
	str := func(k string) string {
		s, _ := locked[k].(string)
		return s
	}
	typ := str("type")
	narHash = str("narHash")
	rev = str("rev")
	used := map[string]bool{}
	use := func(keys ...string) {
		for _, k := range keys {
			used[k] = true
		}
	}
	switch typ {
	case "github", "gitlab", "sourcehut":
		owner, repo := str("owner"), str("repo")
		if owner == "" || repo == "" || rev == "" {
			return "", "", "", fmt.Errorf("%s input lacks owner, repo or rev", typ)
		}
		// The rev is in the path; a ref beside it is an error for nix.
		use("owner", "repo", "rev", "ref")
		ref = typ + ":" + owner + "/" + repo + "/" + rev
	case "path":
		p := str("path")
		if p == "" {
			return "", "", "", errors.New("path input has no path")
		}
		if base != "" && !filepath.IsAbs(p) {
			p = filepath.Join(base, p)
			if !filepath.IsAbs(p) && p != "." && !strings.HasPrefix(p, "..") {
				p = "./" + p // still relative, and reads so
			}
		}
		use("path")
		ref = "path:" + p
	case "git", "hg":
		u := str("url")
		if u == "" || rev == "" {
			return "", "", "", fmt.Errorf("%s input lacks url or rev", typ)
		}
		if !strings.HasPrefix(u, typ+"+") && !(typ == "git" && strings.HasPrefix(u, "git://")) {
			u = typ + "+" + u
		}
		use("url")
		ref = u
	case "tarball", "file":
		u := str("url")
		if u == "" {
			return "", "", "", fmt.Errorf("%s input has no url", typ)
		}
		ref = nixFetchURL(typ, u)
		for k := range locked {
			if k != "narHash" && k != "name" {
				use(k)
			}
		}
	default:
		return "", "", "", fmt.Errorf("unsupported input type %q (pass --nixpkgs with a flake reference)", typ)
	}
	q := url.Values{}
	for k, v := range locked {
		if used[k] || nixLockAttrsSkipped[k] || strings.HasPrefix(k, "__") {
			continue
		}
		switch v := v.(type) {
		case string:
			q.Set(k, v)
		case bool:
			if v {
				q.Set(k, "1")
			}
		case float64:
			q.Set(k, strconv.FormatFloat(v, 'f', -1, 64))
		case nil:
		default:
			// Lists and sets (publicKeys): nix reads them as JSON.
			data, err := json.Marshal(v)
			if err != nil {
				return "", "", "", fmt.Errorf("locked attribute %s: %w", k, err)
			}
			q.Set(k, string(data))
		}
	}
	if len(q) == 0 {
		return ref, rev, narHash, nil
	}
	sep := "?"
	if strings.Contains(ref, "?") {
		sep = "&"
	}
	return ref + sep + q.Encode(), rev, narHash, nil
}

// nixArchiveSuffixes are the URL endings nix (every version) takes for a
// tarball without a "tarball+" prefix.
var nixArchiveSuffixes = []string{".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst"}

// nixFetchURL is the flake reference of a locked tarball or file URL: a
// file is always "file+<url>"; a tarball URL with an archive ending is
// itself (understood by every nix), other tarball URLs (a flakehub or
// channel redirect) get "tarball+", which nix understands from 2.12.
func nixFetchURL(typ, u string) string {
	if strings.HasPrefix(u, typ+"+") {
		return u
	}
	if typ == "file" {
		return "file+" + u
	}
	p := u
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	for _, suf := range nixArchiveSuffixes {
		if strings.HasSuffix(p, suf) {
			return u
		}
	}
	return "tarball+" + u
}

// nixRefMemo is one remembered `nix flake metadata` result.
type nixRefMemo struct {
	Ref        string    `json:"ref"`
	Stamp      string    `json:"stamp"`
	ResolvedAt time.Time `json:"resolvedAt"`
	URL        string    `json:"url"`
	Rev        string    `json:"rev"`
	NarHash    string    `json:"narHash"`
}

// nixMemoFresh reports whether m can stand for resolving ref now: same
// reference, same local stamp, and for a non-local reference (stamp "")
// resolved less than nixRemoteRefTTL ago.
func nixMemoFresh(m nixRefMemo, ref, stamp string, now time.Time) bool {
	if m.Ref != ref || m.Stamp != stamp || m.URL == "" || m.NarHash == "" {
		return false
	}
	if stamp != "" {
		return true
	}
	age := now.Sub(m.ResolvedAt)
	return age >= 0 && age < nixRemoteRefTTL
}

// nixResolveRef resolves a flake reference with `nix flake metadata`,
// using and updating the memo in cacheDir; a relative local ref starts at
// base ("" for the working directory).
func (n Nix) nixResolveRef(ctx context.Context, ref, base, origin, cacheDir, system string) (Source, error) {
	ref, localDir, err := nixNormalizeRef(ref, base)
	if err != nil {
		return Source{}, err
	}
	// The stamp only serves the memo: without a cache dir, no tree walk.
	stamp := ""
	memoOK := cacheDir != ""
	if memoOK && localDir != "" {
		if stamp, err = nixTreeStamp(localDir); err != nil {
			// Without a stamp a memo could be stale: let nix decide (and
			// report the problem if the path is unusable).
			memoOK = false
		}
	}
	memoPath := filepath.Join(cacheDir, nixRefMemoDir, nixMemoName(ref, n.ExtraArgs))
	mk := func(m nixRefMemo) Source {
		return Source{Ref: m.URL, Origin: origin, Rev: m.Rev, NarHash: m.NarHash, System: system, Key: nixSourceKey(m.NarHash, system)}
	}
	if memoOK {
		if data, ok, err := atomicfile.ReadFileNoFollow(memoPath); err == nil && ok {
			var m nixRefMemo
			if json.Unmarshal(data, &m) == nil && nixMemoFresh(m, ref, stamp, time.Now()) {
				return mk(m), nil
			}
		}
	}
	var out strings.Builder
	if err := n.nixRun(ctx, n.metadataArgs(ref), &out, nil); err != nil {
		return Source{}, err
	}
	m, err := nixParseMetadata([]byte(out.String()))
	if err != nil {
		return Source{}, fmt.Errorf("nix flake metadata %s: %w", ref, err)
	}
	m.Ref, m.Stamp, m.ResolvedAt = ref, stamp, time.Now().UTC()
	if memoOK {
		// The memo only saves a nix run next time; failing to write it
		// (read-only cache) must not fail the resolution.
		_ = nixWriteMemo(memoPath, m)
	}
	return mk(m), nil
}

// nixParseMetadata reads the locked URL, rev and narHash from
// `nix flake metadata --json`.
func nixParseMetadata(data []byte) (nixRefMemo, error) {
	var meta struct {
		URL    string `json:"url"`
		Locked struct {
			NarHash string `json:"narHash"`
			Rev     string `json:"rev"`
		} `json:"locked"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return nixRefMemo{}, fmt.Errorf("parse metadata: %w", err)
	}
	if meta.URL == "" || meta.Locked.NarHash == "" {
		return nixRefMemo{}, errors.New("metadata has no locked url or narHash")
	}
	return nixRefMemo{URL: meta.URL, Rev: meta.Locked.Rev, NarHash: meta.Locked.NarHash}, nil
}

// nixMemoName is the memo file name for ref under the given nix options
// (which can change how an indirect reference resolves).
func nixMemoName(ref string, extraArgs []string) string {
	sum := sha256.Sum256([]byte(ref + "\x00" + strings.Join(extraArgs, "\x00")))
	return hex.EncodeToString(sum[:16]) + ".json"
}

// nixWriteMemo writes m to path atomically (temp file and rename).
func nixWriteMemo(path string, m nixRefMemo) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode memo: %w", err)
	}
	if err := cacheWriteFile(path, data); err != nil {
		return fmt.Errorf("write memo: %w", err)
	}
	return nil
}

// nixNormalizeRef makes a local reference absolute (relative paths are
// relative to base, else the working directory) and returns the local
// directory, or "" for a non-local reference. Local references are plain
// paths ("/x", "./x", "."), "path:<p>" and "git+file://<p>". A relative plain
// path becomes a path: reference: nix would read it as git+file when it lies
// in a git work tree (untracked files invisible), while devsh means the
// directory as it is, which is also what its modification stamp checks.
func nixNormalizeRef(ref, base string) (norm, dir string, err error) {
	prefix, rest := "", ref
	switch {
	case strings.HasPrefix(ref, "path:"):
		prefix, rest = "path:", ref[len("path:"):]
	case strings.HasPrefix(ref, "git+file://"):
		prefix, rest = "git+file://", ref[len("git+file://"):]
	case strings.HasPrefix(ref, "/"):
	case ref == "." || ref == ".." || strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../"):
		prefix = "path:"
	default:
		return ref, "", nil
	}
	p, query := rest, ""
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		p, query = rest[:i], rest[i:]
	}
	if base != "" && !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", "", fmt.Errorf("nixpkgs reference %s: %w", ref, err)
	}
	return prefix + abs + query, abs, nil
}

// nixTreeStamp summarises the modification state of a local source tree as
// "<newest mtime in ns>:<entry count>", skipping .git directories. Any
// edit, addition or removal changes a file's or a directory's mtime (or
// the count), so an unchanged stamp means nix would lock the same content.
func nixTreeStamp(dir string) (string, error) {
	var newest int64
	count := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" && p != dir {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		count++
		newest = max(newest, info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("stamp %s: %w", dir, err)
	}
	return fmt.Sprintf("%d:%d", newest, count), nil
}

// LockedNixpkgsDate returns the lastModified time (the commit date of a
// git or github input) of the root input "nixpkgs" in the flake.lock in
// projectRoot, for display; ok is false when there is no such lock, input
// or time.
func LockedNixpkgsDate(projectRoot string) (t time.Time, ok bool) {
	data, exists, err := atomicfile.ReadFile(filepath.Join(projectRoot, "flake.lock"))
	if err != nil || !exists {
		return time.Time{}, false
	}
	var lock nixLockFile
	if json.Unmarshal(data, &lock) != nil {
		return time.Time{}, false
	}
	root := lock.Root
	if root == "" {
		root = "root"
	}
	name, ok, err := nixLockInput(lock, root, root, "nixpkgs", 0)
	if err != nil || !ok {
		return time.Time{}, false
	}
	lm, ok := lock.Nodes[name].Locked["lastModified"].(float64)
	if !ok || lm <= 0 {
		return time.Time{}, false
	}
	return time.Unix(int64(lm), 0).UTC(), true
}
