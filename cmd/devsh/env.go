package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/devsh/devsh/nixsearch"
)

// workDir is -C, else the process's working directory.
func (g *GlobalOptions) workDir() (string, error) {
	if g.Dir != "" {
		abs, err := filepath.Abs(g.Dir)
		if err != nil {
			return "", usageError("-C %s: %v", g.Dir, err)
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return "", usageError("-C %s: not a directory", g.Dir)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	return wd, nil
}

// project finds the devshell project from the working directory.
func (g *GlobalOptions) project() (*devshell.Project, error) {
	wd, err := g.workDir()
	if err != nil {
		return nil, err
	}
	file := g.File
	if file != "" && !filepath.IsAbs(file) {
		file = filepath.Join(wd, file)
	}
	return devshell.Find(wd, file)
}

// cacheDir is --cache-dir, else DEVSH_CACHE_DIR, else $XDG_CACHE_HOME/devsh.
func (g *GlobalOptions) cacheDir() string {
	if g.CacheDir != "" {
		return g.CacheDir
	}
	return nixsearch.DefaultCacheDir(g.Getenv)
}

func (g *GlobalOptions) nix() nixsearch.Nix { return nixsearch.Nix{Runner: g.Runner} }

// noNix is a nix that runs nothing (noRunner): resolving the project's
// nixpkgs with it succeeds only where no nix is needed (flake.lock read
// directly, a remembered --nixpkgs or registry resolution). Completion,
// which must answer within a keystroke, and add --no-verify, which runs
// no nix, resolve with it.
func (g *GlobalOptions) noNix() nixsearch.Nix { return nixsearch.Nix{Runner: noRunner{}} }

// noRunner runs nothing: each run fails at once with errNoRun.
type noRunner struct{}

// errNoRun is noRunner's error.
var errNoRun = errors.New("devsh runs no nix for this")

// Run implements nixsearch.Runner.
func (noRunner) Run(context.Context, nixsearch.Command) error { return errNoRun }

func (g *GlobalOptions) store() nixsearch.Store {
	return nixsearch.Store{Nix: g.nix(), Cache: nixsearch.Cache{Dir: g.cacheDir()}}
}

func (g *GlobalOptions) direnv() devshell.Direnv { return devshell.Direnv{Runner: g.Runner} }

// indexProcs is DEVSH_INDEX_PROCS, the number of concurrent nix processes
// of an index build; 0 (unset) means one per core (nixsearch.BuildProcs).
func (g *GlobalOptions) indexProcs() (int, error) {
	v := g.Getenv("DEVSH_INDEX_PROCS")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("DEVSH_INDEX_PROCS=%q: want the number of nix processes to index with, 1 or more (unset it for one per core)", v)
	}
	return n, nil
}

// override is the --nixpkgs / DEVSH_NIXPKGS flake ref with its label ("" when
// neither is set); nixsearch makes a relative path ref absolute against the
// working directory (-C) passed as ResolveOptions.Dir.
func (g *GlobalOptions) override() (ref, origin string) {
	if g.Nixpkgs != "" {
		return g.Nixpkgs, "--nixpkgs"
	}
	if ref := g.Getenv("DEVSH_NIXPKGS"); ref != "" {
		return ref, "DEVSH_NIXPKGS"
	}
	return "", ""
}

// source resolves the nixpkgs the project searches.
func (g *GlobalOptions) source(ctx context.Context, proj *devshell.Project) (nixsearch.Source, error) {
	return g.sourceWith(ctx, g.nix(), proj)
}

// sourceWith is source with n running whatever nix it needs.
func (g *GlobalOptions) sourceWith(ctx context.Context, n nixsearch.Nix, proj *devshell.Project) (nixsearch.Source, error) {
	src, err := g.resolveSource(ctx, n, proj)
	if err != nil {
		return src, nixMissing(err, "find the nixpkgs to search")
	}
	return src, nil
}

// resolveSource resolves the project's nixpkgs (the override, else its
// flake.lock, else the registry's) with n running whatever nix it needs.
func (g *GlobalOptions) resolveSource(ctx context.Context, n nixsearch.Nix, proj *devshell.Project) (nixsearch.Source, error) {
	ref, origin := g.override()
	wd, err := g.workDir()
	if err != nil {
		return nixsearch.Source{}, err
	}
	return n.ResolveSource(ctx, nixsearch.ResolveOptions{
		ProjectRoot:    proj.Root,
		Override:       ref,
		OverrideOrigin: origin,
		Dir:            wd,
		CacheDir:       g.cacheDir(),
	})
}

// nixMissing turns "nix not found" into the one-line error the user needs.
func nixMissing(err error, what string) error {
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("nix is not installed (needed to %s; install it from https://nixos.org/download, then open a new shell): %w", what, err)
	}
	return err
}

// sourceLabel is how a Source is shown: "nixpkgs 870493f (flake.lock)".
func sourceLabel(src nixsearch.Source) string {
	// The ref comes from the user's flake.lock: sanitised.
	return termtext.Line(fmt.Sprintf("nixpkgs %s (%s)", src.Short(), src.Origin))
}
