package nixsearch

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/devsh/devsh/internal/atomicfile"
)

// ErrCacheMiss means no cached index exists for the key.
var ErrCacheMiss = errors.New("no cached index")

// ErrCacheCorrupt means a cached index exists but cannot be used: truncated,
// damaged, of another format version, or for another key. Rebuild it.
var ErrCacheCorrupt = errors.New("cached index is corrupt")

// PruneAge is how long an index may go unused before Prune removes it. The
// cache directory is shared by all of a user's projects, each pinning its own
// nixpkgs; a month without a single search means nobody works on that pin,
// while rebuilding one later costs only one nix evaluation (30–90 s).
const PruneAge = 30 * 24 * time.Hour

// CacheMeta describes a cached index.
type CacheMeta struct {
	// Key identifies the index: the nixpkgs' locked narHash and the system.
	Key string
	// Ref is the flake reference that was searched; Origin says where it
	// came from (flake.lock, registry, --nixpkgs); Rev and NarHash are the
	// locked revision and hash; System is e.g. "x86_64-linux".
	Ref, Origin, Rev, NarHash, System string
	// Built is when the index was built.
	Built time.Time
	// Count is the number of packages.
	Count int
}

// Cache is the on-disk index cache under Dir.
//
// Each index is one file, written to a temporary file in Dir and renamed into
// place, so a reader sees either the old or the new file whole, also when two
// processes store the same key at once. To avoid evaluating nixpkgs twice, a
// builder holds Lock(key) while building: lock, Load again (another process
// may have finished meanwhile), build and Store on a miss, unlock.
//
// Next to each index, a ".used" file's modification time records when the
// index was last loaded or stored; Prune goes by it.
type Cache struct {
	// Dir is the cache directory (see DefaultCacheDir).
	Dir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultCacheDir is $DEVSH_CACHE_DIR, else $XDG_CACHE_HOME/devsh (when
// absolute, as the XDG spec requires), else $HOME/.cache/devsh, read through
// getenv; "" when none is set.
func DefaultCacheDir(getenv func(string) string) string {
	if d := getenv("DEVSH_CACHE_DIR"); d != "" {
		return d
	}
	if x := getenv("XDG_CACHE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "devsh")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "devsh")
	}
	return ""
}

// File names: "index-<readable key>-<hash of key>.bin" plus ".used" and
// ".lock" siblings. Temporary files are atomicfile's (atomicfile.IsTemp
// recognises them); Prune removes those made for an index file.
const (
	cachePrefix     = "index-"
	cacheSuffix     = ".bin"
	cacheUsedSuffix = ".used"
	cacheLockSuffix = ".lock"
	// cacheKeyChars bounds the readable part of a file name, far below the
	// 255-byte name limit of common file systems.
	cacheKeyChars = 64
	// cacheTempAge is when Prune deletes a temporary file: a Store takes
	// well under a second, so an hour-old one was left by a crash.
	cacheTempAge = time.Hour
)

// Path is the index file for key: a readable, sanitised part of the key plus
// a hash of the whole key, so any key maps to a safe and distinct name in
// Dir.
func (c Cache) Path(key string) string {
	sum := sha256.Sum256([]byte(key))
	readable := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, key)
	if len(readable) > cacheKeyChars {
		readable = readable[:cacheKeyChars]
	}
	return filepath.Join(c.Dir, cachePrefix+readable+"-"+hex.EncodeToString(sum[:8])+cacheSuffix)
}

func (c Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// cacheSibling is the index file's sibling with another suffix.
func cacheSibling(path, suffix string) string {
	return strings.TrimSuffix(path, cacheSuffix) + suffix
}

// Load reads the index stored for key. It returns an error wrapping
// ErrCacheMiss when there is none and one wrapping ErrCacheCorrupt when the
// file is unusable. A successful load touches the index's last-used stamp
// (best effort: a read-only cache still loads).
func (c Cache) Load(key string) (*Index, CacheMeta, error) {
	path := c.Path(key)
	data, exists, err := atomicfile.ReadFileNoFollow(path)
	var notRegular *atomicfile.NotRegularError
	var tooLarge *atomicfile.TooLargeError
	if errors.As(err, &notRegular) || errors.As(err, &tooLarge) {
		// Never read through a symlink or from a FIFO in a directory others
		// may write: such a file is no index of ours (Store.Load removes it).
		return nil, CacheMeta{}, fmt.Errorf("load index: %w: %w", ErrCacheCorrupt, err)
	}
	if err != nil {
		return nil, CacheMeta{}, fmt.Errorf("load index: %w", err)
	}
	if !exists {
		return nil, CacheMeta{}, fmt.Errorf("load index for %q: %w", key, ErrCacheMiss)
	}
	ix, meta, err := cacheDecode(data)
	if err == nil && meta.Key != key {
		err = fmt.Errorf("%w: holds key %q", ErrCacheCorrupt, meta.Key)
	}
	if err != nil {
		return nil, CacheMeta{}, fmt.Errorf("load index %s: %w", path, err)
	}
	c.cacheTouch(path)
	return ix, meta, nil
}

// cacheTouch sets the last-used stamp of the index at path to now.
func (c Cache) cacheTouch(path string) {
	used := cacheSibling(path, cacheUsedSuffix)
	now := c.now()
	// The stamp is opened without following a symlink and without blocking
	// on a FIFO, and only a regular file's times are set.
	f, err := os.OpenFile(used, os.O_CREATE|os.O_WRONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return
	}
	fi, err := f.Stat()
	_ = f.Close()
	if err == nil && fi.Mode().IsRegular() {
		_ = os.Chtimes(used, now, now)
	}
}

// Store writes ix under meta.Key atomically (temporary file, fsync, rename)
// and touches its last-used stamp. It sets meta.Count from ix, and Built to
// now when zero.
func (c Cache) Store(meta CacheMeta, ix *Index) error {
	if meta.Key == "" {
		return errors.New("store index: empty cache key")
	}
	meta.Count = ix.Len()
	if meta.Built.IsZero() {
		meta.Built = c.now()
	}
	path := c.Path(meta.Key)
	if err := cacheWriteFile(path, cacheEncode(meta, ix)); err != nil {
		return fmt.Errorf("store index: %w", err)
	}
	c.cacheTouch(path)
	return nil
}

// cacheWriteFile replaces path with data atomically with
// atomicfile.WriteFileNoFollow (temporary file beside it, fsync, rename), so
// a reader sees either the old or the new content whole, also when two
// processes write at once, and a symlink planted in the cache directory is
// refused, never written through; path's directory is created when missing.
func cacheWriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFileNoFollow(path, data)
}

// Lock takes an exclusive flock(2) on key's ".lock" file, blocking until it
// is free, so only one process (or goroutine) builds that index at a time.
// The lock is released by unlock or when the process exits.
func (c Cache) Lock(key string) (unlock func(), err error) {
	return c.LockWaiting(key, nil)
}

// LockWaiting is Lock that calls waiting (when not nil), before it blocks,
// when another process holds the lock.
func (c Cache) LockWaiting(key string, waiting func()) (unlock func(), err error) {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock index: %w", err)
	}
	// No symlink is followed and a FIFO does not block the open.
	f, err := os.OpenFile(cacheSibling(c.Path(key), cacheLockSuffix), os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock index: %w", err)
	}
	fi, err := f.Stat()
	if err == nil {
		err = atomicfile.CheckRegular(f.Name(), fi)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock index: %w", err)
	}
	if waiting != nil {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			return cacheUnlock(f), nil
		} else if errors.Is(err, syscall.EWOULDBLOCK) {
			waiting()
		}
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock index %s: %w", f.Name(), err)
	}
	return cacheUnlock(f), nil
}

// cacheUnlock returns the function releasing the lock held on f.
func cacheUnlock(f *os.File) func() {
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}
}

// Prune removes the indexes not used for maxAge (by their last-used stamp,
// else the file's own time), never the one for keep, and temporary files
// left by crashed writers. It returns the removed index and temporary files.
// A lock file goes with its index only when nobody holds it.
func (c Cache) Prune(maxAge time.Duration, keep string) ([]string, error) {
	entries, err := os.ReadDir(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("prune index cache: %w", err)
	}
	now := c.now()
	keepPath := c.Path(keep)
	var removed []string
	var errs []error
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(c.Dir, name)
		switch {
		case cacheIsTemp(name):
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > cacheTempAge {
				if err := os.Remove(path); err == nil {
					removed = append(removed, path)
				} else if !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		case strings.HasPrefix(name, cachePrefix) && strings.HasSuffix(name, cacheSuffix):
			if path == keepPath {
				continue
			}
			info, err := os.Stat(cacheSibling(path, cacheUsedSuffix))
			if err != nil {
				info, err = e.Info()
			}
			if err != nil || now.Sub(info.ModTime()) <= maxAge {
				continue
			}
			if err := os.Remove(path); err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
				continue
			}
			removed = append(removed, path)
			_ = os.Remove(cacheSibling(path, cacheUsedSuffix))
			cacheRemoveFreeLock(cacheSibling(path, cacheLockSuffix))
		}
	}
	slices.Sort(removed)
	if len(errs) > 0 {
		return removed, fmt.Errorf("prune index cache: %w", errors.Join(errs...))
	}
	return removed, nil
}

// cacheIsTemp reports whether name is a temporary file of a write of an
// index file.
func cacheIsTemp(name string) bool {
	base, ok := atomicfile.IsTemp(name)
	return ok && strings.HasPrefix(base, cachePrefix) && strings.HasSuffix(base, cacheSuffix)
}

// cacheRemoveFreeLock deletes a lock file if no process holds it. (A process
// that opened it just before the delete still locks the unlinked file; at
// worst two processes then build the same index, and rename keeps the
// result whole.)
func cacheRemoveFreeLock(path string) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
		_ = os.Remove(path)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
}

// The file format, all integers little-endian or unsigned varints:
//
//	magic "DEVSHIDX", version uint32
//	meta: Key, Ref, Origin, Rev, NarHash, System as (uvarint length, bytes);
//	      Built as varint Unix seconds and uvarint nanoseconds; uvarint Count
//	meta missing: why the packages' meta is not known, "" when it is
//	      (uvarint length, bytes)
//	alias sets: uvarint count, then (alias, target) as two (uvarint
//	      length, bytes) each, sorted by alias (Index.AliasSets)
//	uvarint n (packages, = Count)
//	7n uvarint lengths: Attr, Pname, Version, Description, MainProgram,
//	      License, Homepage of each package
//	n flag bytes: Unfree 1, Broken 2, Insecure 4, Unavailable 8
//	uvarint blob length, blob: all those strings concatenated in that order
//	CRC-32C (Castagnoli) of everything before, uint32
//
// Packages are in Index order (sorted, unique attributes).
const (
	cacheMagic = "DEVSHIDX"
	// cacheVersion changes with any format change; older files are then
	// reported corrupt and rebuilt. Version 2 added the packages' meta,
	// version 3 the alias sets.
	cacheVersion = 3
)

// cacheEncode serialises meta and ix.
func cacheEncode(meta CacheMeta, ix *Index) []byte {
	b := make([]byte, 0, 64+len(meta.Key)+len(meta.Ref)+len(meta.Origin)+len(meta.Rev)+
		len(meta.NarHash)+len(meta.System)+ix.Len()*8+len(ix.data))
	b = append(b, cacheMagic...)
	b = binary.LittleEndian.AppendUint32(b, cacheVersion)
	for _, s := range []string{meta.Key, meta.Ref, meta.Origin, meta.Rev, meta.NarHash, meta.System} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendVarint(b, meta.Built.Unix())
	b = binary.AppendUvarint(b, uint64(meta.Built.Nanosecond()))
	b = binary.AppendUvarint(b, uint64(meta.Count))
	b = binary.AppendUvarint(b, uint64(len(ix.metaMissing)))
	b = append(b, ix.metaMissing...)
	aliases := slices.Sorted(maps.Keys(ix.aliases))
	b = binary.AppendUvarint(b, uint64(len(aliases)))
	for _, a := range aliases {
		for _, s := range []string{a, ix.aliases[a]} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	b = binary.AppendUvarint(b, uint64(ix.Len()))
	// The index keeps exactly the file's layout: lengths from its field
	// offsets, its flags, then its data as the blob.
	for k := 0; k < indexFields*ix.Len(); k++ {
		b = binary.AppendUvarint(b, uint64(ix.field[k+1]-ix.field[k]))
	}
	b = append(b, ix.flags[:ix.Len()]...)
	b = binary.AppendUvarint(b, uint64(len(ix.data)))
	b = append(b, ix.data...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, cacheCRCTable()))
}

// cacheCRCTable is the CRC-32C table (hardware-accelerated on amd64/arm64).
func cacheCRCTable() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) }

// cacheReader decodes with bounds checks; the first failure sticks.
type cacheReader struct {
	b   []byte
	err error
}

func (r *cacheReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated or malformed %s", ErrCacheCorrupt, what)
	}
}

func (r *cacheReader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cacheReader) varint(what string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cacheReader) bytes(n uint64, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(what)
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *cacheReader) string(what string) string {
	return string(r.bytes(r.uvarint(what), what))
}

// cacheDecode parses a cache file; every failure wraps ErrCacheCorrupt. The
// returned packages' strings point into data, which the caller must not
// modify afterwards.
func cacheDecode(data []byte) (*Index, CacheMeta, error) {
	var meta CacheMeta
	if len(data) < len(cacheMagic)+4+4 {
		return nil, meta, fmt.Errorf("%w: %d bytes is too short", ErrCacheCorrupt, len(data))
	}
	if uint64(len(data)) > math.MaxUint32 {
		// Offsets are 32-bit; a real index is ~10 MB.
		return nil, meta, fmt.Errorf("%w: %d bytes is too large", ErrCacheCorrupt, len(data))
	}
	if string(data[:len(cacheMagic)]) != cacheMagic {
		return nil, meta, fmt.Errorf("%w: not an index file", ErrCacheCorrupt)
	}
	if v := binary.LittleEndian.Uint32(data[len(cacheMagic):]); v != cacheVersion {
		return nil, meta, fmt.Errorf("%w: format version %d, want %d", ErrCacheCorrupt, v, cacheVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, cacheCRCTable()) != sum {
		return nil, meta, fmt.Errorf("%w: checksum mismatch", ErrCacheCorrupt)
	}
	r := &cacheReader{b: body[len(cacheMagic)+4:]}
	meta.Key = r.string("key")
	meta.Ref = r.string("ref")
	meta.Origin = r.string("origin")
	meta.Rev = r.string("rev")
	meta.NarHash = r.string("narHash")
	meta.System = r.string("system")
	sec := r.varint("build time")
	nsec := r.uvarint("build time")
	if r.err == nil && nsec >= uint64(time.Second) {
		r.fail("build time")
	}
	meta.Built = time.Unix(sec, int64(nsec))
	count := r.uvarint("count")
	metaMissing := r.string("meta status")
	na := r.uvarint("alias count")
	// Each alias set takes at least two length bytes.
	if r.err == nil && na > uint64(len(r.b))/2 {
		r.fail("alias count")
	}
	var aliases map[string]string
	for k := uint64(0); k < na && r.err == nil; k++ {
		a, t := r.string("alias set"), r.string("alias target")
		if aliases == nil {
			aliases = map[string]string{}
		}
		aliases[a] = t
	}
	n := r.uvarint("package count")
	// Each package takes at least indexFields length bytes and a flag
	// byte: this bounds n by the input before anything is allocated for it.
	if r.err == nil && (n != count || n > uint64(len(r.b))/(indexFields+1)) {
		r.fail("package count")
	}
	if r.err != nil {
		return nil, CacheMeta{}, r.err
	}
	meta.Count = int(count)
	// The lengths become the index's field offsets directly.
	field := make([]uint32, indexFields*n+1)
	var total uint64
	for k := uint64(0); k < indexFields*n; k++ {
		l := r.uvarint("string length")
		if r.err != nil {
			break
		}
		if l > uint64(len(r.b)) || total+l > uint64(len(r.b)) {
			r.fail("string lengths")
			break
		}
		total += l
		field[k+1] = uint32(total)
	}
	flags := r.bytes(n, "flags")
	for _, f := range flags {
		if f&^packageFlagsMask != 0 {
			r.fail("flags")
			break
		}
	}
	blobLen := r.uvarint("blob length")
	if r.err == nil && blobLen != total {
		r.fail("blob length")
	}
	blob := r.bytes(blobLen, "strings")
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d trailing bytes", ErrCacheCorrupt, len(r.b))
	}
	if r.err != nil {
		return nil, CacheMeta{}, r.err
	}
	// The index shares data's memory instead of copying ~10 MB: data is the
	// buffer Load just read and nobody writes to it afterwards (see the
	// cacheDecode contract), so the string stays immutable.
	all := ""
	if len(blob) > 0 {
		all = unsafe.String(&blob[0], len(blob))
	}
	prev := ""
	for i := 0; i < int(n); i++ {
		a := all[field[indexFields*i]:field[indexFields*i+1]]
		if i > 0 && prev >= a {
			return nil, CacheMeta{}, fmt.Errorf("%w: attributes not sorted and unique", ErrCacheCorrupt)
		}
		prev = a
	}
	ix := indexBuild(all, field, flags, int(n))
	ix.metaMissing = metaMissing
	if aliases != nil {
		ix = ix.WithAliasSets(aliases)
	}
	return ix, meta, nil
}
