package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/devsh/devsh/nixsearch"
	"github.com/spf13/cobra"
)

// IndexOptions are the options of `devsh index`.
type IndexOptions struct {
	G       *GlobalOptions
	Refresh bool
}

func newIndexCmd(g *GlobalOptions) *cobra.Command {
	o := &IndexOptions{G: g}
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Build the package index for this project's nixpkgs",
		Long: `Evaluate the project's nixpkgs once and keep the result in the cache, so that every
later search is instant and offline. The package set is split into parts evaluated by
concurrent nix processes (one per core, within half the free memory), which list what
nix search lists plus each package's meta (main program, licence, homepage, broken,
insecure, available here). Prints the package count, the nixpkgs searched, the cache
key and whether the meta is complete.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIndex(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.Refresh, "refresh", false, "rebuild the index even when it is cached")
	return cmd
}

func runIndex(ctx context.Context, o *IndexOptions) error {
	proj, err := o.G.project()
	if err != nil {
		return err
	}
	ix, meta, src, err := openIndex(ctx, o.G, proj, o.Refresh)
	if err != nil {
		return err
	}
	w := o.G.IO.Out
	fmt.Fprintf(w, "packages  %d\n", ix.Len())
	fmt.Fprintf(w, "nixpkgs   %s (%s)\n", termtext.Line(src.Ref), src.Origin)
	fmt.Fprintf(w, "system    %s\n", src.System)
	fmt.Fprintf(w, "key       %s\n", src.Key)
	fmt.Fprintf(w, "built     %s\n", meta.Built.Local().Format(time.DateTime))
	if m := ix.MetaMissing(); m != "" {
		fmt.Fprintf(w, "meta      missing (%s); devsh index --refresh retries\n", m)
	} else {
		fmt.Fprintf(w, "meta      mainProgram, licence, homepage, broken, insecure, available\n")
	}
	fmt.Fprintf(w, "cache     %s\n", o.G.store().Cache.Path(src.Key))
	return nil
}

// openIndex loads the project's index from the cache, building it first
// (with a progress line on stderr) when it is missing or refresh is set.
func openIndex(ctx context.Context, g *GlobalOptions, proj *devshell.Project, refresh bool) (*nixsearch.Index, nixsearch.CacheMeta, nixsearch.Source, error) {
	src, err := g.source(ctx, proj)
	if err != nil {
		return nil, nixsearch.CacheMeta{}, src, err
	}
	store := g.store()
	var hint *nixsearch.Index // the index searched before plans the shards
	if refresh {
		hint, _ = store.Previous(proj.Root, src.Key)
	} else {
		opened, err := store.Open(src, proj.Root)
		switch {
		case err == nil && !opened.Stale:
			_ = store.RememberProject(proj.Root, src.Key)
			return opened.Index, opened.Meta, src, nil
		case err == nil:
			hint = opened.Index
		case !errors.Is(err, nixsearch.ErrCacheMiss):
			return nil, opened.Meta, src, err
		}
	}
	p := newProgress(g.IO.ErrOut, g.IO.ErrTTY, sourceLabel(src))
	procs, err := g.indexProcs()
	if err != nil {
		return nil, nixsearch.CacheMeta{}, src, err
	}
	ix, meta, err := store.Build(ctx, src, nixsearch.BuildOptions{
		Procs:    procs,
		Refresh:  refresh,
		Hint:     hint,
		Progress: p.update,
		Waiting:  p.waiting,
		Waited:   p.waited,
	})
	p.done(err)
	if err != nil {
		return nil, meta, src, nixMissing(err, "build the package index")
	}
	_ = store.RememberProject(proj.Root, src.Key)
	return ix, meta, src, nil
}

// progress prints the index build's progress on stderr: a line rewritten in
// place on a terminal, else a start and an end line.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	label string
	start time.Time
	last  time.Time
	// started is set once the first progress line was printed.
	started bool
	// waitedFor is how long the build waited for another devsh that built
	// the index instead (0: it built it itself).
	waitedFor time.Duration
}

// progressEvery throttles terminal updates to a rate the eye can follow.
const progressEvery = 100 * time.Millisecond

func newProgress(w io.Writer, tty bool, label string) *progress {
	return &progress{w: w, tty: tty, label: label, start: time.Now()}
}

// update reports the build's progress. Without a terminal it prints one
// line when nix has started (nothing at all when nix could not run).
func (p *progress) update(bp nixsearch.BuildProgress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty {
		if !p.started {
			p.started = true
			fmt.Fprintf(p.w, "indexing %s with nix (once per nixpkgs; may take a minute)\n", p.label)
		}
		return
	}
	if now := time.Now(); now.Sub(p.last) >= progressEvery {
		p.last = now
		fmt.Fprint(p.w, "\r\033[K"+progressLine(p.label, bp, now.Sub(p.start)))
	}
}

// progressLine is the terminal's progress line. While nix has reported no
// evaluated attribute (some never do: Determinate Nix ≥ 3.11) there is no
// count to show, only the elapsed time, which nixsearch's heartbeat keeps
// moving.
func progressLine(label string, bp nixsearch.BuildProgress, elapsed time.Duration) string {
	elapsed = elapsed.Round(time.Second)
	if bp.Evaluated == 0 {
		return fmt.Sprintf("indexing %s: evaluating (no count from nix yet), %d of %d parts done, %s", label, bp.ShardsDone, bp.Shards, elapsed)
	}
	return fmt.Sprintf("indexing %s: %d attributes evaluated, %d of %d parts done, %s", label, bp.Evaluated, bp.ShardsDone, bp.Shards, elapsed)
}

// waiting says that another devsh holds the index's lock: it is building
// the same index, and this one waits for it.
func (p *progress) waiting() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[Kwaiting for another devsh indexing %s", p.label)
		return
	}
	fmt.Fprintf(p.w, "waiting for another devsh indexing %s\n", p.label)
}

// waited records that the wait ended with the other devsh's index loaded.
func (p *progress) waited(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waitedFor = d
}

func (p *progress) done(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	switch {
	case err != nil:
	case p.waitedFor > 0:
		fmt.Fprintf(p.w, "waited %.1f s for another devsh indexing %s\n", p.waitedFor.Seconds(), p.label)
	default:
		fmt.Fprintf(p.w, "indexed %s in %s\n", p.label, time.Since(p.start).Round(100*time.Millisecond))
	}
}
