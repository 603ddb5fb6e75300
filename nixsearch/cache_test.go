package nixsearch

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devsh/devsh/internal/atomicfile"
)

// cacheUpdate rewrites the golden files under testdata/cache. (Named
// -update-cache, not -update, so it cannot collide with another golden
// flag of this package.)
var cacheUpdate = flag.Bool("update-cache", false, "rewrite testdata/cache golden files")

// cacheTestMeta is a fixed meta for golden files.
func cacheTestMeta() CacheMeta {
	return CacheMeta{
		Key:     "sha256-AbC+/def=@x86_64-linux",
		Ref:     "github:NixOS/nixpkgs/870493f9a8cb?narHash=sha256-AbC%2B%2Fdef%3D",
		Origin:  "flake.lock",
		Rev:     "870493f9a8cb",
		NarHash: "sha256-AbC+/def=",
		System:  "x86_64-linux",
		Built:   time.Date(2025, 10, 11, 12, 13, 14, 15, time.UTC),
	}
}

// cacheTestIndex is a small index with awkward strings.
func cacheTestIndex() *Index {
	return NewIndex([]Package{
		{Attr: "cargo-edit", Pname: "cargo-edit", Version: "0.13.7", Description: "Utility for managing cargo dependencies from the command line",
			MainProgram: "cargo-add", License: "Apache-2.0, MIT", Homepage: "https://github.com/killercup/cargo-edit"},
		{Attr: "steam", Pname: "steam", Version: "1.0", License: "unfree", Unfree: true, Unavailable: true},
		{Attr: "oldssl", Pname: "openssl", Version: "1.0.2u", Broken: true, Insecure: true},
		{Attr: "python313Packages.requests", Pname: "python3.13-requests", Version: "2.32.4", Description: "HTTP library for Python"},
		{Attr: "Prelude-v20", Pname: "Prelude-v20.1.0", Version: "", Description: ""},
		{Attr: "unicode", Pname: "unicode", Version: "1", Description: "Ünïcødé — \"quoted\"\nsecond line"},
	})
}

func cacheTestCache(t *testing.T) (Cache, *time.Time) {
	now := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	return Cache{Dir: filepath.Join(t.TempDir(), "cache"), Now: func() time.Time { return now }}, &now
}

func cachePackages(ix *Index) []Package {
	out := make([]Package, ix.Len())
	for i := range out {
		out[i] = ix.At(i)
	}
	return out
}

func TestCacheRoundTrip(t *testing.T) {
	c, _ := cacheTestCache(t)
	for _, pkgs := range [][]Package{cachePackages(cacheTestIndex()), nil, genPackages(2000)} {
		ix := NewIndex(pkgs)
		meta := cacheTestMeta()
		if err := c.Store(meta, ix); err != nil {
			t.Fatal(err)
		}
		got, gotMeta, err := c.Load(meta.Key)
		if err != nil {
			t.Fatal(err)
		}
		meta.Count = ix.Len()
		if !gotMeta.Built.Equal(meta.Built) {
			t.Errorf("built %v, want %v", gotMeta.Built, meta.Built)
		}
		gotMeta.Built = meta.Built
		if gotMeta != meta {
			t.Errorf("meta %+v, want %+v", gotMeta, meta)
		}
		if !slices.Equal(cachePackages(got), cachePackages(ix)) {
			t.Errorf("packages differ after round trip (%d vs %d)", got.Len(), ix.Len())
		}
		// The loaded index is fully prepared: it searches like the original.
		if ix.Len() > 0 {
			want := matchSearch(t, NewMatcher(ix, 1), Query{Text: "re"}, 5)
			if res := matchSearch(t, NewMatcher(got, 1), Query{Text: "re"}, 5); !reflect.DeepEqual(res, want) {
				t.Errorf("loaded index searches differently")
			}
		}
	}
}

func TestCacheStoreSetsBuilt(t *testing.T) {
	c, now := cacheTestCache(t)
	meta := CacheMeta{Key: "k"}
	if err := c.Store(meta, cacheTestIndex()); err != nil {
		t.Fatal(err)
	}
	_, got, err := c.Load("k")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Built.Equal(*now) || got.Count != 6 {
		t.Errorf("built %v count %d, want %v and 6", got.Built, got.Count, *now)
	}
	if err := c.Store(CacheMeta{}, cacheTestIndex()); err == nil {
		t.Error("Store with an empty key succeeded")
	}
	err = c.Store(CacheMeta{Key: "p"}, cacheTestIndex().WithPartial("1 of 4 shards"))
	if err == nil || !strings.Contains(err.Error(), "partial (1 of 4 shards)") {
		t.Errorf("Store of a partial index: %v, want an error saying it is partial", err)
	}
	if _, _, err := c.Load("p"); !errors.Is(err, ErrCacheMiss) {
		t.Errorf("after refusing a partial index, Load = %v, want ErrCacheMiss", err)
	}
}

func TestCacheMiss(t *testing.T) {
	c, _ := cacheTestCache(t)
	if _, _, err := c.Load("nope"); !errors.Is(err, ErrCacheMiss) || errors.Is(err, ErrCacheCorrupt) {
		t.Fatalf("err = %v, want ErrCacheMiss", err)
	}
}

// TestCacheGolden pins the format: the golden file is what version 4 writes,
// and it must keep loading.
func TestCacheGolden(t *testing.T) {
	golden := filepath.Join("testdata", "cache", "v4-small.bin")
	aliases := map[string]string{"python3Packages": "python313Packages"}
	data := cacheEncode(func() CacheMeta { m := cacheTestMeta(); m.Count = 6; return m }(), cacheTestIndex().WithAliasSets(aliases))
	if *cacheUpdate {
		if err := os.WriteFile(golden, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run with -update-cache to create it): %v", err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("encoding differs from %s: the format changed; bump cacheVersion and run with -update-cache", golden)
	}
	ix, meta, err := cacheDecode(want)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Key != cacheTestMeta().Key || !slices.Equal(cachePackages(ix), cachePackages(cacheTestIndex())) {
		t.Errorf("golden decodes to %+v / %v", meta, cachePackages(ix))
	}
	if !maps.Equal(ix.AliasSets(), aliases) {
		t.Errorf("golden alias sets %v, want %v", ix.AliasSets(), aliases)
	}
}

// TestCacheOldVersion: files of versions 1 (before the index held meta), 2
// (before the alias sets) and 3 (before the tables were stored) are
// reported corrupt, so Store.Load removes them and the caller rebuilds;
// they are never misread.
func TestCacheOldVersion(t *testing.T) {
	for v := 1; v <= 3; v++ {
		old, err := os.ReadFile(filepath.Join("testdata", "cache", fmt.Sprintf("v%d-small.bin", v)))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := cacheDecode(old); !errors.Is(err, ErrCacheCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("format version %d, want 4", v)) {
			t.Fatalf("decoding a version %d file: %v, want ErrCacheCorrupt naming the versions", v, err)
		}
	}
	old, err := os.ReadFile(filepath.Join("testdata", "cache", "v1-small.bin"))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := cacheTestCache(t)
	s := Store{Cache: c}
	src := Source{Key: cacheTestMeta().Key}
	cacheWriteRaw(t, c, src.Key, old)
	if _, _, err := s.Load(src); !errors.Is(err, ErrCacheMiss) {
		t.Fatalf("Store.Load of a version 1 file: %v, want ErrCacheMiss", err)
	}
	if _, err := os.Stat(c.Path(src.Key)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the version 1 file was not removed: %v", err)
	}
}

// TestCacheMetaMissing: an index without meta says so after a round trip.
func TestCacheMetaMissing(t *testing.T) {
	c, _ := cacheTestCache(t)
	ix := NewIndex(genPackages(10)).WithMetaMissing("meta evaluation failed: boom")
	if err := c.Store(cacheTestMeta(), ix); err != nil {
		t.Fatal(err)
	}
	got, _, err := c.Load(cacheTestMeta().Key)
	if err != nil {
		t.Fatal(err)
	}
	if got.MetaMissing() != "meta evaluation failed: boom" {
		t.Errorf("MetaMissing() = %q after a round trip", got.MetaMissing())
	}
	if NewIndex(nil).MetaMissing() != "" || cacheTestIndex().MetaMissing() != "" {
		t.Error("NewIndex reports missing meta")
	}
}

// cacheWriteRaw puts raw bytes where Load looks for key.
func cacheWriteRaw(t *testing.T, c Cache, key string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.Path(key), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func cacheWantCorrupt(t *testing.T, c Cache, key, what string) {
	t.Helper()
	ix, _, err := c.Load(key)
	if !errors.Is(err, ErrCacheCorrupt) || ix != nil {
		t.Fatalf("%s: err = %v, want ErrCacheCorrupt", what, err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("%s: error message spans lines: %q", what, err)
	}
}

func TestCacheTruncated(t *testing.T) {
	c, _ := cacheTestCache(t)
	meta := cacheTestMeta()
	data := cacheEncode(meta, cacheTestIndex())
	for n := 0; n < len(data); n++ {
		cacheWriteRaw(t, c, meta.Key, data[:n])
		cacheWantCorrupt(t, c, meta.Key, fmt.Sprintf("truncated to %d bytes", n))
	}
}

func TestCacheFlippedBytes(t *testing.T) {
	c, _ := cacheTestCache(t)
	meta := cacheTestMeta()
	data := cacheEncode(meta, cacheTestIndex())
	for i := range data {
		for _, bit := range []byte{0x01, 0x80} {
			bad := slices.Clone(data)
			bad[i] ^= bit
			cacheWriteRaw(t, c, meta.Key, bad)
			cacheWantCorrupt(t, c, meta.Key, "flipped byte")
		}
	}
	// Appended garbage is caught too.
	cacheWriteRaw(t, c, meta.Key, append(slices.Clone(data), 0))
	cacheWantCorrupt(t, c, meta.Key, "trailing byte")
}

// cacheRawIndex lays pkgs out as an Index without sorting or deduplicating
// them, to write files that break the format's invariants.
func cacheRawIndex(pkgs []Package) *Index {
	var data string
	var field []uint32
	var flags []uint8
	for _, p := range pkgs {
		for _, s := range packageStrings(&p) {
			field = append(field, uint32(len(data)))
			data += s
		}
		flags = append(flags, packageFlags(&p))
	}
	field = append(field, uint32(len(data)))
	return indexBuild(data, field, flags, len(pkgs))
}

// cacheReseal fixes the checksum of an edited file, to reach the checks
// behind it.
func cacheReseal(b []byte) []byte {
	body := b[:len(b)-4]
	return binary.LittleEndian.AppendUint32(slices.Clone(body), crc32.Checksum(body, cacheCRCTable()))
}

func TestCacheStructuralChecks(t *testing.T) {
	c, _ := cacheTestCache(t)
	meta := cacheTestMeta()
	good := cacheEncode(meta, cacheTestIndex())

	old := slices.Clone(good)
	binary.LittleEndian.PutUint32(old[len(cacheMagic):], cacheVersion-1)
	cacheWriteRaw(t, c, meta.Key, cacheReseal(old))
	cacheWantCorrupt(t, c, meta.Key, "old version")

	newer := slices.Clone(good)
	binary.LittleEndian.PutUint32(newer[len(cacheMagic):], cacheVersion+1)
	cacheWriteRaw(t, c, meta.Key, cacheReseal(newer))
	cacheWantCorrupt(t, c, meta.Key, "newer version")

	// A valid file stored under another key's name.
	other := meta
	other.Key = "another"
	cacheWriteRaw(t, c, meta.Key, cacheEncode(other, cacheTestIndex()))
	cacheWantCorrupt(t, c, meta.Key, "other key")

	// Unsorted and duplicate attributes, with a valid checksum.
	for name, pkgs := range map[string][]Package{
		"unsorted":  {{Attr: "b"}, {Attr: "a"}},
		"duplicate": {{Attr: "a"}, {Attr: "a"}},
	} {
		cacheWriteRaw(t, c, meta.Key, cacheEncode(meta, cacheRawIndex(pkgs)))
		cacheWantCorrupt(t, c, meta.Key, name)
	}

	// An undefined flag bit.
	bad := cacheRawIndex([]Package{{Attr: "a"}})
	bad.flags[0] = 0x80
	cacheWriteRaw(t, c, meta.Key, cacheEncode(meta, bad))
	cacheWantCorrupt(t, c, meta.Key, "undefined flag")

	// Huge counts must not allocate: a tiny file claiming 2^40 packages.
	var h []byte
	h = binary.AppendUvarint(h, uint64(len(meta.Key)))
	h = append(h, meta.Key...)
	for range 5 {
		h = binary.AppendUvarint(h, 0)
	}
	h = binary.AppendVarint(h, 0)
	h = binary.AppendUvarint(h, 0)
	h = binary.AppendUvarint(h, 1<<40)
	h = binary.AppendUvarint(h, 0) // meta status ""
	h = binary.AppendUvarint(h, 1<<40)
	for range 4 { // data, lower lengths, set and alias counts
		h = binary.AppendUvarint(h, 0)
	}
	var b []byte
	b = append(b, cacheMagic...)
	b = binary.LittleEndian.AppendUint32(b, cacheVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(h)))
	b = append(b, h...)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, cacheCRCTable()))
	cacheWriteRaw(t, c, meta.Key, b)
	cacheWantCorrupt(t, c, meta.Key, "huge count")
}

func TestCacheConcurrentStore(t *testing.T) {
	c, _ := cacheTestCache(t)
	meta := cacheTestMeta()
	// Different contents per writer, so a torn file would be detectable.
	var indexes []*Index
	for g := range 6 {
		indexes = append(indexes, NewIndex(genPackages(500+100*g)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range indexes {
		wg.Go(func() {
			for range 5 {
				if err := c.Store(meta, indexes[g]); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for range 40 {
			ix, _, err := c.Load(meta.Key)
			if errors.Is(err, ErrCacheMiss) {
				continue
			}
			if err != nil {
				errs <- err
				continue
			}
			if n := ix.Len(); (n-500)%100 != 0 || n < 500 || n > 1000 {
				errs <- errors.New("loaded an index of unexpected size")
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	entries, _ := os.ReadDir(c.Dir)
	for _, e := range entries {
		if _, ok := atomicfile.IsTemp(e.Name()); ok {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestCacheLock(t *testing.T) {
	c, _ := cacheTestCache(t)
	unlock, err := c.Lock("k")
	if err != nil {
		t.Fatal(err)
	}
	lockPath := cacheSibling(c.Path("k"), cacheLockSuffix)
	tryLock := func() error {
		f, err := os.OpenFile(lockPath, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err := tryLock(); !errors.Is(err, syscall.EWOULDBLOCK) {
		t.Fatalf("while locked, another lock attempt gave %v, want EWOULDBLOCK", err)
	}
	unlock()
	if err := tryLock(); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	// A second Lock of the same key waits for the first.
	unlock1, err := c.Lock("k")
	if err != nil {
		t.Fatal(err)
	}
	acquired := make(chan func())
	go func() {
		u, err := c.Lock("k")
		if err != nil {
			t.Error(err)
			close(acquired)
			return
		}
		acquired <- u
	}()
	unlock1()
	if u := <-acquired; u != nil {
		u()
	}
}

func TestCachePrune(t *testing.T) {
	c, now := cacheTestCache(t)
	ix := cacheTestIndex()
	for _, k := range []string{"old", "recent", "keep", "oldNoStamp"} {
		if err := c.Store(CacheMeta{Key: k}, ix); err != nil {
			t.Fatal(err)
		}
	}
	age := func(path string, d time.Duration) {
		t.Helper()
		at := now.Add(-d)
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	used := func(k string) string { return cacheSibling(c.Path(k), cacheUsedSuffix) }
	age(used("old"), PruneAge+time.Hour)
	age(used("keep"), 10*PruneAge)
	age(used("recent"), PruneAge-time.Hour)
	if err := os.Remove(used("oldNoStamp")); err != nil {
		t.Fatal(err)
	}
	age(c.Path("oldNoStamp"), PruneAge+time.Minute)
	// A free lock file goes with its index.
	unlock, err := c.Lock("old")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	// A crash leftover.
	tmp := filepath.Join(c.Dir, strings.Replace(atomicfile.TempPattern(filepath.Base(c.Path("x"))), "*", "123", 1))
	if err := os.WriteFile(tmp, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	age(tmp, 2*cacheTempAge)
	freshTmp := filepath.Join(c.Dir, strings.Replace(atomicfile.TempPattern(filepath.Base(c.Path("y"))), "*", "456", 1))
	if err := os.WriteFile(freshTmp, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	age(freshTmp, 0)

	removed, err := c.Prune(PruneAge, "keep")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{c.Path("old"), c.Path("oldNoStamp"), tmp}
	slices.Sort(want)
	if !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	for _, p := range []string{used("old"), cacheSibling(c.Path("old"), cacheLockSuffix)} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still there (%v)", p, err)
		}
	}
	for _, k := range []string{"recent", "keep"} {
		if _, _, err := c.Load(k); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, err := os.Stat(freshTmp); err != nil {
		t.Errorf("fresh temporary file removed: %v", err)
	}
	// Loading refreshes the stamp: a second prune keeps everything left.
	if removed, err := c.Prune(PruneAge, ""); err != nil || len(removed) != 0 {
		t.Errorf("second prune removed %q, %v", removed, err)
	}
	// No cache directory at all is not an error.
	if removed, err := (Cache{Dir: filepath.Join(t.TempDir(), "none")}).Prune(PruneAge, ""); err != nil || removed != nil {
		t.Errorf("prune of a missing dir: %q, %v", removed, err)
	}
}

func TestCacheLoadTouches(t *testing.T) {
	c, now := cacheTestCache(t)
	if err := c.Store(CacheMeta{Key: "k"}, cacheTestIndex()); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(48 * time.Hour)
	if _, _, err := c.Load("k"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(cacheSibling(c.Path("k"), cacheUsedSuffix))
	if err != nil {
		t.Fatal(err)
	}
	if !info.ModTime().Equal(*now) {
		t.Errorf("last-used %v, want %v", info.ModTime(), *now)
	}
}

func TestCachePath(t *testing.T) {
	c := Cache{Dir: "d"}
	keys := []string{"sha256-abc=@x86_64-linux", "sha256-abd=@x86_64-linux", "../../etc/passwd", "a/b", "a_b", "", strings.Repeat("x", 500), "ü"}
	seen := map[string]string{}
	for _, k := range keys {
		p := c.Path(k)
		if filepath.Dir(p) != "d" {
			t.Errorf("Path(%q) = %q escapes the cache dir", k, p)
		}
		base := filepath.Base(p)
		if len(base) > 120 || !strings.HasPrefix(base, cachePrefix) || !strings.HasSuffix(base, cacheSuffix) {
			t.Errorf("Path(%q) = %q", k, p)
		}
		if o, dup := seen[p]; dup {
			t.Errorf("keys %q and %q share %q", k, o, p)
		}
		seen[p] = k
		if c.Path(k) != p {
			t.Errorf("Path(%q) not stable", k)
		}
	}
}

func TestDefaultCacheDir(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DEVSH_CACHE_DIR": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/c"},
		{map[string]string{"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/devsh"},
		{map[string]string{"XDG_CACHE_HOME": "relative", "HOME": "/h"}, "/h/.cache/devsh"},
		{map[string]string{"HOME": "/h"}, "/h/.cache/devsh"},
		{map[string]string{}, ""},
	} {
		if got := DefaultCacheDir(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("DefaultCacheDir(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

func FuzzCacheLoad(f *testing.F) {
	meta := cacheTestMeta()
	good := cacheEncode(meta, cacheTestIndex())
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(cacheEncode(meta, NewIndex(nil)))
	if golden, err := os.ReadFile(filepath.Join("testdata", "cache", "v4-small.bin")); err == nil {
		f.Add(golden)
	}
	f.Add([]byte(cacheMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		// cacheDecode is everything Load does after reading the file; going
		// through the file system on every input would make fuzzing ~100×
		// slower (TestCacheTruncated and friends cover the Load wrapper).
		// Each input is tried as is and with its checksum repaired, so the
		// fuzzer also reaches the parser behind the CRC.
		inputs := [][]byte{bytes.Clone(data)}
		if len(data) >= 4 {
			inputs = append(inputs, cacheReseal(data))
		}
		for _, in := range inputs {
			ix, m, err := cacheDecode(in)
			if err != nil {
				if !errors.Is(err, ErrCacheCorrupt) {
					t.Fatalf("err = %v, want ErrCacheCorrupt", err)
				}
				continue
			}
			// Whatever decodes must survive a round trip and searching.
			ix2, m2, err := cacheDecode(cacheEncode(m, ix))
			if err != nil {
				t.Fatalf("re-encoded index does not decode: %v", err)
			}
			if !m.Built.Equal(m2.Built) {
				t.Fatalf("built %v became %v", m.Built, m2.Built)
			}
			m.Built, m2.Built = time.Time{}, time.Time{}
			if m != m2 || !slices.Equal(cachePackages(ix), cachePackages(ix2)) || ix.MetaMissing() != ix2.MetaMissing() {
				t.Fatal("round trip changed the index")
			}
			for i := 0; i < ix.Len(); i++ {
				if p, ok := ix.Lookup(ix.At(i).Attr); !ok || p != ix.At(i) {
					t.Fatalf("Lookup(%q) = %+v, %v", ix.At(i).Attr, p, ok)
				}
			}
			if ix.Len() > 0 {
				q := ix.At(0).Attr
				if len(q) > 3 {
					q = q[:3]
				}
				if _, err := NewMatcher(ix, 1).Search(context.Background(), Query{Text: q}, 5); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestCacheProcesses runs Lock and Store from several processes at once
// (this test binary, re-executed as TestCacheHelperProcess). Under the lock
// each child does an unprotected read-modify-write of a counter file, so a
// lock that did not exclude other processes would lose increments; the
// parent meanwhile loads and must only ever see whole indexes.
func TestCacheProcesses(t *testing.T) {
	const children, rounds = 3, 20
	c, _ := cacheTestCache(t)
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	for g := range children {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCacheHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			"DEVSH_CACHE_HELPER=1",
			"DEVSH_CACHE_HELPER_DIR="+c.Dir,
			fmt.Sprintf("DEVSH_CACHE_HELPER_ID=%d", g),
			fmt.Sprintf("DEVSH_CACHE_HELPER_ROUNDS=%d", rounds))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("child %d output:\n%s", g, out.String())
			}
		})
		cmds = append(cmds, cmd)
	}
	done := make(chan error, children)
	for _, cmd := range cmds {
		go func() { done <- cmd.Wait() }()
	}
	loads := 0
	for finished := 0; finished < children; {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("child: %v", err)
			}
			finished++
		default:
			ix, _, err := c.Load("shared")
			if errors.Is(err, ErrCacheMiss) {
				continue
			}
			if err != nil {
				t.Fatalf("load while children store: %v", err)
			}
			if n := ix.Len(); n != 300 && n != 400 && n != 500 {
				t.Fatalf("loaded %d packages, not one child's whole index", n)
			}
			loads++
		}
	}
	data, err := os.ReadFile(filepath.Join(c.Dir, "counter"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(data)); got != fmt.Sprint(children*rounds) {
		t.Errorf("counter = %s, want %d: increments were lost, the lock did not exclude", got, children*rounds)
	}
	t.Logf("%d loads while storing", loads)
}

// TestCacheHelperProcess is the child of TestCacheProcesses; run on its
// own (without DEVSH_CACHE_HELPER) it does nothing.
func TestCacheHelperProcess(t *testing.T) {
	if os.Getenv("DEVSH_CACHE_HELPER") != "1" {
		return
	}
	c := Cache{Dir: os.Getenv("DEVSH_CACHE_HELPER_DIR")}
	id, _ := strconv.Atoi(os.Getenv("DEVSH_CACHE_HELPER_ID"))
	rounds, _ := strconv.Atoi(os.Getenv("DEVSH_CACHE_HELPER_ROUNDS"))
	ix := NewIndex(genPackages(300 + 100*id))
	counter := filepath.Join(c.Dir, "counter")
	for range rounds {
		unlock, err := c.Lock("shared")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		if data, err := os.ReadFile(counter); err == nil {
			n, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		}
		if err := c.Store(CacheMeta{Key: "shared"}, ix); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(counter, []byte(strconv.Itoa(n+1)), 0o644); err != nil {
			t.Fatal(err)
		}
		unlock()
	}
}

// TestCacheLockWaiting: waiting is called only when another holder has the
// lock, before LockWaiting blocks for it.
func TestCacheLockWaiting(t *testing.T) {
	c, _ := cacheTestCache(t)
	calls := 0
	unlock, err := c.LockWaiting("k", func() { calls++ })
	if err != nil || calls != 0 {
		t.Fatalf("free lock: err %v, waiting called %d times; want 0", err, calls)
	}
	waiting := make(chan struct{})
	acquired := make(chan func())
	go func() {
		u, err := c.LockWaiting("k", func() { close(waiting) })
		if err != nil {
			t.Error(err)
			close(acquired)
			return
		}
		acquired <- u
	}()
	<-waiting // called while the lock is still held here
	unlock()
	if u := <-acquired; u != nil {
		u()
	}
}

// TestCacheView: tables are read in place when aligned and copied when not,
// with the same values.
func TestCacheView(t *testing.T) {
	buf := make([]byte, 4*5+1)
	for i := range 5 {
		binary.LittleEndian.PutUint32(buf[1+4*i:], uint32(i*1000+7))
	}
	unaligned := buf[1:]
	got := cacheU32s(unaligned)
	aligned := cacheU32s(slices.Clone(unaligned))
	for i := range 5 {
		if got[i] != uint32(i*1000+7) || aligned[i] != got[i] {
			t.Fatalf("element %d: unaligned %d, aligned %d", i, got[i], aligned[i])
		}
	}
	if len(cacheU64s(nil)) != 0 || cacheU64s(nil) == nil {
		t.Error("an empty table is not an empty slice")
	}
}

// TestCacheNeverThroughSymlinkOrFIFO: in a cache directory others may
// write, an index file that is a symlink (to another user's file, say) is
// neither written through nor read through, and a FIFO there does not block:
// Load reports both as corrupt (Store.Load then removes them and the index
// is rebuilt), Store refuses them, and the link's target is untouched.
func TestCacheNeverThroughSymlinkOrFIFO(t *testing.T) {
	c, _ := cacheTestCache(t)
	meta := cacheTestMeta()
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("someone else's file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := c.Path(meta.Key)
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Load(meta.Key); !errors.Is(err, ErrCacheCorrupt) || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("Load through a symlink: err = %v, want ErrCacheCorrupt naming the symlink", err)
	}
	if err := c.Store(meta, cacheTestIndex()); err == nil {
		t.Error("Store through a symlink: err = nil")
	}
	if got, _ := os.ReadFile(victim); string(got) != "someone else's file\n" {
		t.Errorf("victim = %q: written through the symlink", got)
	}
	// Store.Load removes the link (not its target) and reports a miss.
	if _, _, err := (Store{Cache: c}).Load(Source{Key: meta.Key}); !errors.Is(err, ErrCacheMiss) {
		t.Errorf("Store.Load: err = %v, want ErrCacheMiss", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the symlink is still there: %v", err)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("victim removed: %v", err)
	}

	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, _, err := c.Load(meta.Key); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCacheCorrupt) {
			t.Errorf("Load of a FIFO: err = %v, want ErrCacheCorrupt", err)
		}
	case <-time.After(10 * time.Second): // a bound against a hang, not a timing
		t.Fatal("Load of a FIFO blocked")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(meta, cacheTestIndex()); err != nil {
		t.Fatalf("Store after the FIFO is gone: %v", err)
	}
	if _, _, err := c.Load(meta.Key); err != nil {
		t.Errorf("Load: %v", err)
	}
}
