package main

import (
	"runtime/debug"
	"testing"
)

func TestVersionLine(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	main := debug.Module{Path: "github.com/devsh/devsh", Version: "v1.2.0"}
	cases := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"released", &debug.BuildInfo{GoVersion: "go1.26.8", Main: main,
			Settings: vcs("vcs", "git", "vcs.revision", "66adf38c1f2e4b5a6d7e8f90", "vcs.time", "2026-12-02T06:55:00Z", "vcs.modified", "false")},
			true, "devsh v1.2.0 (github.com/devsh/devsh, git commit 66adf38c1f2e, 2026-12-02T06:55:00Z, go1.26.8)"},
		{"dirty checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/devsh/devsh", Version: "(devel)"},
			Settings: vcs("vcs", "git", "vcs.revision", "66adf38c1f2e4b5a6d7e8f90", "vcs.modified", "true")},
			true, "devsh (devel) (github.com/devsh/devsh, git commit 66adf38c1f2e with uncommitted changes, go1.26.8)"},
		{"no vcs", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/devsh/devsh"}},
			true, "devsh (devel) (github.com/devsh/devsh, no VCS information, go1.26.8)"},
		{"no build info", nil, false, "devsh (no build information: built without module support)"},
	}
	for _, c := range cases {
		if got := versionLine(c.bi, c.ok); got != c.want {
			t.Errorf("%s: versionLine = %q, want %q", c.name, got, c.want)
		}
	}
}
