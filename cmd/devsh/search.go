package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/devsh/devsh/nixsearch"
	"github.com/spf13/cobra"
)

// SearchOptions are the options of `devsh search`.
type SearchOptions struct {
	G            *GlobalOptions
	Words        []string
	JSON         bool
	Limit        int
	Descriptions bool
}

// searchItem is one element of `devsh search --json`.
type searchItem struct {
	// Attr is the name to add: the package's attribute path, or the path
	// under the alias set the query named ("python3Packages.requests").
	Attr        string `json:"attr"`
	Pname       string `json:"pname"`
	Version     string `json:"version"`
	Description string `json:"description"`
	Installed   bool   `json:"installed"`
	// The package's meta, from the index ("" and false when the index
	// holds none; see `devsh index`).
	MainProgram string `json:"mainProgram"`
	License     string `json:"license"`
	Homepage    string `json:"homepage"`
	Unfree      bool   `json:"unfree"`
	Broken      bool   `json:"broken"`
	Insecure    bool   `json:"insecure"`
	Unavailable bool   `json:"unavailable"`
	// Why says why a row matched when not by its name: the main program
	// the query named ("rg" for ripgrep), "newer: 3.13.7" when a
	// version query's exact version does not exist, or "case ignored" for
	// a cased word's near miss (nixsearch.WhyCaseIgnored). Left out
	// otherwise.
	Why string `json:"why,omitempty"`
}

// defaultSearchLimit is a screenful of results.
const defaultSearchLimit = 30

func newSearchCmd(g *GlobalOptions) *cobra.Command {
	o := &SearchOptions{G: g}
	cmd := &cobra.Command{
		Use:   "search QUERY...",
		Short: "Fuzzy-search the project's nixpkgs",
		Long: `Fuzzy-search the attribute paths of the project's nixpkgs, best match first:
the exact name, then the package whose command it is (rg finds ripgrep), then the
name in a package set, then prefixes, near misses (kubeclt) and fuzzy matches.
A last word that is a version picks that version (python 3.12, nodejs@20).
Several words must all match. A word with an upper-case letter matches case for
case; only the near misses shown when nothing matches well ignore case, marked
"case ignored" (Cargo finds cargo). The index is built once per nixpkgs (one nix
search) and answered from the cache afterwards.`,
		Args: needArgs("give a search query, e.g. devsh search cargo"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Words = args
			return runSearch(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, `print a JSON array of {"attr","pname","version","description","installed","mainProgram","license","homepage","unfree","broken","insecure","unavailable"[,"why"]}`)
	cmd.Flags().IntVar(&o.Limit, "limit", defaultSearchLimit, "show at most `N` results (0: all)")
	cmd.Flags().BoolVarP(&o.Descriptions, "description", "d", false, "search descriptions (words) instead of names")
	return cmd
}

func runSearch(ctx context.Context, o *SearchOptions) error {
	if o.Limit < 0 {
		return &ExitError{Code: exitUsage, Help: "devsh search", Err: fmt.Errorf("--limit wants 0 (all) or more, got %d", o.Limit)}
	}
	proj, err := o.G.project()
	if err != nil {
		return err
	}
	ix, _, src, err := openIndex(ctx, o.G, proj, false)
	if err != nil {
		return err
	}
	limit := o.Limit
	if limit == 0 {
		limit = ix.Len()
	}
	m := nixsearch.NewMatcher(ix, 0)
	res, err := m.Search(ctx, nixsearch.Query{Text: strings.Join(o.Words, " "), Descriptions: o.Descriptions}, limit)
	if err != nil {
		return err
	}
	// A name under an alias set is the same package as its target, and
	// python313 may be python3: installed either way marks both.
	installed := map[string]bool{}
	inst := installedSet(proj)
	for a := range inst {
		installed[ix.Canonical(a)] = true
	}
	if err := markTwins(ctx, o.G, src, ix, res.Matches, inst, installed); err != nil {
		return err
	}
	items := make([]searchItem, 0, len(res.Matches))
	for _, mt := range res.Matches {
		p := ix.At(mt.Index)
		items = append(items, searchItem{
			Attr: mt.Name, Pname: p.Pname, Version: p.Version,
			Description: nixsearch.SanitizeText(p.Description),
			Installed:   installed[ix.Canonical(mt.Name)],
			Why:         nixsearch.SanitizeText(mt.Why),
			MainProgram: p.MainProgram, License: p.License, Homepage: p.Homepage,
			Unfree: p.Unfree, Broken: p.Broken, Insecure: p.Insecure, Unavailable: p.Unavailable,
		})
	}
	if o.JSON {
		enc := json.NewEncoder(o.G.IO.Out)
		enc.SetEscapeHTML(false)
		return enc.Encode(items)
	}
	if len(items) == 0 {
		fmt.Fprintf(o.G.IO.ErrOut, "no package matches %q\n", strings.Join(o.Words, " "))
		return nil
	}
	// Names, versions and descriptions come from nixpkgs, a fork of which
	// can hold any bytes: the text output shows them sanitised (JSON
	// escapes control characters itself).
	for i := range items {
		items[i].Attr, items[i].Version = termtext.Line(items[i].Attr), termtext.Line(items[i].Version)
	}
	printSearch(o.G.IO, items, res.Total)
	return nil
}

// installedSet is the packages of devshell.toml (none when it is missing or
// invalid: search still works outside a project).
func installedSet(proj *devshell.Project) map[string]bool {
	set := map[string]bool{}
	pkgs, err := proj.Installed()
	if err != nil {
		return set
	}
	for _, p := range pkgs {
		set[p.Attr] = true
	}
	return set
}

// searchPadRows is how many rows the name and version columns are aligned
// over: a screenful. With --limit 0 the columns are not padded to the longest
// name of all (which can be 80 characters); a longer name further down just
// pushes its own row's version right.
const searchPadRows = defaultSearchLimit

// searchFallbackWidth is the width of a terminal that does not say (80
// columns, the VT100's).
const searchFallbackWidth = 80

// printSearch prints one row per package: mark, name, version, description.
// On a terminal each row is cut to its width, description first (the names
// and versions come first in the row); piped, rows are whole.
func printSearch(ios *IOStreams, items []searchItem, total int) {
	aw, vw := 0, 0
	for _, it := range items[:min(len(items), searchPadRows)] {
		aw = max(aw, utf8.RuneCountInString(searchName(it)))
		vw = max(vw, utf8.RuneCountInString(it.Version))
	}
	width := 0
	if ios.OutTTY {
		width = ios.OutWidth
		if width <= 0 {
			width = searchFallbackWidth
		}
	}
	for _, it := range items {
		mark := " "
		if it.Installed {
			mark = "✓"
		}
		line := fmt.Sprintf("%s %-*s  %-*s  %s", mark, aw, searchName(it), vw, it.Version, it.Description)
		line = strings.TrimRight(line, " ")
		if width > 0 {
			line = cutToWidth(line, width)
		}
		fmt.Fprintln(ios.Out, line)
	}
	if total > len(items) {
		fmt.Fprintf(ios.ErrOut, "%d of %d matches shown (--limit)\n", len(items), total)
	}
}

// searchName is a row's name column: the name, and why it matched when
// not by name ("ripgrep · rg").
func searchName(it searchItem) string {
	if it.Why == "" {
		return it.Attr
	}
	return it.Attr + " · " + it.Why
}

// cutToWidth cuts s to at most width terminal columns, ending in "…" when
// it cut (wide characters count two columns).
func cutToWidth(s string, width int) string {
	if lipgloss.Width(s) <= width {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		w := lipgloss.Width(string(r))
		if used+w > width-1 {
			break
		}
		b.WriteRune(r)
		used += w
	}
	return strings.TrimRight(b.String(), " ") + "…"
}
