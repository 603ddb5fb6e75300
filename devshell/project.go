package devshell

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Project is a devshell project on disk.
type Project struct {
	// Root is the dir holding flake.nix, else the git root, else the start dir (absolute).
	Root string
	// TOMLPath is Root/devshell.toml, or the --file path (absolute; a relative
	// --file is relative to the start dir).
	TOMLPath string
	// EnvrcPath is Root/.envrc (may not exist).
	EnvrcPath string
	// IsFlake reports whether Root has flake.nix.
	IsFlake bool
}

// projectTOMLName is the file devshell.importTOML reads by convention.
const projectTOMLName = "devshell.toml"

// Find walks up from dir to the directory holding flake.nix (else the git
// root — a dir with .git dir or file —, else dir itself). file overrides the
// TOML path when non-empty.
//
// The walk stops at the git root: a flake.nix above it belongs to another
// tree (say a home-manager flake in $HOME) and cannot see this one's files.
func Find(dir, file string) (*Project, error) {
	start, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("find project from %s: %w", dir, err)
	}
	fi, err := os.Stat(start)
	if err != nil {
		return nil, fmt.Errorf("find project: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("find project: %s is not a directory", start)
	}

	root, isFlake := start, false
	for d := start; ; {
		has, err := projectExists(filepath.Join(d, "flake.nix"))
		if err != nil {
			return nil, fmt.Errorf("find project: %w", err)
		}
		if has {
			root, isFlake = d, true
			break
		}
		// .git is a directory in a normal checkout and a file in a worktree
		// or submodule; either marks the git root.
		git, err := projectExists(filepath.Join(d, ".git"))
		if err != nil {
			return nil, fmt.Errorf("find project: %w", err)
		}
		if git {
			root = d
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}

	p := &Project{
		Root:      root,
		TOMLPath:  filepath.Join(root, projectTOMLName),
		EnvrcPath: filepath.Join(root, ".envrc"),
		IsFlake:   isFlake,
	}
	if file != "" {
		if !filepath.IsAbs(file) {
			file = filepath.Join(start, file)
		}
		p.TOMLPath = filepath.Clean(file)
	}
	return p, nil
}

// TOMLOutside reports whether the TOML (a --file) lies outside Root: a
// flake cannot read a file outside its own tree, so .envrc watches and git
// tracking do not apply to it.
func (p *Project) TOMLOutside() bool {
	_, below := RelBelow(p.Root, p.TOMLPath)
	return !below
}

// projectExists reports whether path exists (any kind of file); errors other
// than "does not exist" are returned.
func projectExists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}
