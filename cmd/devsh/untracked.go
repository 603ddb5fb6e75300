package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/termtext"
)

// untrackedWarning is the one-line warning for a flake project whose
// devshell.toml (or flake.nix, or an imported file) git does not track, so
// that the flake cannot see it; "" when there is nothing to warn about. A
// failing git check is no reason to stop an edit: it gives "" too.
func untrackedWarning(ctx context.Context, g *GlobalOptions, proj *devshell.Project) string {
	files, err := proj.UntrackedFiles(ctx, g.Runner)
	if err != nil || len(files) == 0 {
		return ""
	}
	var names []string
	for _, f := range files {
		names = append(names, relName(proj.Root, f))
	}
	them := "it"
	if len(names) > 1 {
		them = "them"
	}
	return fmt.Sprintf("warning: git does not track %s, so the flake cannot see %s; run: %s",
		strings.Join(names, " "), them, devshell.GitAddCommand(files))
}

// warnUntracked prints untrackedWarning on stderr; callers run it once per
// command.
func warnUntracked(ctx context.Context, g *GlobalOptions, proj *devshell.Project) {
	if w := untrackedWarning(ctx, g, proj); w != "" {
		fmt.Fprintln(g.IO.ErrOut, termtext.Line(w))
	}
}
