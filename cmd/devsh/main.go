// Command devsh manages a numtide/devshell project from the terminal: a TUI
// (devsh) and one-shot commands (devsh add, remove, list, search, index, sync).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// SIGHUP (terminal closed) ends devsh like Ctrl-C: the context is
	// cancelled, so nix and direnv, in their own process groups, are killed
	// with it instead of being orphaned.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := run(ctx, os.Args[1:], SystemIO(), os.Getenv)
	stop()
	os.Exit(code)
}
