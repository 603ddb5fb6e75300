package devshell

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestGitLsFilesArgs(t *testing.T) {
	tests := []struct {
		dir, name string
		want      []string
	}{
		{"/p", "devshell.toml", []string{"git", "--literal-pathspecs", "-C", "/p", "ls-files", "-z", "--", "devshell.toml"}},
		{"/p q", "-x*.toml", []string{"git", "--literal-pathspecs", "-C", "/p q", "ls-files", "-z", "--", "-x*.toml"}},
	}
	for _, tt := range tests {
		if got := gitLsFilesArgs(tt.dir, tt.name); !slices.Equal(got, tt.want) {
			t.Errorf("gitLsFilesArgs(%q, %q) = %q, want %q", tt.dir, tt.name, got, tt.want)
		}
	}
}

// gitTestRun runs the real git in dir with an isolated configuration.
func gitTestRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestGitTracked(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is required: %v", err)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_AUTHOR_NAME", "t")
	t.Setenv("GIT_AUTHOR_EMAIL", "t@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "t")
	t.Setenv("GIT_COMMITTER_EMAIL", "t@example.com")

	repo := filepath.Join(t.TempDir(), "repo")
	outside := t.TempDir()
	for _, f := range []string{"committed.toml", "staged.toml", "ita.toml", "untracked.toml", "sub/nested.toml", "glob*.toml", "globby.toml"} {
		p := filepath.Join(repo, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "devshell.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	gitTestRun(t, repo, "init", "-q")
	gitTestRun(t, repo, "add", "committed.toml", "sub/nested.toml", "globby.toml")
	gitTestRun(t, repo, "commit", "-q", "-m", "init")
	gitTestRun(t, repo, "add", "staged.toml")
	gitTestRun(t, repo, "add", "--intent-to-add", "ita.toml")

	tests := []struct {
		path string
		want bool
	}{
		{filepath.Join(repo, "committed.toml"), true},
		{filepath.Join(repo, "staged.toml"), true},
		{filepath.Join(repo, "ita.toml"), true},
		{filepath.Join(repo, "untracked.toml"), false},
		{filepath.Join(repo, "sub", "nested.toml"), true},
		{filepath.Join(repo, "missing.toml"), false},
		// Literal pathspec: "glob*.toml" is untracked although "globby.toml" is tracked.
		{filepath.Join(repo, "glob*.toml"), false},
		{filepath.Join(outside, "devshell.toml"), false},
	}
	ctx := context.Background()
	for _, tt := range tests {
		got, err := gitTracked(ctx, ExecRunner{}, tt.path)
		if err != nil {
			t.Errorf("gitTracked(%s): %v", tt.path, err)
			continue
		}
		if got != tt.want {
			t.Errorf("gitTracked(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}

	// A relative path is taken relative to the working directory.
	t.Chdir(filepath.Join(repo, "sub"))
	if got, err := gitTracked(ctx, nil, "nested.toml"); err != nil || !got {
		t.Errorf("gitTracked(relative nested.toml) = %v, %v; want true, nil", got, err)
	}
}

func TestGitTrackedErrors(t *testing.T) {
	// git itself missing: the runner's error is passed on.
	t.Setenv("PATH", t.TempDir())
	_, err := gitTracked(context.Background(), ExecRunner{}, filepath.Join(t.TempDir(), "x"))
	if !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("gitTracked without git: err = %v, want exec.ErrNotFound", err)
	}
}
