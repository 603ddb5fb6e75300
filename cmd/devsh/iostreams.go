package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is where a command reads and writes; tests inject buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer // results
	ErrOut io.Writer // messages
	// InTTY and OutTTY say whether stdin/stdout are terminals (the TUI needs both).
	InTTY, OutTTY bool
	// ErrTTY says whether stderr is a terminal (colour and progress lines).
	ErrTTY bool
	// OutWidth is the width of the stdout terminal in columns; 0 when it is
	// not a terminal or does not say.
	OutWidth int
}

// SystemIO returns the process's own streams.
func SystemIO() *IOStreams {
	return &IOStreams{
		In:       os.Stdin,
		Out:      os.Stdout,
		ErrOut:   os.Stderr,
		InTTY:    isTerminal(os.Stdin),
		OutTTY:   isTerminal(os.Stdout),
		ErrTTY:   isTerminal(os.Stderr),
		OutWidth: terminalWidth(os.Stdout),
	}
}

// terminalWidth is f's terminal width in columns, 0 when f is not a terminal.
func terminalWidth(f *os.File) int {
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// isTerminal reports whether f is a terminal. A character device is not
// enough: /dev/null is one too, and `devsh > /dev/null` must not start an
// invisible TUI.
func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}
