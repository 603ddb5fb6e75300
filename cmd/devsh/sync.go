package main

import (
	"fmt"
	"strings"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/spf13/cobra"
)

// SyncOptions are the options of `devsh sync`.
type SyncOptions struct {
	G *GlobalOptions
}

func newSyncCmd(g *GlobalOptions) *cobra.Command {
	o := &SyncOptions{G: g}
	return &cobra.Command{
		Use:   "sync",
		Short: "Make .envrc watch every file the shell is built from, and reload direnv",
		Long: `Add watch_file lines to .envrc for devshell.toml and every local file it imports
(before 'use flake', where nix-direnv honours them), re-allow the .envrc only if it
was allowed before, and reload direnv.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.G.NoDirenv {
				return usageError("sync --no-direnv has nothing to do")
			}
			proj, err := o.G.project()
			if err != nil {
				return err
			}
			if proj.TOMLOutside() {
				fmt.Fprintln(o.G.IO.ErrOut, outsideNote(proj))
				return nil
			}
			warnUntracked(cmd.Context(), o.G, proj)
			return syncProject(cmd.Context(), o.G, proj, true)
		},
	}
}

// syncSummary is what rep says to the user, one message per step: the
// .envrc created or the watches added, the reload, then devshell's notes;
// none when the sync changed nothing. short is for the TUI's status line:
// it leaves out what a created .envrc watches and why it was re-allowed.
func syncSummary(rep devshell.SyncReport, short bool) []string {
	var msgs []string
	switch {
	case rep.Created && short:
		msgs = append(msgs, "created .envrc") // a note says how to approve it
	case rep.Created:
		msgs = append(msgs, "created .envrc watching "+strings.Join(rep.Added, " "))
	case len(rep.Added) > 0:
		s := ".envrc now watches " + strings.Join(rep.Added, " ")
		switch {
		case rep.Reallowed && short:
			s += " (re-allowed)"
		case rep.Reallowed:
			s += " (re-allowed: it was allowed before)"
		}
		msgs = append(msgs, s)
	}
	if rep.Reloaded {
		msgs = append(msgs, "direnv reloaded")
	}
	msgs = append(msgs, rep.Notes...)
	// The watched files are import names from the user's files.
	for i, m := range msgs {
		msgs[i] = termtext.Line(m)
	}
	return msgs
}
