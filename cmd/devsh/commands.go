package main

import "github.com/spf13/cobra"

// commands are devsh's subcommands.
func commands(g *GlobalOptions) []*cobra.Command {
	return []*cobra.Command{
		newAddCmd(g),
		newRemoveCmd(g),
		newListCmd(g),
		newSearchCmd(g),
		newIndexCmd(g),
		newSyncCmd(g),
		newInitCmd(g),
		newDoctorCmd(g),
		newCompletionCmd(g),
	}
}
