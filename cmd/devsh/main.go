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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], SystemIO(), os.Getenv)
	stop()
	os.Exit(code)
}
