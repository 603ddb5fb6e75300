package tui

import (
	"strings"
	"testing"
	"time"
)

// TestProgressViewWithoutCount: while nix has reported no attribute (some
// nix versions never do: Determinate Nix ≥ 3.11) the line says there is no
// count, shows the elapsed time, and its block moves with that time instead
// of an empty bar frozen at 0%. Once a count comes, the bar is back.
func TestProgressViewWithoutCount(t *testing.T) {
	st := asciiStyles()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ix := indexModel{building: true, start: start, now: start.Add(12 * time.Second)}
	at12 := progressView(st, ix, 100)
	if !strings.Contains(at12, "evaluating, no count from nix yet · 0:12") || strings.Contains(at12, "0 evaluated") {
		t.Errorf("no count at 0:12: %q", at12)
	}
	if strings.Count(at12, "█") != progressSpinWidth {
		t.Errorf("indeterminate bar %q, want one block of %d", at12, progressSpinWidth)
	}
	ix.now = start.Add(13 * time.Second)
	at13 := progressView(st, ix, 100)
	if at13 == strings.Replace(at12, "0:12", "0:13", 1) {
		t.Errorf("the block did not move between 0:12 and 0:13:\n%q\n%q", at12, at13)
	}
	if tuiWidth(at12) != 100 || tuiWidth(at13) != 100 {
		t.Errorf("widths %d, %d, want 100", tuiWidth(at12), tuiWidth(at13))
	}
	ix.evaluated = 60_000
	if v := progressView(st, ix, 100); !strings.Contains(v, "60,000 evaluated · 0:13") || strings.Contains(v, "no count") {
		t.Errorf("with a count: %q", v)
	}
}
