package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/tui"
)

// untrackedWarning is the one-line warning for a flake project whose
// devshell.toml (or flake.nix, or an imported file) git does not track, so
// that the flake cannot see it; "" when there is nothing to warn about. A
// failing git check is no reason to stop an edit: it gives "" too.
func untrackedWarning(ctx context.Context, proj *devshell.Project) string {
	files, err := proj.UntrackedFiles(ctx, nil)
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
	if w := untrackedWarning(ctx, proj); w != "" {
		fmt.Fprintln(g.IO.ErrOut, w)
	}
}

// untrackedNotePrefix starts the note the TUI's first saved edit carries
// when git does not track a file of the flake; the status line shows it.
const untrackedNotePrefix = "not tracked by git, the flake cannot see "

// untrackedNote adds, to the first saved edit of a TUI session only, a note
// naming the files of the flake git does not track, with the git command.
func (b *tuiBackend) untrackedNote(ctx context.Context, c tui.Change) tui.Change {
	b.untrackedOnce.Do(func() {
		files, err := b.proj.UntrackedFiles(ctx, nil)
		if err != nil || len(files) == 0 {
			return
		}
		var names []string
		for _, f := range files {
			names = append(names, relName(b.proj.Root, f))
		}
		note := untrackedNotePrefix + strings.Join(names, " ") + "; run: " + devshell.GitAddCommand(files)
		if c.Note != "" {
			note = c.Note + "; " + note
		}
		c.Note = note
	})
	return c
}

// untrackedStripNote removes untrackedNote's note from a change, for the
// list of changes printed on stdout after the TUI (the warning goes to
// stderr there).
func untrackedStripNote(c tui.Change) tui.Change {
	if i := strings.Index(c.Note, untrackedNotePrefix); i >= 0 {
		c.Note = strings.TrimSuffix(c.Note[:i], "; ")
	}
	return c
}
