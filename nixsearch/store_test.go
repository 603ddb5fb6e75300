package nixsearch

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestCacheWriteFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b") // created on the way
	path := filepath.Join(dir, "f")
	for _, content := range []string{"one\n", "two\n"} {
		if err := cacheWriteFile(path, ".tmp-test-", []byte(content)); err != nil {
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
	if err := cacheWriteFile(target, ".tmp-test-", []byte("x")); err == nil {
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
