package main

import (
	"testing"
	"time"

	"github.com/devsh/devsh/nixsearch"
)

// TestProgressLine: with a count the line shows it; without one (nix
// reported no attribute yet, or never does, as Determinate Nix ≥ 3.11) it
// says so and shows the elapsed time, never "0 attributes evaluated".
func TestProgressLine(t *testing.T) {
	tests := []struct {
		bp      nixsearch.BuildProgress
		elapsed time.Duration
		want    string
	}{
		{nixsearch.BuildProgress{Evaluated: 1234, Shards: 4, ShardsDone: 1}, 12400 * time.Millisecond,
			"indexing nixpkgs abc: 1234 attributes evaluated, 1 of 4 parts done, 12s"},
		{nixsearch.BuildProgress{Shards: 4}, 75 * time.Second,
			"indexing nixpkgs abc: evaluating (no count from nix yet), 0 of 4 parts done, 1m15s"},
	}
	for _, tt := range tests {
		if got := progressLine("nixpkgs abc", tt.bp, tt.elapsed); got != tt.want {
			t.Errorf("progressLine(%+v, %s) = %q, want %q", tt.bp, tt.elapsed, got, tt.want)
		}
	}
}
