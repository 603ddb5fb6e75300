package nixsearch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Store ties the cache to nix: it loads the index of a Source from the
// cache, or builds it with one `nix search` and caches it.
type Store struct {
	Nix   Nix
	Cache Cache
}

// Load returns the cached index of src. A missing index gives ErrCacheMiss;
// a corrupt or old-format one is removed and also reported as ErrCacheMiss,
// so that the caller rebuilds it.
func (s Store) Load(src Source) (*Index, CacheMeta, error) {
	ix, meta, err := s.Cache.Load(src.Key)
	if errors.Is(err, ErrCacheCorrupt) {
		_ = os.Remove(s.Cache.Path(src.Key))
		return nil, CacheMeta{}, fmt.Errorf("%w (the old file was corrupt: %v)", ErrCacheMiss, err)
	}
	return ix, meta, err
}

// Build evaluates src with `nix search` and stores the index. It holds the
// cache's lock for src.Key, so two devsh processes never evaluate the same
// nixpkgs at once: the second one waits and then loads what the first built
// (unless refresh is set). Indexes unused for PruneAge are pruned afterwards.
func (s Store) Build(ctx context.Context, src Source, refresh bool, progress func(evaluated int)) (*Index, CacheMeta, error) {
	unlock, err := s.Cache.Lock(src.Key) // creates the cache dir
	if err != nil {
		return nil, CacheMeta{}, err
	}
	defer unlock()
	if !refresh {
		if ix, meta, err := s.Load(src); err == nil {
			return ix, meta, nil
		}
	}
	pkgs, err := s.Nix.Search(ctx, src, progress)
	if err != nil {
		return nil, CacheMeta{}, err
	}
	// The meta evaluation is not part of the build yet.
	ix := NewIndex(pkgs).WithMetaMissing("package meta not gathered")
	meta := CacheMeta{
		Key: src.Key, Ref: src.Ref, Origin: src.Origin, Rev: src.Rev, NarHash: src.NarHash, System: src.System,
		Built: s.Cache.now(), Count: ix.Len(),
	}
	if err := s.Cache.Store(meta, ix); err != nil {
		return nil, CacheMeta{}, err
	}
	_, _ = s.Cache.Prune(PruneAge, src.Key) // best effort: an old index left behind is harmless
	return ix, meta, nil
}

// RememberProject records that the project at root searches key, so that
// after its lock changes the previous index can be shown (marked stale)
// while the new one is built. A key already recorded is not written again,
// so a warm search only reads the small file.
func (s Store) RememberProject(root, key string) error {
	if s.LastProjectKey(root) == key {
		return nil
	}
	if err := cacheWriteFile(s.projectFile(root), []byte(key+"\n")); err != nil {
		return fmt.Errorf("remember project index: %w", err)
	}
	return nil
}

// LastProjectKey returns the key RememberProject last recorded for root, or "".
func (s Store) LastProjectKey(root string) string {
	b, err := os.ReadFile(s.projectFile(root))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (s Store) projectFile(root string) string {
	h := sha256.Sum256([]byte(root))
	return filepath.Join(s.Cache.Dir, "projects", hex.EncodeToString(h[:12]))
}
