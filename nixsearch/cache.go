package nixsearch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

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
	data, exists, err := cacheMap(path)
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
		cacheUnmap(data)
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
	if p := ix.Partial(); p != "" {
		return fmt.Errorf("store index: it is partial (%s); only a whole index is cached", p)
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
