package runtest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/devsh/devsh/internal/run"
)

// TestRecorder records each argv as given while running what Instead puts
// in its place, for real; Take forgets what it returns.
func TestRecorder(t *testing.T) {
	ctx := context.Background()
	rec := &Recorder{Instead: func(args []string) []string {
		if args[0] == "nix" {
			return []string{"sh", "-c", "echo instead"}
		}
		return nil
	}}
	out, _, err := run.Output(ctx, rec, run.Command{Args: []string{"nix", "eval"}})
	if err != nil || string(out) != "instead\n" {
		t.Fatalf("nix eval through Instead = %q, %v; want the replacement's output", out, err)
	}
	if err := rec.Run(ctx, run.Command{Args: []string{"false"}}); err == nil {
		t.Error("false succeeded: the command did not really run")
	}
	want := [][]string{{"nix", "eval"}, {"false"}}
	if got := rec.Runs(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("Runs() = %q, want %q", got, want)
	}
	if got := rec.Programs(); !slices.Equal(got, []string{"nix", "false"}) || rec.Count() != 2 {
		t.Errorf("Programs() = %q, Count() = %d; want nix, false and 2", got, rec.Count())
	}
	if got := rec.Take(); len(got) != 2 || rec.Count() != 0 {
		t.Errorf("Take() = %q, then Count() = %d; want both runs, then 0", got, rec.Count())
	}
}

// TestRefuse fails a refused program without running it and runs any other.
func TestRefuse(t *testing.T) {
	ctx := context.Background()
	rec := &Recorder{Inner: Refuse{Programs: []string{"sh"}}}
	err := rec.Run(ctx, run.Command{Args: []string{"sh", "-c", "exit 0"}})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "sh") {
		t.Errorf("refused sh: %v, want ErrRefused naming sh", err)
	}
	out, _, err := run.Output(ctx, rec, run.Command{Args: []string{"echo", "ran"}})
	if err != nil || string(out) != "ran\n" {
		t.Errorf("echo through Refuse = %q, %v; want it run", out, err)
	}
	if got := rec.Programs(); !slices.Equal(got, []string{"sh", "echo"}) {
		t.Errorf("Programs() = %q, want the refused run recorded too", got)
	}
}
