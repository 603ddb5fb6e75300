package tui

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestRunQuitsOnCtrlC(t *testing.T) {
	b := newMemBackend(testPackages(), "rustc")
	var out bytes.Buffer
	res, err := Run(context.Background(), b, Options{In: strings.NewReader("\x03"), Out: &out, NoColor: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Changes) != 0 || res.Sync != "" || res.SyncErr != nil {
		t.Fatalf("result %+v", res)
	}
	// The program ran on the alternate screen and left it. (The output is
	// not a terminal, so no size is reported and nothing is drawn; the
	// screens themselves are checked by TestGoldenScreens.)
	o := out.String()
	if !strings.Contains(o, "\x1b[?1049h") || !strings.Contains(o, "\x1b[?1049l") {
		t.Fatalf("output %q", o)
	}
	if got := b.callLog(); !slices.Equal(got, []string{"open"}) {
		t.Fatalf("backend calls %v", got)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, newMemBackend(testPackages()), Options{In: strings.NewReader(""), Out: &bytes.Buffer{}, NoColor: true})
	if !errors.Is(err, tea.ErrProgramKilled) {
		t.Fatalf("Run with a cancelled context: %v, want ErrProgramKilled", err)
	}
}
