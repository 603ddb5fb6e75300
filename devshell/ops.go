package devshell

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devsh/devsh/devshell/envrc"
	"github.com/devsh/devsh/devshell/tomledit"
	"github.com/devsh/devsh/internal/atomicfile"
)

// EditKind is the operation Edit performs.
type EditKind int

// The package operations.
const (
	EditAdd EditKind = iota
	EditRemove
)

// ErrNoManifest is returned when the project has no devshell TOML to edit.
var ErrNoManifest = errors.New("no devshell.toml")

// EditResult is what Edit did (or, for a dry run, would do).
type EditResult struct {
	Results []Result
	Before  []byte // the file as the operation found it
	After   []byte // the file after the operation
	// AsWritten maps a name a removal was given to the other name of its
	// package (EditOptions.Aliases) that the file has and that was removed
	// instead (pythonPackages.black → python313Packages.black).
	AsWritten map[string]string
}

// Changed reports whether the file's bytes changed.
func (r EditResult) Changed() bool { return string(r.Before) != string(r.After) }

// RefusedError lists the names an operation refused; nothing was written.
type RefusedError struct {
	File    string   // the TOML's base name, e.g. "devshell.toml"
	Results []Result // the refused names with their status
}

// Error says, per name, why it was refused, e.g. "jq is not in
// devshell.toml; nothing changed".
func (e *RefusedError) Error() string {
	file := e.File
	if file == "" {
		file = "devshell.toml"
	}
	var parts []string
	for _, r := range e.Results {
		switch r.Status {
		case NotPresent:
			parts = append(parts, r.Name+" is not in "+file)
		case OnlyInCommand:
			parts = append(parts, r.Name+" comes from a [[commands]] entry (edit that entry to remove it)")
		default:
			parts = append(parts, r.Name+": "+r.Status.String())
		}
	}
	return strings.Join(parts, "; ") + "; nothing changed"
}

// EditOptions is one edit of the package list.
type EditOptions struct {
	Kind   EditKind
	Names  []string
	DryRun bool // work out the result and the new bytes, write nothing
	// Aliases, when set, lists every name of a package: an add finds
	// pythonPackages.black present as python313Packages.black (see
	// tomledit.AddAliased), and a removal of a name the file lacks removes
	// the name of its package that the file has (EditResult.AsWritten).
	Aliases func(name string) []string
}

// Edit adds or removes o.Names in the project's devshell TOML, format
// preserving, written atomically (see atomicfile.UpdateContext: other devsh
// processes wait for the edit lock, an edit made by someone else meanwhile
// is kept and the operation applied on top). With o.DryRun nothing is
// written. Invalid names, invalid TOML and, for a removal, names that are
// not in a packages list are refused before anything is written. When ctx
// ends before the rename (Ctrl-C during a long edit), nothing is written.
func (p *Project) Edit(ctx context.Context, o EditOptions) (EditResult, error) {
	if err := tomledit.ValidNames(o.Names); err != nil {
		return EditResult{}, err
	}
	var results []Result            // of the last apply
	var asWritten map[string]string // of the last apply
	apply := func(old []byte, exists bool) ([]byte, error) {
		results, asWritten = nil, nil
		if !exists {
			return nil, p.errNoManifest()
		}
		var (
			out []byte
			err error
		)
		if o.Kind == EditAdd {
			out, results, err = tomledit.AddAliased(p.TOMLPath, old, o.Names, o.Aliases)
		} else {
			names := o.Names
			if o.Aliases != nil {
				names, asWritten = removeAsWritten(p.TOMLPath, old, o.Names, o.Aliases)
			}
			out, results, err = tomledit.Remove(p.TOMLPath, old, names)
		}
		if err != nil {
			return nil, err
		}
		var refused []Result
		for _, r := range results {
			if r.Status == NotPresent || r.Status == OnlyInCommand {
				refused = append(refused, r)
			}
		}
		if len(refused) > 0 {
			return nil, &RefusedError{File: filepath.Base(p.TOMLPath), Results: refused}
		}
		return out, nil
	}

	var before, after []byte
	var err error
	if o.DryRun {
		var exists bool
		if before, exists, err = atomicfile.ReadFile(p.TOMLPath); err != nil {
			return EditResult{}, fmt.Errorf("read %s: %w", p.TOMLPath, err)
		}
		after, err = apply(before, exists)
	} else {
		before, after, err = atomicfile.UpdateContext(ctx, p.TOMLPath, apply)
	}
	if err != nil {
		if ctx.Err() != nil {
			// op may still be running in UpdateContext's abandoned
			// goroutine: its results are not read.
			return EditResult{}, err
		}
		return EditResult{Results: results}, err
	}
	return EditResult{Results: results, Before: before, After: after, AsWritten: asWritten}, nil
}

// removeAsWritten maps each of names that data's packages lists lack to
// the first other name of its package (aliases) that they have, and drops
// the names that then repeat: what a removal removes, read from the bytes
// it edits. Bytes that do not parse are left to Remove to report.
func removeAsWritten(path string, data []byte, names []string, aliases func(string) []string) ([]string, map[string]string) {
	m, err := tomledit.Parse(path, data)
	if err != nil {
		return names, nil
	}
	have := map[string]bool{}
	for _, e := range m.Packages() {
		have[e.Attr] = true
	}
	var out []string
	var as map[string]string
	for _, n := range names {
		if !have[n] {
			for _, a := range aliases(n) {
				if a != n && have[a] {
					if as == nil {
						as = map[string]string{}
					}
					as[n] = a
					n = a
					break
				}
			}
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, as
}

// errNoManifest reports that the project's devshell TOML does not exist.
func (p *Project) errNoManifest() error {
	return fmt.Errorf("%s: %w (devsh init creates one)", p.TOMLPath, ErrNoManifest)
}

// Installed is one package the shell gets from devshell.toml.
type Installed struct {
	Attr string
	// FromCommand is set when only a [[commands]] entry brings it in (no
	// packages list names it).
	FromCommand bool
}

// Installed reads the project's devshell TOML and returns the packages the
// shell gets: the packages lists' entries in file order, then those only
// [[commands]] entries bring in, each name once.
func (p *Project) Installed() ([]Installed, error) {
	m, err := p.ReadManifest()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Installed
	for _, e := range m.Packages() {
		if !seen[e.Attr] {
			seen[e.Attr] = true
			out = append(out, Installed{Attr: e.Attr})
		}
	}
	for _, c := range m.CommandPackages() {
		if !seen[c] {
			seen[c] = true
			out = append(out, Installed{Attr: c, FromCommand: true})
		}
	}
	return out, nil
}

// ReadManifest reads and parses the project's devshell TOML. A packages key
// that is not a list is an error naming its line (see Manifest.ShapeError).
func (p *Project) ReadManifest() (*Manifest, error) {
	data, exists, err := atomicfile.ReadFile(p.TOMLPath)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p.TOMLPath, err)
	}
	if !exists {
		return nil, p.errNoManifest()
	}
	m, err := tomledit.Parse(p.TOMLPath, data)
	if err != nil {
		return nil, err
	}
	if err := m.ShapeError(p.TOMLPath); err != nil {
		return nil, err
	}
	return m, nil
}

// SyncOptions configure Sync.
type SyncOptions struct {
	Direnv Direnv
	// TOMLChanged asks for a `direnv reload` when the .envrc itself did not
	// change (direnv notices a changed .envrc on its own).
	TOMLChanged bool
}

// SyncReport is what Sync did, for the user.
type SyncReport struct {
	Watched   []string // the files the .envrc must watch, relative to it
	Added     []string // watches added by this sync
	Created   bool     // a new .envrc was written
	Reallowed bool     // the edited .envrc was approved before and was re-allowed
	Reloaded  bool     // `direnv reload` ran
	Notes     []string // one-line messages: skipped steps, next steps
}

// Sync makes the project's .envrc watch every file the shell is built from
// and then lets direnv pick the change up, never approving an .envrc the user
// had not approved (see Direnv.SafeEnvrcUpdate). Without direnv the .envrc is
// still synced and a note says direnv was skipped.
func (p *Project) Sync(ctx context.Context, o SyncOptions) (SyncReport, error) {
	var rep SyncReport
	envrcDir := filepath.Dir(p.EnvrcPath)
	files, err := watchFiles(p.TOMLPath, envrcDir)
	if err != nil {
		return rep, err
	}
	rep.Watched = files

	_, statErr := os.Lstat(p.EnvrcPath)
	if errors.Is(statErr, os.ErrNotExist) {
		if !p.IsFlake {
			rep.Notes = append(rep.Notes, "no .envrc and no flake.nix: .envrc left alone")
			return rep, nil
		}
		_, _, err := atomicfile.UpdateContext(ctx, p.EnvrcPath, func(old []byte, exists bool) ([]byte, error) {
			if exists { // created meanwhile: sync it like any other
				out, _, err := envrc.Sync(old, files)
				return out, err
			}
			return envrc.New(files), nil
		})
		if err != nil {
			return rep, err
		}
		rep.Created = true
		rep.Added = files
		rep.Notes = append(rep.Notes, "approve it with: direnv allow "+envrc.Quote(relOrAbs(p.EnvrcPath)))
		return rep, nil
	} else if statErr != nil {
		return rep, fmt.Errorf("sync .envrc: %w", statErr)
	}

	var added []string
	op := func(old []byte, exists bool) ([]byte, error) {
		if !exists {
			return nil, nil // removed meanwhile: leave it removed
		}
		out, a, err := envrc.Sync(old, files)
		added = a
		return out, err
	}

	useJSON, err := o.Direnv.direnvStatusJSON(ctx)
	if err != nil {
		// Without direnv nobody can approve or load the file, so editing it
		// cannot revoke anything.
		before, after, err := atomicfile.UpdateContext(ctx, p.EnvrcPath, op)
		if err != nil {
			return rep, err
		}
		if string(before) != string(after) {
			rep.Added = added
		}
		rep.Notes = append(rep.Notes, "direnv not found: skipped direnv allow/reload")
		return rep, nil
	}

	// One `direnv version` serves the whole sync: the update's status read
	// tells whether the file is allowed afterwards, so no second status is run
	// before the reload.
	up, err := o.Direnv.direnvSafeUpdate(ctx, p.EnvrcPath, op, useJSON)
	if err != nil {
		return rep, err
	}
	if up.Changed {
		rep.Added = added
	}
	rep.Reallowed = up.Reallowed
	if up.Note != "" {
		rep.Notes = append(rep.Notes, up.Note)
	} else if up.Changed && !up.Allowed {
		rep.Notes = append(rep.Notes, ".envrc changed and was not approved before; review it, then run: direnv allow")
	}
	if !up.Changed && o.TOMLChanged {
		// Reload only an approved .envrc: direnv will not load any other,
		// and "reloaded" would be a false promise.
		if up.Allowed {
			if err := o.Direnv.Reload(ctx, p.Root); err != nil {
				return rep, err
			}
			rep.Reloaded = true
		} else {
			rep.Notes = append(rep.Notes, ".envrc is not allowed, so direnv was not reloaded (review it, then run: direnv allow)")
		}
	}
	return rep, nil
}

// relOrAbs shows path relative to the working directory when it is below it.
func relOrAbs(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, ok := RelBelow(wd, path); ok {
		return rel
	}
	return path
}

// RelBelow returns path relative to base when it is base or below it (a
// name such as "..x" below base counts as below).
func RelBelow(base, path string) (string, bool) {
	rel, err := filepath.Rel(base, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}
