package devshell

import (
	"os"
	"path/filepath"
	"testing"
)

// projectTestTree creates dirs and files (a name ending in "/" is a dir)
// under a fresh temp dir and returns it.
func projectTestTree(t *testing.T, paths ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, p := range paths {
		full := filepath.Join(root, filepath.FromSlash(p))
		if p[len(p)-1] == '/' {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestProjectFind(t *testing.T) {
	tests := []struct {
		name     string
		tree     []string
		start    string // relative to the tree
		file     string // --file; "ABS:" prefix means absolute under the tree
		wantRoot string // relative to the tree
		wantTOML string // relative to the tree
		wantFlk  bool
	}{
		{
			name:     "flake root from a subdir",
			tree:     []string{"proj/.git/", "proj/flake.nix", "proj/src/deep/"},
			start:    "proj/src/deep",
			wantRoot: "proj", wantTOML: "proj/devshell.toml", wantFlk: true,
		},
		{
			name:     "flake in the start dir",
			tree:     []string{"proj/flake.nix"},
			start:    "proj",
			wantRoot: "proj", wantTOML: "proj/devshell.toml", wantFlk: true,
		},
		{
			name:     "nearest flake in a monorepo",
			tree:     []string{"mono/.git/", "mono/flake.nix", "mono/svc/flake.nix", "mono/svc/cmd/"},
			start:    "mono/svc/cmd",
			wantRoot: "mono/svc", wantTOML: "mono/svc/devshell.toml", wantFlk: true,
		},
		{
			name:     "git root fallback",
			tree:     []string{"repo/.git/", "repo/a/b/"},
			start:    "repo/a/b",
			wantRoot: "repo", wantTOML: "repo/devshell.toml",
		},
		{
			name:     "git file (worktree) marks the root",
			tree:     []string{"wt/.git", "wt/pkg/"},
			start:    "wt/pkg",
			wantRoot: "wt", wantTOML: "wt/devshell.toml",
		},
		{
			name:     "flake above the git root is another tree",
			tree:     []string{"home/flake.nix", "home/src/repo/.git/", "home/src/repo/x/"},
			start:    "home/src/repo/x",
			wantRoot: "home/src/repo", wantTOML: "home/src/repo/devshell.toml",
		},
		{
			name:     "plain dir",
			tree:     []string{"plain/sub/"},
			start:    "plain/sub",
			wantRoot: "plain/sub", wantTOML: "plain/sub/devshell.toml",
		},
		{
			name:     "relative --file is relative to the start dir",
			tree:     []string{"proj/flake.nix", "proj/sub/"},
			start:    "proj/sub",
			file:     "../nix/shell.toml",
			wantRoot: "proj", wantTOML: "proj/nix/shell.toml", wantFlk: true,
		},
		{
			name:     "absolute --file",
			tree:     []string{"proj/flake.nix", "other/"},
			start:    "proj",
			file:     "ABS:other/dev.toml",
			wantRoot: "proj", wantTOML: "other/dev.toml", wantFlk: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := projectTestTree(t, tt.tree...)
			file := tt.file
			if len(file) > 4 && file[:4] == "ABS:" {
				file = filepath.Join(base, file[4:])
			}
			p, err := Find(filepath.Join(base, tt.start), file)
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			want := Project{
				Root:      filepath.Join(base, tt.wantRoot),
				TOMLPath:  filepath.Join(base, tt.wantTOML),
				EnvrcPath: filepath.Join(base, tt.wantRoot, ".envrc"),
				IsFlake:   tt.wantFlk,
			}
			if *p != want {
				t.Errorf("Find =\n %+v\nwant\n %+v", *p, want)
			}
		})
	}
}

func TestProjectFindRelativeStart(t *testing.T) {
	base := projectTestTree(t, "proj/flake.nix", "proj/sub/")
	t.Chdir(filepath.Join(base, "proj", "sub"))
	p, err := Find(".", "my.toml")
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if p.Root != filepath.Dir(cwd) || p.TOMLPath != filepath.Join(cwd, "my.toml") || !p.IsFlake {
		t.Errorf("Find(\".\") = %+v, want root %s and TOML %s", *p, filepath.Dir(cwd), filepath.Join(cwd, "my.toml"))
	}
}

func TestProjectFindErrors(t *testing.T) {
	base := projectTestTree(t, "file")
	if _, err := Find(filepath.Join(base, "missing"), ""); err == nil {
		t.Error("Find on a missing dir: err = nil")
	}
	if _, err := Find(filepath.Join(base, "file"), ""); err == nil {
		t.Error("Find on a regular file: err = nil")
	}
}
