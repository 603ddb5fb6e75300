package main

import (
	"slices"
	"testing"

	"github.com/devsh/devsh/devshell"
)

// TestSyncSummary: the command line's and the TUI's messages for each kind
// of sync report.
func TestSyncSummary(t *testing.T) {
	for _, c := range []struct {
		name        string
		rep         devshell.SyncReport
		long, short []string
	}{
		{"nothing", devshell.SyncReport{Watched: []string{"devshell.toml"}}, nil, nil},
		{
			"created",
			devshell.SyncReport{Created: true, Added: []string{"devshell.toml", "nix/a.toml"}, Notes: []string{"approve it with: direnv allow .envrc"}},
			[]string{"created .envrc watching devshell.toml nix/a.toml", "approve it with: direnv allow .envrc"},
			[]string{"created .envrc", "approve it with: direnv allow .envrc"},
		},
		{
			"added and re-allowed",
			devshell.SyncReport{Added: []string{"a.toml"}, Reallowed: true},
			[]string{".envrc now watches a.toml (re-allowed: it was allowed before)"},
			[]string{".envrc now watches a.toml (re-allowed)"},
		},
		{
			"added, not approved before",
			devshell.SyncReport{Added: []string{"a.toml", "b.nix"}, Notes: []string{"review it"}},
			[]string{".envrc now watches a.toml b.nix", "review it"},
			[]string{".envrc now watches a.toml b.nix", "review it"},
		},
		{
			"reloaded",
			devshell.SyncReport{Reloaded: true},
			[]string{"direnv reloaded"},
			[]string{"direnv reloaded"},
		},
	} {
		if got := syncSummary(c.rep, false); !slices.Equal(got, c.long) {
			t.Errorf("%s: syncSummary = %q, want %q", c.name, got, c.long)
		}
		if got := syncSummary(c.rep, true); !slices.Equal(got, c.short) {
			t.Errorf("%s: short syncSummary = %q, want %q", c.name, got, c.short)
		}
	}
}
