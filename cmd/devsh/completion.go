package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/devsh/devsh/internal/termtext"
	"github.com/devsh/devsh/nixsearch"
	"github.com/spf13/cobra"
)

// completionLimit bounds the package names one completion offers: a shell
// shows a few screens at most, and printing 130k names would take longer
// than the keystroke should.
const completionLimit = 200

// completionDescWidth bounds the description shown next to a name (zsh and
// fish show them), so that one long description does not wrap the menu.
const completionDescWidth = 60

func newCompletionCmd(g *GlobalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script",
		Long: `Print the completion script for bash, zsh or fish. Package names complete from the
cached index of the project's nixpkgs (devsh add carg<TAB> offers cargo-edit, …)
without running nix; remove completes the packages in devshell.toml.

  bash:  source <(devsh completion bash)        # in ~/.bashrc (needs bash-completion)
  zsh:   source <(devsh completion zsh)         # in ~/.zshrc, after compinit
  fish:  devsh completion fish | source         # in ~/.config/fish/config.fish`,
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || !slices.Contains(cmd.ValidArgs, args[0]) {
				return &ExitError{Code: exitUsage, Help: cmd.CommandPath(),
					Err: fmt.Errorf("name one shell: bash, zsh or fish, e.g. devsh completion bash (got %q)", strings.Join(args, " "))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), g.IO.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			default:
				return root.GenFishCompletion(out, true)
			}
		},
	}
}

// completeAdd completes package names for `devsh add` from the cached index
// of the project's nixpkgs (see completionNames). Names already on the
// command line are left out.
func completeAdd(g *GlobalOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ix := completionIndex(cmd.Context(), g)
		if ix == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completionNames(ix, toComplete, args, completionLimit)
	}
}

// completeRemove completes the packages of devshell.toml for `devsh remove`.
func completeRemove(g *GlobalOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		proj, err := g.project()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		pkgs, err := proj.Installed()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, p := range pkgs {
			// A [[commands]] package is not removed by remove: not offered;
			// nor is a name the shell would print with escapes in it.
			if !p.FromCommand && completionPrintable(p.Attr) && strings.HasPrefix(p.Attr, toComplete) && !slices.Contains(args, p.Attr) {
				out = append(out, p.Attr)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completionPrintable reports whether name can be offered as a completion:
// the shell prints candidates as they are, so a name that termtext would
// change (an escape sequence, a control or bidi character, a line break)
// would reach the terminal raw. Such a name is left out rather than
// cleaned: a cleaned name is not the package's, and completing it would
// insert a name that add or remove does not know.
func completionPrintable(name string) bool {
	return name != "" && termtext.Line(name) == name
}

// completionIndex loads the cached index for the project's nixpkgs without
// running nix; when that nixpkgs cannot be told or has no index, the index
// this project searched last (a stale one beats none for completion). nil
// when there is none.
func completionIndex(ctx context.Context, g *GlobalOptions) *nixsearch.Index {
	if ctx == nil {
		ctx = context.Background()
	}
	proj, err := g.project()
	if err != nil {
		return nil
	}
	src, err := g.resolveSource(ctx, g.noNix(), proj) // completion must answer within a keystroke
	if err != nil {
		src = nixsearch.Source{} // the index searched before, if any
	}
	opened, err := g.store().Open(src, proj.Root)
	if err != nil {
		return nil
	}
	return opened.Index
}

// completionNames returns the names of ix that start with prefix
// (case-sensitive, as shells complete), best first as `devsh search prefix`
// ranks them, at most limit; an empty prefix lists attribute order. A
// nested attribute is offered up to its next '.' only ("python3Packages."),
// so a package set is one entry (ranked as its best member) and its members
// follow once it is typed; then the directive asks the shell not to add a
// space. Alias sets ("python3Packages." where nix search lists only
// python313Packages) complete like the sets they alias. Names in skip (on
// the command line already) and names that are not printable as they are
// (completionPrintable) are left out.
func completionNames(ix *nixsearch.Index, prefix string, skip []string, limit int) ([]cobra.Completion, cobra.ShellCompDirective) {
	directive := cobra.ShellCompDirectiveNoFileComp
	var out []cobra.Completion
	seen := map[string]bool{}
	offer := func(name, desc string) {
		if dot := strings.IndexByte(name[len(prefix):], '.'); dot >= 0 {
			name = name[:len(prefix)+dot+1]
			desc = "package set"
		}
		if seen[name] || slices.Contains(skip, name) || !completionPrintable(name) {
			return
		}
		seen[name] = true
		if strings.HasSuffix(name, ".") {
			directive |= cobra.ShellCompDirectiveNoSpace
		}
		out = append(out, cobra.CompletionWithDesc(name, desc))
	}
	if prefix == "" {
		for i := 0; i < ix.Len() && len(out) < limit; i++ {
			p := ix.At(i)
			offer(p.Attr, completionDesc(p))
		}
		return out, directive
	}
	res, err := nixsearch.NewMatcher(ix, 0).Search(context.Background(), nixsearch.Query{Text: prefix}, 0)
	if err != nil {
		return nil, directive
	}
	for _, mt := range res.Matches {
		if len(out) >= limit {
			break
		}
		if strings.HasPrefix(mt.Name, prefix) {
			offer(mt.Name, completionDesc(ix.At(mt.Index)))
		}
	}
	if !strings.Contains(prefix, ".") {
		for _, a := range slices.Sorted(maps.Keys(ix.AliasSets())) {
			if len(out) < limit && strings.HasPrefix(a, prefix) {
				offer(a+".", "")
			}
		}
	}
	return out, directive
}

// completionDesc is a package's description for the completion menu: one
// line of plain text, cut to completionDescWidth.
func completionDesc(p nixsearch.Package) string {
	d := strings.Join(strings.Fields(nixsearch.SanitizeText(p.Description)), " ")
	if d == "" {
		d = p.Version
	}
	if utf8.RuneCountInString(d) > completionDescWidth {
		d = string([]rune(d)[:completionDescWidth-1]) + "…"
	}
	return d
}
