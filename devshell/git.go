package devshell

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"github.com/devsh/devsh/internal/run"
)

// gitTracked reports whether path is tracked (or intent-to-add) in its git
// repo; not in a repo -> false, nil. The flake only sees files git knows, so
// this is what decides whether a new devshell.toml must be staged.
func gitTracked(ctx context.Context, r Runner, path string) (bool, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false, fmt.Errorf("git tracked %s: %w", path, err)
	}
	stdout, stderr, err := run.Output(ctx, runnerOrDefault(r), Command{
		Args: gitLsFilesArgs(filepath.Dir(abs), filepath.Base(abs)),
		// Messages in English, so "not a git repository" can be recognised.
		Env: []string{"LC_ALL=C"},
	})
	if err != nil {
		if gitNotARepo(stderr) {
			return false, nil
		}
		return false, runnerError("git ls-files "+abs, err, stderr)
	}
	return len(stdout) > 0, nil
}

// gitLsFilesArgs builds the argv listing the index entries named name in
// dir. Pathspecs are literal, so a name such as "x*.toml" is not a glob;
// intent-to-add entries are in the index and so are listed too.
func gitLsFilesArgs(dir, name string) []string {
	return []string{"git", "--literal-pathspecs", "-C", dir, "ls-files", "-z", "--", name}
}

// gitNotARepo reports whether git's stderr says the directory is in no repository.
func gitNotARepo(stderr []byte) bool {
	return bytes.Contains(stderr, []byte("not a git repository"))
}
