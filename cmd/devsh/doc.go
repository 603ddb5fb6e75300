// Command devsh manages a numtide/devshell project from the terminal: a TUI
// (devsh) and one-shot commands (devsh add, remove, list, search, index,
// sync, init, doctor, completion).
//
// main only maps run's outcome to an exit code (0 ok, 1 error, 2 usage, 3
// devshell.toml written but a later step failed, 130 interrupted) and turns
// SIGINT, SIGTERM and SIGHUP into a cancelled context. Each command is an
// Options struct and a run function (gh's pattern); what every command
// shares is GlobalOptions: the IO streams, Getenv, the global flags, and
// Runner, through which every external program (nix, direnv, git) runs, so
// a test can swap it. The commands hold no logic of their own beyond
// wording: they call devshell (the project on disk) and nixsearch (the
// index), and the TUI through tui.Backend (tuiBackend in tui.go).
package main
