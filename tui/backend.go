package tui

import (
	"context"
	"errors"

	"github.com/devsh/devsh/nixsearch"
)

// Backend is what the TUI needs from the project and the index. All methods
// may block; the model calls them only inside tea.Cmds, never in Update or
// View. Calls that write (Toggle, Sync) are never concurrent with each other:
// the model runs them one at a time, in the order the user asked for them.
type Backend interface {
	// Project describes the project for the header. It is called in the
	// first load's tea.Cmd, before the first frame when that is quick, so it
	// must not run nix or git: finding the nixpkgs is Resolve's job, the
	// git checks are Warning's.
	Project() ProjectInfo
	// Resolve finds the nixpkgs the project searches (reading flake.lock, or
	// asking nix for the registry's or an override's) and returns its label
	// for the header, e.g. "nixpkgs 870493f · 2025-10-11". Its error is one
	// line with the fix. The TUI calls it after the first frame, once.
	Resolve(ctx context.Context) (string, error)
	// Warning returns a remark about the project for the status line, e.g.
	// that git does not track devshell.toml so the flake cannot see it; ""
	// when there is none. It may run git; the TUI calls it after the first
	// frame, once.
	Warning(ctx context.Context) string
	// Packages lists the devshell.toml packages in file order.
	Packages(ctx context.Context) ([]Installed, error)
	// Add adds attr and writes the file at once; it creates devshell.toml
	// when there is none.
	Add(ctx context.Context, attr string) (Change, error)
	// Remove removes attr and writes the file at once.
	Remove(ctx context.Context, attr string) (Change, error)
	// Undo reverts c, the last change. When the file still has
	// c.Bytes.After, it gets c.Bytes.Before back, byte for byte (comments,
	// position, an empty list the add created), and the answer has Exact
	// set; when c created the file, it is deleted again, and the answer
	// also has FileGone set. When the file changed meanwhile, the inverse
	// edit is applied to what is there now.
	Undo(ctx context.Context, c Change) (Change, error)
	// Sync brings .envrc watches in line and reloads direnv; it returns a
	// one-line summary of what it did.
	Sync(ctx context.Context) (string, error)
	// OpenIndex opens the cached index, if any. A missing cache is not an
	// error: it is reported as IndexInfo.Missing.
	OpenIndex(ctx context.Context) (IndexInfo, error)
	// BuildIndex evaluates nixpkgs and replaces the index; progress is called
	// with the build's progress, from any goroutine, and never after
	// BuildIndex returns. While it runs, Search may already answer from
	// the part built so far (BuildProgress.Indexed > 0).
	BuildIndex(ctx context.Context, progress func(BuildProgress)) (IndexInfo, error)
	// Search returns the best limit matches for query, best first, and the
	// number of all matches. An empty query matches every package; its rows
	// are the first limit packages in index order.
	Search(ctx context.Context, query string, limit int) (Results, error)
	// SearchDescriptions is Search over the descriptions (and names): the
	// description mode the user toggles.
	SearchDescriptions(ctx context.Context, query string, limit int) (Results, error)
	// Meta fetches the details the index does not keep.
	Meta(ctx context.Context, attr string) (Meta, error)
	// Twins returns the other names of the derivations of names (the
	// devshell.toml packages), both ways: python3's entry lists python313
	// where that is the same derivation, and python313's lists python3. A
	// row under any of them then shows installed. It may run nix; the TUI
	// calls it whenever the packages are read with an index open.
	Twins(ctx context.Context, names []string) (map[string][]string, error)
}

// ErrNixMissing is the error (matched with errors.Is) a Backend returns from
// OpenIndex, BuildIndex, Search or Meta when nix is not installed. The TUI
// then says so and keeps the packages panel usable.
var ErrNixMissing = errors.New("nix is not installed")

// ErrNoTOML is the error (matched with errors.Is) a Backend returns from
// Packages when the project has no devshell.toml yet; the first add
// creates it.
var ErrNoTOML = errors.New("no devshell.toml")

// ProjectInfo describes the project in the header.
type ProjectInfo struct {
	// Dir is the project directory in display form, e.g. "~/src/flynix".
	Dir string
	// Source names the nixpkgs searched, e.g. "nixpkgs 870493f · 2025-10-11";
	// the TUI fills it from Resolve.
	Source string
	// TOMLName is the devshell.toml file name shown on the panel, e.g.
	// "devshell.toml".
	TOMLName string
}

// Installed is one package of devshell.toml.
type Installed struct {
	// Attr is the package string as written in the file.
	Attr string
	// FromCommand is true when the package is only brought in by a
	// [[commands]] entry; the TUI does not remove those.
	FromCommand bool
	// Version and Description are the index's, "" when the index does not
	// have the package (or is not open yet).
	Version     string
	Description string
}

// Change is one edit of devshell.toml.
type Change struct {
	Attr string
	// Added is true for an add, false for a remove.
	Added bool
	// Unchanged is true when the file already had the requested state and
	// nothing was written; such a change is not listed or undone.
	Unchanged bool
	// Note is an optional remark, e.g. "also provided by [[commands]]".
	Note string
	// Bytes, when set, holds the file's bytes around the write, for Undo.
	Bytes *FileBytes
	// Exact is set on an undo's answer when it restored the bytes from
	// before the undone change.
	Exact bool
	// FileGone is set on an exact undo's answer when it deleted the
	// devshell.toml that the undone add had created.
	FileGone bool
}

// FileBytes is devshell.toml's content before and after a write.
type FileBytes struct {
	Before, After []byte
	// Created is true when the write created the file (Before is then
	// nil): undoing it deletes the file while it still holds After.
	Created bool
}

// String renders the change as one line, e.g. "+ cargo-edit added".
func (c Change) String() string {
	var s string
	switch {
	case c.Unchanged && c.Added:
		s = "= " + c.Attr + " already in devshell.toml"
	case c.Unchanged:
		s = "= " + c.Attr + " not in devshell.toml"
	case c.Added:
		s = "+ " + c.Attr + " added"
	default:
		s = "- " + c.Attr + " removed"
	}
	if c.Note != "" {
		s += " (" + c.Note + ")"
	}
	return s
}

// IndexInfo describes the package index.
type IndexInfo struct {
	// Count is the number of packages in the index.
	Count int
	// Stale is true when the index was built for another nixpkgs than the
	// project's; it is still searchable.
	Stale bool
	// Missing is true when there is no index at all.
	Missing bool
}

// BuildProgress is the state of an index build.
type BuildProgress struct {
	// Evaluated is the number of attributes nix has evaluated so far.
	Evaluated int
	// Indexed is the number of packages Search already answers from while
	// the rest is built; 0 when it answers from no index or from the
	// complete (maybe stale) one it had.
	Indexed int
	// Expected estimates the final package count (0: unknown).
	Expected int
}

// Results is the answer to one search.
type Results struct {
	Query string
	// Total is the number of all matches; Rows holds at most limit of them.
	Total int
	Rows  []Row
}

// Row is one search result.
type Row struct {
	Pkg nixsearch.Package
	// Positions are the byte offsets in Pkg.Attr of the matched characters,
	// ascending.
	Positions []int
	// Why says why the row matched when not by its name ("rg" for
	// ripgrep), shown beside the name.
	Why string
	// Also lists the package's other names (the same package under an
	// alias set, or the set it aliases): installed under any of them, it is
	// installed.
	Also []string
}

// Meta is what the detail area fetches lazily for one package.
type Meta struct {
	Homepage    string
	License     string
	MainProgram string
	// Unfree, Broken, Insecure and Unavailable (not available on this
	// system) are warnings, shown first.
	Unfree, Broken, Insecure, Unavailable bool
}
