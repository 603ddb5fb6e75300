package nixsearch

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCacheWriteFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b") // created on the way
	path := filepath.Join(dir, "f")
	for _, content := range []string{"one\n", "two\n"} {
		if err := cacheWriteFile(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("after writing %q: %q, %v", content, got, err)
		}
		info, err := os.Stat(path)
		if err != nil || info.Mode().Perm() != 0o644 {
			t.Errorf("mode %v, %v; want 0644", info.Mode(), err)
		}
	}
	// A rename that fails (onto a non-empty directory) leaves no temporary
	// file behind.
	target := filepath.Join(dir, "d")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := cacheWriteFile(target, []byte("x")); err == nil {
		t.Error("writing over a directory succeeded")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != "d" || names[1] != "f" {
		t.Errorf("directory holds %q, want [d f]", names)
	}
}

func TestStoreRememberProject(t *testing.T) {
	s := Store{Cache: Cache{Dir: t.TempDir()}}
	if got := s.LastProjectKey("/p"); got != "" {
		t.Errorf("LastProjectKey before any = %q, want \"\"", got)
	}
	for _, key := range []string{"k1", "k2"} {
		if err := s.RememberProject("/p", key); err != nil {
			t.Fatal(err)
		}
		if got := s.LastProjectKey("/p"); got != key {
			t.Errorf("LastProjectKey after remembering %q = %q", key, got)
		}
	}
	// Remembering the same key again leaves the file alone (a rewrite
	// would rename a new file into place).
	before, err := os.Stat(s.projectFile("/p"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RememberProject("/p", "k2"); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(s.projectFile("/p"))
	if err != nil || !os.SameFile(before, after) {
		t.Errorf("remembering an unchanged key rewrote the file (%v)", err)
	}
	if err := s.RememberProject("/q", "k3"); err != nil {
		t.Fatal(err)
	}
	if a, b := s.LastProjectKey("/p"), s.LastProjectKey("/q"); a != "k2" || b != "k3" {
		t.Errorf("two projects remember %q and %q, want k2 and k3", a, b)
	}
	entries, err := os.ReadDir(filepath.Dir(s.projectFile("/p")))
	if err != nil || len(entries) != 2 {
		t.Errorf("projects dir holds %d entries (%v), want 2 (no temporary files)", len(entries), err)
	}
}

func TestStoreRememberProjectUnwritable(t *testing.T) {
	// The cache dir is a file: remembering fails with one wrapped error.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := Store{Cache: Cache{Dir: file}}
	if err := s.RememberProject("/p", "k"); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("RememberProject under a file = %v, want a not-a-directory error", err)
	}
	if got := s.LastProjectKey("/p"); got != "" {
		t.Errorf("LastProjectKey = %q, want \"\"", got)
	}
}

// TestStoreBuild: real nix against the fixture nixpkgs. One build (one
// nix eval, which also finds the alias sets) builds and caches the index;
// a second Build and a Load reuse it, alias sets included; refresh runs
// nix again.
func TestStoreBuild(t *testing.T) {
	env := newNixTestEnv(t, []string{"nixpkgs"}, nil)
	src := env.source("nixpkgs")
	src.Key, src.Rev, src.NarHash = "fixture-key", "0123456789abcdef", "sha256-x"
	cacheDir := filepath.Join(t.TempDir(), "cache") // Build creates it
	built := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	s := Store{Nix: env.nix, Cache: Cache{Dir: cacheDir, Now: func() time.Time { return built }}}
	ctx := context.Background()
	// same compares metadata; a loaded Built is in the local time zone.
	same := func(a, b CacheMeta) bool {
		a.Built, b.Built = a.Built.UTC(), b.Built.UTC()
		return a == b
	}

	if _, _, err := s.Load(src); !errors.Is(err, ErrCacheMiss) {
		t.Fatalf("Load before Build = %v, want ErrCacheMiss", err)
	}
	ix, meta, err := s.Build(ctx, src, BuildOptions{Procs: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := CacheMeta{Key: src.Key, Ref: src.Ref, Origin: src.Origin, Rev: src.Rev, NarHash: src.NarHash, System: src.System, Built: built, Count: ix.Len()}
	if !same(meta, want) || ix.Len() == 0 {
		t.Errorf("Build meta = %+v (%d packages), want %+v", meta, ix.Len(), want)
	}
	if _, ok := ix.Lookup("cargo-edit"); !ok {
		t.Error("the built index lacks cargo-edit")
	}
	if got := ix.AliasSets(); got["pythonPackages"] != "python313Packages" {
		t.Errorf("the built index's alias sets are %v", got)
	}
	if _, meta2, err := s.Build(ctx, src, BuildOptions{Procs: 1}); err != nil || !same(meta2, want) || env.runner.Count() != 1 {
		t.Errorf("second Build = %+v, %v after %d nix runs; want the cached %+v, 1 run", meta2, err, env.runner.Count(), want)
	}
	if ix2, meta2, err := s.Load(src); err != nil || !same(meta2, want) || ix2.Len() != ix.Len() || !maps.Equal(ix2.AliasSets(), ix.AliasSets()) {
		t.Errorf("Load after Build = %+v, %v", meta2, err)
	}
	if _, _, err := s.Build(ctx, src, BuildOptions{Procs: 1, Refresh: true}); err != nil || env.runner.Count() != 2 {
		t.Errorf("refresh Build: %v after %d nix runs, want 2", err, env.runner.Count())
	}

	// A corrupt file is removed and reported as a miss.
	if err := os.WriteFile(s.Cache.Path(src.Key), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(src); !errors.Is(err, ErrCacheMiss) {
		t.Errorf("Load of a corrupt file = %v, want ErrCacheMiss", err)
	}
	if _, err := os.Stat(s.Cache.Path(src.Key)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the corrupt file is still there: %v", err)
	}
}
