package main

import (
	"runtime/debug"
	"strings"
)

// versionLine is what devsh --version prints: the module's version and the
// version control state the go command stamped into the build, e.g.
// "devsh v1.2.0 (github.com/devsh/devsh, commit 66adf38c1f2e, 2026-12-02T06:55:00Z, go1.26.8)".
// A build without that information (go run, some test binaries) says so.
func versionLine(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "devsh (no build information: built without module support)"
	}
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	var parts []string
	if bi.Main.Path != "" {
		parts = append(parts, bi.Main.Path)
	}
	if rev := settings["vcs.revision"]; rev != "" {
		const shortRev = 12 // enough to be unique in any repository this size
		if len(rev) > shortRev {
			rev = rev[:shortRev]
		}
		c := settings["vcs"] + " commit " + rev
		if settings["vcs.modified"] == "true" {
			c += " with uncommitted changes"
		}
		parts = append(parts, strings.TrimSpace(c))
		if t := settings["vcs.time"]; t != "" {
			parts = append(parts, t)
		}
	} else {
		parts = append(parts, "no VCS information")
	}
	if bi.GoVersion != "" {
		parts = append(parts, bi.GoVersion)
	}
	return "devsh " + version + " (" + strings.Join(parts, ", ") + ")"
}
