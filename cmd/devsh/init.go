package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/devshell/envrc"
	"github.com/spf13/cobra"
)

// InitOptions are the options of `devsh init`.
type InitOptions struct {
	G *GlobalOptions
}

func newInitCmd(g *GlobalOptions) *cobra.Command {
	o := &InitOptions{G: g}
	return &cobra.Command{
		Use:   "init",
		Short: "Create flake.nix, devshell.toml, .envrc and .gitignore where missing",
		Long: `Set up a numtide/devshell project in the current directory (or -C DIR): a flake.nix
whose default dev shell is built from devshell.toml, a devshell.toml named after
the directory with no packages yet, an .envrc that watches devshell.toml before
'use flake', and .direnv in .gitignore. Existing files are never overwritten.
In a git repository the new files are staged with 'git add --intent-to-add', so
the flake can see them. direnv allow is left to you.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInit(cmd.Context(), o)
		},
		ValidArgsFunction: cobra.NoFileCompletions,
	}
}

func runInit(ctx context.Context, o *InitOptions) error {
	if o.G.File != "" {
		return usageError("init always creates devshell.toml (the name flake.nix imports); --file does not apply")
	}
	dir, err := o.G.workDir()
	if err != nil {
		return err
	}
	rep, err := devshell.Init(ctx, dir, o.G.Runner)
	// Report what was written even when staging failed afterwards.
	initReport(o.G.IO, rep)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	initNextSteps(o.G, rep)
	return nil
}

// initReport prints one line per file on stdout and the remarks on stderr.
func initReport(ios *IOStreams, rep devshell.InitReport) {
	for _, f := range rep.Created {
		fmt.Fprintln(ios.Out, "created "+f)
	}
	if rep.GitignoreAppended {
		fmt.Fprintln(ios.Out, "added .direnv to .gitignore")
	}
	for _, f := range rep.Kept {
		fmt.Fprintln(ios.Out, "kept "+f+" (already there)")
	}
	if added := append(slices.Clone(rep.Staged), rep.StagedKept...); len(added) > 0 {
		fmt.Fprintln(ios.Out, "added to git with --intent-to-add: "+strings.Join(added, " "))
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(ios.ErrOut, n)
	}
	if len(rep.Staged)+len(rep.StagedKept) > 0 {
		fmt.Fprintln(ios.ErrOut, initIntentToAddNote)
	}
}

// initIntentToAddNote explains, once, why git status shows the files init
// added as not staged: intent-to-add records a path without its content.
const initIntentToAddNote = `git status lists them as new files "not staged for commit": that is --intent-to-add, which is enough for the flake to see them; git add them when you commit`

// initNextSteps tells what is left to do: git when the flake cannot see its
// files, then direnv allow (printed, never run: approving is the user's
// decision).
func initNextSteps(g *GlobalOptions, rep devshell.InitReport) {
	w := g.IO.ErrOut
	switch {
	case rep.GitMissing:
		fmt.Fprintln(w, "git not found: install it; a flake in a git repository sees only the files git tracks")
	case rep.GitRoot == "":
		fmt.Fprintln(w, "not a git repository: a flake belongs in one (nix then copies only the files git tracks, and flake.lock gets committed); run: "+
			initCd(g)+"git init && git add --intent-to-add "+strings.Join(initFiles(), " "))
	}
	if len(rep.Ignored) > 0 {
		fmt.Fprintln(w, "not staged, git ignores them: "+strings.Join(rep.Ignored, " "))
	}
	if len(rep.Untracked) > 0 {
		var paths []string
		for _, f := range rep.Untracked {
			paths = append(paths, filepath.Join(rep.Dir, f))
		}
		fmt.Fprintln(w, "the flake cannot see files git does not track; run: "+devshell.GitAddCommand(paths))
	}
	cd := initCd(g)
	if err := g.direnv().Available(); err != nil {
		fmt.Fprintln(w, "next: "+cd+"nix develop   (direnv is not installed; with it the shell loads when you cd in)")
		return
	}
	fmt.Fprintln(w, "next: "+cd+"direnv allow   (review .envrc first; the first load downloads nixpkgs)")
}

// initCd is "cd DIR && " when -C names another directory, else "".
func initCd(g *GlobalOptions) string {
	if g.Dir == "" {
		return ""
	}
	return "cd " + envrc.Quote(g.Dir) + " && "
}

// initFiles are the files a new project adds to git.
func initFiles() []string {
	return []string{devshell.ScaffoldFlakeName, devshell.ScaffoldTOMLName, devshell.ScaffoldEnvrcName, devshell.ScaffoldGitignoreName}
}
