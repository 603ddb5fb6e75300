package main

import (
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
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.G.NoDirenv {
				return usageError("sync --no-direnv has nothing to do")
			}
			proj, err := o.G.project()
			if err != nil {
				return err
			}
			warnUntracked(cmd.Context(), o.G, proj)
			return syncProject(cmd.Context(), o.G, proj, true)
		},
	}
}
