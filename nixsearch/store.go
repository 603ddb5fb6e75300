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
	"sync"
	"time"

	"github.com/devsh/devsh/internal/atomicfile"
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

// BuildOptions tune Store.Build.
type BuildOptions struct {
	// Refresh rebuilds even when the cache holds the index.
	Refresh bool
	// Procs is the number of concurrent nix processes; 0 means
	// BuildProcs(), 1 evaluates the whole package set in one process.
	Procs int
	// Hint is an earlier index of a similar nixpkgs (e.g. the project's
	// previous lock) or nil: its sizes balance the shards and its Len is
	// the expected package count.
	Hint *Index
	// Progress, when set, is called with the build's progress, from other
	// goroutines but never concurrently, about every 100 ms per running
	// nix; it must return quickly.
	Progress func(BuildProgress)
	// Partial, when set, is called (like Progress) with an index of the
	// shards finished so far, each time a shard but the last finishes, so
	// a user can search while the rest builds. A partial index is never
	// cached; its Partial says it is partial, and its MetaMissing is set
	// only when a finished shard's meta is missing, so the packages it
	// holds show their meta from the index.
	Partial func(*Index)
	// Waiting, when set, is called when another process holds the lock of
	// this index, before Build waits for it.
	Waiting func()
	// Waited, when set, is called with the time Build waited for another
	// process building the same index, when Build then loaded that index
	// instead of building its own.
	Waited func(time.Duration)
}

// BuildProgress is the state of an index build.
type BuildProgress struct {
	// Evaluated is the number of attributes nix has evaluated, summed over
	// all shards.
	Evaluated int
	// Indexed is the number of packages of the shards finished.
	Indexed int
	// Expected estimates the final package count (0 when unknown).
	Expected int
	// Shards and ShardsDone count the shards.
	Shards, ShardsDone int
}

// Build evaluates src and stores the index. The package set is split into
// shards (see planShards), evaluated by opts.Procs concurrent nix processes,
// each shard by one `nix eval` that walks the set as nix search does and
// gathers each package's meta and the alias sets (see Nix.BuildIndex); a
// shard whose meta walk fails is searched with `nix search` instead, and
// the index says what meta is missing. A
// shard that fails altogether fails the build with its error, and the
// other nix processes are killed; so does ctx ending. Nothing partial is
// cached.
//
// Build holds the cache's lock for src.Key, so two devsh processes never
// evaluate the same nixpkgs at once: the second one waits and then loads
// what the first built (unless opts.Refresh is set). Indexes unused for
// PruneAge are pruned afterwards.
func (s Store) Build(ctx context.Context, src Source, opts BuildOptions) (*Index, CacheMeta, error) {
	var waitStart time.Time
	unlock, err := s.Cache.LockWaiting(src.Key, func() {
		waitStart = time.Now()
		if opts.Waiting != nil {
			opts.Waiting()
		}
	}) // creates the cache dir
	if err != nil {
		return nil, CacheMeta{}, err
	}
	defer unlock()
	if !opts.Refresh {
		if ix, meta, err := s.Load(src); err == nil {
			if !waitStart.IsZero() && opts.Waited != nil {
				opts.Waited(time.Since(waitStart))
			}
			return ix, meta, nil
		}
	}
	ix, err := s.Nix.BuildIndex(ctx, src, opts)
	if err != nil {
		return nil, CacheMeta{}, err
	}
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

// BuildIndex evaluates src's package set in shards (see Store.Build, which
// also caches the result) and returns the whole index with its alias sets
// (python3Packages → python313Packages; see Index.WithAliasSets). Each
// shard's meta walk finds the alias sets of the sets it lists, in the
// same nix process; only when a shard fell back to nix search does one
// more `nix eval` (Nix.AliasSets) run after the shards. Without alias sets
// the index still answers every listed name, so that eval failing only
// costs the alias names; a cancel stops the build.
func (n Nix) BuildIndex(ctx context.Context, src Source, opts BuildOptions) (*Index, error) {
	if src.Ref == "" || src.System == "" {
		return nil, errors.New("build the package index: source needs a flake reference and a system")
	}
	procs := opts.Procs
	if procs <= 0 {
		procs = BuildProcs()
	}
	shards := planShards(procs, opts.Hint)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	b := &indexBuilder{
		opts:      opts,
		results:   make([]*shardResult, len(shards)),
		evaluated: make([]int, len(shards)),
	}
	b.progress.Shards = len(shards)
	if opts.Hint != nil {
		b.progress.Expected = opts.Hint.Len()
	}
	next := make(chan int)
	go func() {
		defer close(next)
		for k := range shards {
			select {
			case next <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range min(procs, len(shards)) {
		wg.Go(func() {
			for k := range next {
				res, err := n.nixEvalShard(ctx, src, shards[k], func(e int) { b.shardProgress(k, e) })
				if err != nil {
					b.fail(err)
					cancel()
					return
				}
				b.shardDone(k, &res)
			}
		})
	}
	wg.Wait()
	if b.err != nil {
		return nil, b.err
	}
	if b.progress.Indexed == 0 {
		return nil, fmt.Errorf("build the package index: %s %w for %s (neither legacyPackages.%s nor packages.%s; pass --nixpkgs with a nixpkgs flake)", src.Ref, ErrNoPackages, src.System, src.System, src.System)
	}
	ix := b.index(true)
	aliases, known := b.aliases(ix)
	if !known {
		var err error
		aliases, err = n.AliasSets(ctx, src, ix)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			return ix, nil
		}
	}
	return ix.WithAliasSets(aliases), nil
}

// aliases merges the shards' alias pairs into the alias map of ix, the
// index of all shards: of the targets found for an alias, the first in
// ix's set order, as Nix.AliasSets picks it. known is false when a shard
// did not look for them (it fell back to nix search).
func (b *indexBuilder) aliases(ix *Index) (m map[string]string, known bool) {
	targets := map[string]map[string]bool{}
	for _, r := range b.results {
		if !r.aliasesKnown {
			return nil, false
		}
		for _, p := range r.aliases {
			if targets[p[0]] == nil {
				targets[p[0]] = map[string]bool{}
			}
			targets[p[0]][p[1]] = true
		}
	}
	m = map[string]string{}
	for _, s := range ix.sets {
		for alias, ts := range targets {
			if _, done := m[alias]; !done && ts[s.name] {
				m[alias] = s.name
			}
		}
	}
	return m, true
}

// indexBuilder collects the shards of one BuildIndex.
type indexBuilder struct {
	opts BuildOptions

	mu        sync.Mutex
	err       error
	results   []*shardResult // by shard, nil until done
	evaluated []int          // per shard
	progress  BuildProgress
}

// fail records the first error; the shards it cancels report theirs too.
func (b *indexBuilder) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil || (errors.Is(b.err, context.Canceled) && !errors.Is(err, context.Canceled)) {
		b.err = err
	}
}

func (b *indexBuilder) shardProgress(k, evaluated int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// A retry of the shard counts from 0 again: the shard's count stays
	// until the retry passes it, so the sum never goes back (the call
	// still goes out: it is also the heartbeat of a display's clock).
	if evaluated > b.evaluated[k] {
		b.progress.Evaluated += evaluated - b.evaluated[k]
		b.evaluated[k] = evaluated
	}
	if b.opts.Progress != nil && b.err == nil {
		b.opts.Progress(b.progress)
	}
}

func (b *indexBuilder) shardDone(k int, res *shardResult) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return
	}
	b.results[k] = res
	b.progress.Indexed += res.len()
	b.progress.ShardsDone++
	// The partial index first: a Progress callback may report it.
	if b.opts.Partial != nil && b.progress.ShardsDone < b.progress.Shards {
		b.opts.Partial(b.index(false))
	}
	if b.opts.Progress != nil {
		b.opts.Progress(b.progress)
	}
}

// index builds the index of the shards done. The packages of
// packages.<system> go after all of legacyPackages.<system>, so that where
// both have an attribute, legacyPackages' is kept (as nix ≥ 2.12 lists it
// first). b.mu is held, or all shards are done.
func (b *indexBuilder) index(final bool) *Index {
	var pkgs, fromPackages []Package
	var missing []string
	metaMissing := 0
	for _, r := range b.results {
		if r == nil {
			continue
		}
		pkgs = append(pkgs, r.legacy...)
		fromPackages = append(fromPackages, r.packages...)
		if r.metaErr != nil {
			metaMissing += r.len()
			missing = append(missing, r.metaErr.Error())
		}
	}
	pkgs = append(pkgs, fromPackages...)
	ix := NewIndex(pkgs)
	if !final {
		ix = ix.WithPartial(fmt.Sprintf("%d of %d shards", b.progress.ShardsDone, b.progress.Shards))
	}
	if len(missing) > 0 {
		ix = ix.WithMetaMissing(fmt.Sprintf("meta of %d of %d packages not gathered: %s", metaMissing, len(pkgs), missing[0]))
	}
	return ix
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
	b, _, err := atomicfile.ReadFileNoFollow(s.projectFile(root))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (s Store) projectFile(root string) string {
	h := sha256.Sum256([]byte(root))
	return filepath.Join(s.Cache.Dir, "projects", hex.EncodeToString(h[:12]))
}

// Opened is the index a project searches, as Store.Open found it.
type Opened struct {
	Index *Index
	Meta  CacheMeta
	// Stale is set when Index is the one the project searched before (see
	// Previous), built for another nixpkgs, because src's own is not cached.
	Stale bool
}

// Open is "the index for this project": the cached index of src, else the
// one the project at root searched before, marked Stale (the TUI searches
// it while the new one builds; completion and doctor mention it). With
// neither, the error is ErrCacheMiss. A src without Key (the nixpkgs could
// not be told) gives the previous index only. Open runs no nix and writes
// nothing; RememberProject records what a project searched.
func (s Store) Open(src Source, root string) (Opened, error) {
	if src.Key != "" {
		ix, meta, err := s.Load(src)
		if err == nil {
			return Opened{Index: ix, Meta: meta}, nil
		}
		if !errors.Is(err, ErrCacheMiss) {
			return Opened{}, err
		}
	}
	if ix, meta := s.Previous(root, src.Key); ix != nil {
		return Opened{Index: ix, Meta: meta, Stale: true}, nil
	}
	return Opened{}, ErrCacheMiss
}

// Previous loads the index the project at root searched before (the key
// RememberProject last recorded) when that is not key, else nil: a stale
// index to show, or to plan a new build's shards by, while key's own is
// missing.
func (s Store) Previous(root, key string) (*Index, CacheMeta) {
	last := s.LastProjectKey(root)
	if last == "" || last == key {
		return nil, CacheMeta{}
	}
	ix, meta, err := s.Load(Source{Key: last})
	if err != nil {
		return nil, CacheMeta{}
	}
	return ix, meta
}
