package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// interruptGrace is how long devsh may take to stop after Ctrl-C (or
// SIGTERM, SIGHUP) before it exits anyway. Edits, nix and direnv stop at
// once on the cancelled context (nothing is written after it); this bounds
// work that cannot check it, such as parsing a devshell.toml of 100,000
// tables for `list`, and leaves the TUI ample time to restore the terminal.
const interruptGrace = 2 * time.Second

func main() {
	// SIGHUP (terminal closed) ends devsh like Ctrl-C: the context is
	// cancelled, so nix and direnv, in their own process groups, are killed
	// with it instead of being orphaned.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan int, 1)
	go func() { done <- run(ctx, os.Args[1:], SystemIO(), os.Getenv) }()
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		select {
		case code = <-done:
		case <-time.After(interruptGrace):
			fmt.Fprintln(os.Stderr, "devsh: interrupted")
			code = exitInterrupted
		}
	}
	stop()
	os.Exit(code)
}
