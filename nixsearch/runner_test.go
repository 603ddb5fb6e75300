package nixsearch

import (
	"os/exec"
	"testing"
)

// nixRequireTool fails the test when a program the test runs for real is
// missing: CI installs it, so a missing tool is a broken setup, not a skip.
func nixRequireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not on PATH (.ci/run installs it): %v", name, err)
	}
}
