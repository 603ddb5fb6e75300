package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/devshell/tomledit"
	"github.com/devsh/devsh/internal/atomicfile"
	"github.com/devsh/devsh/nixsearch"
	"github.com/devsh/devsh/tui"
	"github.com/spf13/cobra"
)

// runTUI opens the interactive search; without a terminal it prints help
// and exits 2.
func runTUI(cmd *cobra.Command, g *GlobalOptions) error {
	if !g.IO.InTTY || !g.IO.OutTTY {
		cmd.SetOut(g.IO.ErrOut)
		_ = cmd.Help()
		return silentError{code: exitUsage}
	}
	ctx := cmd.Context()
	proj, err := g.project()
	if err != nil {
		return err
	}
	b := newTUIBackend(g, proj)
	res, err := tui.Run(ctx, b, tui.Options{In: g.IO.In, Out: g.IO.Out, NoColor: g.Getenv("NO_COLOR") != ""})
	for _, c := range res.Changes {
		fmt.Fprintln(g.IO.Out, c.String())
	}
	// The warning the status line showed on opening, again where it stays.
	if w := b.gitWarning(); w != "" {
		fmt.Fprintln(g.IO.ErrOut, w)
	}
	if res.Sync != "" {
		fmt.Fprintln(g.IO.ErrOut, res.Sync)
	}
	if res.SyncErr != nil && err == nil {
		err = fmt.Errorf("sync .envrc: %w", res.SyncErr)
	}
	return err
}

// tuiBackend is the TUI's view of the project and the index: the adapter
// between package tui and packages devshell and nixsearch.
type tuiBackend struct {
	g    *GlobalOptions
	proj *devshell.Project

	// src is the project's nixpkgs, found once by resolve (after the first
	// frame: it may run nix).
	srcOnce sync.Once
	src     nixsearch.Source
	srcErr  error

	mu          sync.Mutex
	ix          *nixsearch.Index
	matcher     *nixsearch.Matcher
	current     bool // ix is the index of src (not a stale one)
	partial     bool // ix is the part of src's index built so far
	tomlChanged bool
	// twins holds Twins' answers for twinsIx (name → the other names of
	// its derivation; nil when it has none), so that nix is asked about a
	// name once per index.
	twinsIx *nixsearch.Index
	twins   map[string][]string

	warnOnce sync.Once
	warning  string // untrackedWarning, computed once by gitWarning
}

func newTUIBackend(g *GlobalOptions, proj *devshell.Project) *tuiBackend {
	return &tuiBackend{g: g, proj: proj}
}

// resolve finds the project's nixpkgs, once per session. Its error is
// wrapped for the TUI (nixErr, tuiSourceError).
func (b *tuiBackend) resolve(ctx context.Context) (nixsearch.Source, error) {
	b.srcOnce.Do(func() {
		b.src, b.srcErr = b.g.source(ctx, b.proj)
		if b.srcErr != nil {
			b.srcErr = b.nixErr(tuiSourceError(b.proj.Root, b.srcErr))
		}
	})
	return b.src, b.srcErr
}

// tuiSourceError is the one-line error for a nixpkgs that cannot be
// found: without a flake.lock the registry's nixpkgs is what failed, and
// the fix is to lock the flake or name a nixpkgs.
func tuiSourceError(root string, err error) error {
	if errors.Is(err, exec.ErrNotFound) {
		return err
	}
	if _, serr := os.Stat(filepath.Join(root, "flake.lock")); errors.Is(serr, os.ErrNotExist) {
		return tuiNoLockError{err}
	}
	return err
}

// tuiNoLockError is a nixpkgs that could not be found without a
// flake.lock: one line with the fix; the registry's failure is its cause.
type tuiNoLockError struct{ cause error }

func (e tuiNoLockError) Error() string {
	return "no flake.lock: run `nix flake lock`, or pass --nixpkgs"
}

func (e tuiNoLockError) Unwrap() error { return e.cause }

// Resolve finds the nixpkgs and returns its header label.
func (b *tuiBackend) Resolve(ctx context.Context) (string, error) {
	src, err := b.resolve(ctx)
	if err != nil {
		return "nixpkgs unknown", err
	}
	var date time.Time
	if src.Origin == "flake.lock" {
		date, _ = nixsearch.LockedNixpkgsDate(b.proj.Root)
	}
	return tuiSourceLabel(src, date, b.proj.Root), nil
}

// tuiSourceLabel names a nixpkgs for the header: its short revision and
// date ("nixpkgs 870493f · 2025-10-11") when it has a revision, its
// directory for a path, a fragment of its NAR hash as the last resort; an
// origin other than flake.lock is named after it ("(--nixpkgs)"). date is
// the lock's lastModified, zero when unknown.
func tuiSourceLabel(src nixsearch.Source, date time.Time, root string) string {
	var label string
	switch {
	case src.Rev != "":
		label = "nixpkgs " + src.Short()
		if !date.IsZero() {
			label += " · " + date.Format(time.DateOnly)
		}
	case strings.HasPrefix(src.Ref, "path:"):
		dir, _, _ := strings.Cut(strings.TrimPrefix(src.Ref, "path:"), "?")
		if rel, ok := devshell.RelBelow(root, dir); ok {
			dir = "./" + rel
		} else {
			dir = tuiHomeDir(dir)
		}
		label = "nixpkgs " + dir
	default:
		label = "nixpkgs " + src.Short()
	}
	if src.Origin != "" && src.Origin != "flake.lock" {
		label += " (" + src.Origin + ")"
	}
	return label
}

// tuiHomeDir shows a path below the home directory as ~/….
func tuiHomeDir(dir string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "/" {
		return dir
	}
	if rel, err := filepath.Rel(home, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return filepath.Join("~", rel)
	}
	return dir
}

func (b *tuiBackend) nixErr(err error) error {
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("%w: %w", tui.ErrNixMissing, err)
	}
	return err
}

// Project describes the project without running anything.
func (b *tuiBackend) Project() tui.ProjectInfo {
	return tui.ProjectInfo{Dir: tuiHomeDir(b.proj.Root), TOMLName: relName(b.proj.Root, b.proj.TOMLPath)}
}

// Warning is gitWarning.
func (b *tuiBackend) Warning(ctx context.Context) string { return b.gitWarning() }

// gitWarning is untrackedWarning for the project, asked of git once per
// session: the TUI shows it when it opens and runTUI prints it on exit.
func (b *tuiBackend) gitWarning() string {
	b.warnOnce.Do(func() { b.warning = untrackedWarning(context.Background(), b.g, b.proj) })
	return b.warning
}

func (b *tuiBackend) Packages(ctx context.Context) ([]tui.Installed, error) {
	pkgs, err := b.proj.Installed()
	if errors.Is(err, devshell.ErrNoManifest) {
		return nil, fmt.Errorf("%w: %w", tui.ErrNoTOML, err)
	}
	if err != nil {
		return nil, err
	}
	out := make([]tui.Installed, len(pkgs))
	for i, p := range pkgs {
		out[i] = tui.Installed{Attr: p.Attr, FromCommand: p.FromCommand}
	}
	// Versions and descriptions from the index, when one is open.
	b.mu.Lock()
	ix := b.ix
	b.mu.Unlock()
	if ix != nil {
		for i := range out {
			if p, ok := ix.Lookup(out[i].Attr); ok {
				out[i].Version, out[i].Description = p.Version, p.Description
			}
		}
	}
	return out, nil
}

func (b *tuiBackend) toggle(ctx context.Context, attr string, add bool) (tui.Change, error) {
	kind := devshell.EditRemove
	if add {
		kind = devshell.EditAdd
	}
	edit := devshell.EditOptions{Kind: kind, Names: []string{attr}}
	if add {
		edit.Aliases = b.aliases()
	}
	res, err := b.proj.Edit(ctx, edit)
	if add && errors.Is(err, devshell.ErrNoManifest) {
		return b.create(attr)
	}
	var refused *devshell.RefusedError
	if !add && errors.As(err, &refused) && len(refused.Results) == 1 && refused.Results[0].Status == devshell.NotPresent {
		// Already absent (removed outside the TUI meanwhile): the file has
		// the requested state, so the TUI re-reads the packages instead of
		// keeping an entry it cannot remove.
		return tui.Change{Attr: attr, Unchanged: true}, nil
	}
	if err != nil {
		return tui.Change{}, err
	}
	c := tui.Change{Attr: attr, Added: add, Unchanged: !res.Changed()}
	if res.Changed() {
		c.Bytes = &tui.FileBytes{Before: res.Before, After: res.After}
	}
	if len(res.Results) == 1 && res.Results[0].Status == devshell.ProvidedByCommand {
		c.Note = "provided by [[commands]]"
	}
	if res.Changed() {
		b.mu.Lock()
		b.tomlChanged = true
		b.mu.Unlock()
	}
	return c, nil
}

// aliases is an add's EditOptions.Aliases: every name the index and the
// twins known so far give a package, so that an add of pythonPackages.black
// or of python313 changes nothing when devshell.toml has it as
// python313Packages.black or python3 (the rows say so, but an add may come
// before Twins has answered).
func (b *tuiBackend) aliases() func(string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	ix, known := b.ix, b.twins
	if ix == nil || b.twinsIx != ix {
		known = nil
	}
	if ix == nil {
		return nil
	}
	twins := nixsearch.TwinsBothWays(known)
	return func(n string) []string { return append(ix.Names(n), twins[n]...) }
}

// Twins implements tui.Backend: the index offers the candidates
// (Namesakes), nix tells which are the same derivation, once per name and
// index.
func (b *tuiBackend) Twins(ctx context.Context, names []string) (map[string][]string, error) {
	b.mu.Lock()
	ix := b.ix
	if b.twinsIx != ix {
		b.twinsIx, b.twins = ix, map[string][]string{}
	}
	var todo []string
	for _, n := range names {
		if _, ok := b.twins[n]; !ok {
			todo = append(todo, n)
		}
	}
	b.mu.Unlock()
	if ix == nil {
		return nil, nil
	}
	var got map[string][]string
	if ask := ix.Namesakes(todo); ask != nil {
		src, err := b.resolve(ctx)
		if err != nil {
			return nil, err
		}
		if got, err = b.g.nix().Twins(ctx, src, ask); err != nil {
			return nil, b.nixErr(err)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.twinsIx != ix {
		return nixsearch.TwinsBothWays(got), nil // the index changed meanwhile
	}
	for _, n := range todo {
		b.twins[n] = got[n]
	}
	mine := map[string][]string{}
	for _, n := range names {
		mine[n] = b.twins[n]
	}
	return nixsearch.TwinsBothWays(mine), nil
}

// Add implements tui.Backend.
func (b *tuiBackend) Add(ctx context.Context, attr string) (tui.Change, error) {
	return b.toggle(ctx, attr, true)
}

// Remove implements tui.Backend.
func (b *tuiBackend) Remove(ctx context.Context, attr string) (tui.Change, error) {
	return b.toggle(ctx, attr, false)
}

// create writes a new devshell.toml holding attr, for the first add in a
// project that has none.
func (b *tuiBackend) create(attr string) (tui.Change, error) {
	errExists := errors.New("created meanwhile")
	_, after, err := atomicfile.Update(b.proj.TOMLPath, func(old []byte, exists bool) ([]byte, error) {
		if exists {
			return nil, errExists
		}
		out, _, err := tomledit.Add(b.proj.TOMLPath, nil, []string{attr})
		return out, err
	})
	if errors.Is(err, errExists) {
		return b.toggle(context.Background(), attr, true)
	}
	if err != nil {
		return tui.Change{}, fmt.Errorf("create %s: %w", b.proj.TOMLPath, err)
	}
	b.mu.Lock()
	b.tomlChanged = true
	b.mu.Unlock()
	return tui.Change{Attr: attr, Added: true, Bytes: &tui.FileBytes{After: after, Created: true}}, nil
}

// Undo restores the bytes from before c when the file still has c's
// result (deleting the file when c created it), and applies the inverse
// edit otherwise.
func (b *tuiBackend) Undo(ctx context.Context, c tui.Change) (tui.Change, error) {
	if fb := c.Bytes; fb != nil && fb.Created {
		removed, err := atomicfile.RemoveIf(ctx, b.proj.TOMLPath, fb.After)
		if err != nil {
			return tui.Change{}, fmt.Errorf("undo: %w", err)
		}
		if removed {
			b.mu.Lock()
			b.tomlChanged = true
			b.mu.Unlock()
			return tui.Change{Attr: c.Attr, Added: !c.Added, Exact: true, FileGone: true}, nil
		}
	} else if fb != nil && fb.Before != nil {
		errChanged := errors.New("changed since")
		_, _, err := atomicfile.Update(b.proj.TOMLPath, func(old []byte, exists bool) ([]byte, error) {
			if !exists || !bytes.Equal(old, fb.After) {
				return nil, errChanged
			}
			return fb.Before, nil
		})
		if err == nil {
			b.mu.Lock()
			b.tomlChanged = true
			b.mu.Unlock()
			return tui.Change{Attr: c.Attr, Added: !c.Added, Exact: true}, nil
		}
		if !errors.Is(err, errChanged) {
			return tui.Change{}, fmt.Errorf("undo: %w", err)
		}
	}
	return b.toggle(ctx, c.Attr, !c.Added)
}

func (b *tuiBackend) Sync(ctx context.Context) (string, error) {
	if b.g.NoDirenv {
		return "", nil
	}
	if _, err := os.Stat(b.proj.TOMLPath); errors.Is(err, fs.ErrNotExist) {
		// The undo of the add that created it deleted it again (through a
		// symlink, the file it named: RemoveIf removes what it wrote):
		// .envrc has nothing to watch that it did not before.
		return "no devshell.toml: .envrc left alone", nil
	}
	b.mu.Lock()
	changed := b.tomlChanged
	b.tomlChanged = false
	b.mu.Unlock()
	rep, err := b.proj.Sync(ctx, devshell.SyncOptions{Direnv: b.g.direnv(), TOMLChanged: changed})
	if err != nil {
		return "", err
	}
	parts := syncSummary(rep, true)
	if len(parts) == 0 {
		return ".envrc up to date", nil
	}
	return strings.Join(parts, "; "), nil
}

func (b *tuiBackend) OpenIndex(ctx context.Context) (tui.IndexInfo, error) {
	store := b.g.store()
	src, srcErr := b.resolve(ctx)
	switch {
	case errors.Is(srcErr, exec.ErrNotFound):
		// Without nix the nixpkgs cannot be told when flake.lock pins no
		// narHash (nix ≥ 2.26 locks a relative path so): show the index the
		// project used before, else none; BuildIndex says nix is missing.
		src = nixsearch.Source{}
	case srcErr != nil:
		return tui.IndexInfo{Missing: true}, srcErr
	}
	opened, err := store.Open(src, b.proj.Root)
	if errors.Is(err, nixsearch.ErrCacheMiss) {
		return tui.IndexInfo{Missing: true}, nil
	}
	if err != nil {
		return tui.IndexInfo{Missing: true}, err
	}
	if opened.Stale {
		// The project's lock changed (or nix is missing): show the index it
		// used before, marked stale, while the new one is built.
		b.setIndex(opened.Index, false, false)
		return tui.IndexInfo{Count: opened.Index.Len(), Stale: true}, nil
	}
	_ = store.RememberProject(b.proj.Root, src.Key)
	b.setIndex(opened.Index, true, false)
	return tui.IndexInfo{Count: opened.Index.Len()}, nil
}

// BuildIndex builds the index in shards. When there is no index to search
// meanwhile (none at all, or only the part built so far), each finished
// shard's partial index is searched until the next one lands; a stale
// index stays until the end.
func (b *tuiBackend) BuildIndex(ctx context.Context, progress func(tui.BuildProgress)) (tui.IndexInfo, error) {
	src, err := b.resolve(ctx)
	if err != nil {
		return tui.IndexInfo{Missing: true}, err
	}
	b.mu.Lock()
	refresh := b.current
	b.mu.Unlock()
	store := b.g.store()
	procs, err := b.g.indexProcs()
	if err != nil {
		return tui.IndexInfo{}, err
	}
	indexed := 0 // the package count of the partial index shown
	hint, _ := store.Previous(b.proj.Root, src.Key)
	ix, _, err := store.Build(ctx, src, nixsearch.BuildOptions{
		Procs:   procs,
		Refresh: refresh,
		Hint:    hint,
		Partial: func(part *nixsearch.Index) {
			b.mu.Lock()
			show := b.ix == nil || b.partial
			b.mu.Unlock()
			if show {
				b.setIndex(part, false, true)
				indexed = part.Len()
			}
		},
		Progress: func(p nixsearch.BuildProgress) {
			if progress != nil {
				progress(tui.BuildProgress{Evaluated: p.Evaluated, Indexed: indexed, Expected: p.Expected})
			}
		},
	})
	if err != nil {
		b.mu.Lock()
		if b.partial {
			b.ix, b.matcher, b.partial = nil, nil, false
		}
		b.mu.Unlock()
		return tui.IndexInfo{}, b.nixErr(err)
	}
	_ = store.RememberProject(b.proj.Root, src.Key)
	b.setIndex(ix, true, false)
	return tui.IndexInfo{Count: ix.Len()}, nil
}

func (b *tuiBackend) setIndex(ix *nixsearch.Index, current, partial bool) {
	m := nixsearch.NewMatcher(ix, 0)
	m.Prepare() // a session searches on every keystroke
	b.mu.Lock()
	b.ix, b.matcher, b.current, b.partial = ix, m, current, partial
	b.mu.Unlock()
}

func (b *tuiBackend) Search(ctx context.Context, query string, limit int) (tui.Results, error) {
	return b.search(ctx, nixsearch.Query{Text: query}, limit)
}

func (b *tuiBackend) SearchDescriptions(ctx context.Context, query string, limit int) (tui.Results, error) {
	return b.search(ctx, nixsearch.Query{Text: query, Descriptions: true}, limit)
}

// search runs q. A row shows the name the query used (under an alias set,
// the alias) and why it matched; its other names let the TUI see it
// installed under any of them.
func (b *tuiBackend) search(ctx context.Context, q nixsearch.Query, limit int) (tui.Results, error) {
	b.mu.Lock()
	ix, m := b.ix, b.matcher
	b.mu.Unlock()
	if m == nil {
		return tui.Results{Query: q.Text}, nil
	}
	res, err := m.Search(ctx, q, limit)
	if err != nil {
		return tui.Results{}, err
	}
	out := tui.Results{Query: q.Text, Total: res.Total, Rows: make([]tui.Row, 0, len(res.Matches))}
	for _, mt := range res.Matches {
		row := tui.Row{Pkg: ix.At(mt.Index), Positions: mt.Positions, Why: nixsearch.SanitizeText(mt.Why)}
		row.Pkg.Attr = mt.Name
		if len(ix.AliasSets()) > 0 {
			for _, n := range ix.Names(mt.Name) {
				if n != mt.Name {
					row.Also = append(row.Also, n)
				}
			}
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

func (b *tuiBackend) Meta(ctx context.Context, attr string) (tui.Meta, error) {
	src, err := b.resolve(ctx)
	if err != nil {
		return tui.Meta{}, err
	}
	// The index holds the meta of its packages (one evaluation for all),
	// and so does a partial one for the shards built so far: nix is asked
	// only when it does not, never once per row while the build runs. A
	// name under an alias set (pythonPackages.black) is its target's
	// package.
	b.mu.Lock()
	ix := b.ix
	b.mu.Unlock()
	if ix != nil && ix.MetaMissing() == "" {
		if p, ok := ix.Lookup(ix.Canonical(attr)); ok {
			return tui.Meta{Homepage: p.Homepage, License: p.License, MainProgram: p.MainProgram,
				Unfree: p.Unfree, Broken: p.Broken, Insecure: p.Insecure, Unavailable: p.Unavailable}, nil
		}
	}
	m, err := b.g.nix().Meta(ctx, src, attr)
	if err != nil {
		return tui.Meta{}, b.nixErr(err)
	}
	return tui.Meta{Homepage: m.Homepage, License: m.License, MainProgram: m.MainProgram}, nil
}
