package nixsearch

import "github.com/devsh/devsh/internal/run"

// Command, Runner and ExecRunner are package internal/run's: nix runs through
// the same runner as direnv and git. Nix streams its stderr into the
// progress and error parsers (Command.Stdout/Stderr).
type (
	Command    = run.Command
	Runner     = run.Runner
	ExecRunner = run.Exec
)
