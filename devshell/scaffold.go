package devshell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/devsh/devsh/devshell/envrc"
	"github.com/devsh/devsh/devshell/internal/textfile"
	"github.com/devsh/devsh/internal/atomicfile"
	"github.com/devsh/devsh/internal/run"
)

// This file creates a new devshell project (`devsh init`): the flake, the
// devshell.toml it imports, the .envrc and the .gitignore entry of the
// workflow in the tutorial devsh automates, without ever overwriting a file.

// scaffoldFlake is the flake.nix `devsh init` writes: nixpkgs, flake-utils
// and numtide/devshell inputs, and a default dev shell built from
// devshell.toml with devshell's overlay (`overlays.default`, which adds
// `pkgs.devshell` with `mkShell` and `importTOML`). devshell's own nixpkgs
// input follows the project's, so one nixpkgs is fetched, and it is the one
// devsh searches.
const scaffoldFlake = `{
  description = "A development shell declared in devshell.toml";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixpkgs-unstable";
    flake-utils.url = "github:numtide/flake-utils";
    devshell = {
      url = "github:numtide/devshell";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { self, nixpkgs, flake-utils, devshell }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs {
          inherit system;
          overlays = [ devshell.overlays.default ];
        };
      in
      {
        # The shell direnv's "use flake" and "nix develop" enter. Add
        # packages to devshell.toml (devsh add NAME), not here.
        devShells.default = pkgs.devshell.mkShell {
          imports = [ (pkgs.devshell.importTOML ./devshell.toml) ];
        };
      });
}
`

// The files `devsh init` manages, relative to the project directory.
const (
	ScaffoldFlakeName     = "flake.nix"
	ScaffoldTOMLName      = projectTOMLName
	ScaffoldEnvrcName     = ".envrc"
	ScaffoldGitignoreName = ".gitignore"
)

// scaffoldDirenvDir is the directory direnv's `use flake` keeps its cached
// shell in; it must not be committed.
const scaffoldDirenvDir = ".direnv"

// scaffoldFile is one file `devsh init` creates when it is missing.
type scaffoldFile struct {
	Name    string // relative to the project directory
	Content []byte
}

// scaffoldFiles returns the files of a new project named name (the
// directory's name): flake.nix, devshell.toml and .envrc, in that order.
// The .gitignore is handled by gitignoreWithDirenv, as it is usually there
// already.
func scaffoldFiles(name string) []scaffoldFile {
	return []scaffoldFile{
		{Name: ScaffoldFlakeName, Content: []byte(scaffoldFlake)},
		{Name: ScaffoldTOMLName, Content: scaffoldTOML(name)},
		{Name: ScaffoldEnvrcName, Content: envrc.New([]string{ScaffoldTOMLName})},
	}
}

// scaffoldTOML returns a new devshell.toml: a [devshell] table with the
// shell's name and an empty packages list.
func scaffoldTOML(name string) []byte {
	return []byte("[devshell]\nname = " + scaffoldTOMLString(name) + "\npackages = []\n")
}

// scaffoldTOMLString renders s as a TOML basic string. Invalid UTF-8 (a
// directory name can hold any bytes) becomes U+FFFD, as TOML files are UTF-8.
func scaffoldTOMLString(s string) string {
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			// TOML forbids the other control characters (and DEL) in basic
			// strings unescaped.
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// gitignoreWithDirenv returns the .gitignore content with a `.direnv` line
// appended, and true, unless a line already ignores that directory (`.direnv`,
// `.direnv/`, `/.direnv` or `/.direnv/`, surrounding blanks allowed); then it
// returns old unchanged and false. The file's line ending (CRLF or LF) is
// kept, and a missing final newline is added before the new line.
func gitignoreWithDirenv(old []byte) ([]byte, bool) {
	for _, line := range strings.Split(string(old), "\n") {
		switch strings.TrimSpace(line) {
		case scaffoldDirenvDir, scaffoldDirenvDir + "/", "/" + scaffoldDirenvDir, "/" + scaffoldDirenvDir + "/":
			return old, false
		}
	}
	eol := textfile.EOL(old)
	out := bytes.Clone(old)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, eol...)
	}
	return append(out, scaffoldDirenvDir+eol...), true
}

// InitReport is what Init did.
type InitReport struct {
	Dir     string   // the project directory, absolute
	Created []string // files written by Init, in scaffoldFiles order, then .gitignore
	Kept    []string // files that existed and were left alone
	// GitignoreAppended is true when .direnv was added to an existing .gitignore.
	GitignoreAppended bool
	// GitRoot is the root of the git work tree holding Dir; "" outside one.
	GitRoot string
	// GitMissing is true when git is not installed (nothing was staged).
	GitMissing bool
	// Staged lists the created files added to git with --intent-to-add.
	Staged []string
	// StagedKept lists kept files the flake needs (flake.nix,
	// devshell.toml) that git did not track and Init added with
	// --intent-to-add, so the flake can see them.
	StagedKept []string
	// Ignored lists created files git ignores (say a global .envrc
	// ignore); they are not staged.
	Ignored []string
	// Untracked lists kept files the flake needs (flake.nix, devshell.toml)
	// that git does not track and that Init could not add because git
	// ignores them, so the flake cannot see them.
	Untracked []string
	// Notes are one-line remarks about kept files that do not fit the
	// workflow (a flake.nix that does not import devshell.toml, an .envrc
	// without its watch line).
	Notes []string
}

// Init creates what is missing of a devshell project in dir: flake.nix,
// devshell.toml (named after dir), .envrc, and `.direnv` in .gitignore. It
// never overwrites a file: an existing one is kept and reported. In a git
// work tree the created files are staged with `git add --intent-to-add`, so
// that the flake sees them without committing anything. r runs git (nil
// means ExecRunner).
func Init(ctx context.Context, dir string, r Runner) (InitReport, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return InitReport{}, fmt.Errorf("init %s: %w", dir, err)
	}
	rep := InitReport{Dir: abs}
	for _, f := range scaffoldFiles(filepath.Base(abs)) {
		created, err := scaffoldCreate(filepath.Join(abs, f.Name), f.Content)
		if err != nil {
			return rep, err
		}
		if created {
			rep.Created = append(rep.Created, f.Name)
		} else {
			rep.Kept = append(rep.Kept, f.Name)
		}
	}
	gitignore := filepath.Join(abs, ScaffoldGitignoreName)
	existed, err := projectExists(gitignore)
	if err != nil {
		return rep, fmt.Errorf("init: %w", err)
	}
	before, after, err := atomicfile.Update(gitignore, func(old []byte, _ bool) ([]byte, error) {
		out, _ := gitignoreWithDirenv(old)
		return out, nil
	})
	if err != nil {
		return rep, err
	}
	switch {
	case bytes.Equal(before, after):
		rep.Kept = append(rep.Kept, ScaffoldGitignoreName)
	case existed:
		rep.GitignoreAppended = true
	default:
		rep.Created = append(rep.Created, ScaffoldGitignoreName)
	}
	rep.Notes = scaffoldKeptNotes(abs, rep.Kept)

	root, err := gitWorkTree(ctx, r, abs)
	if errors.Is(err, exec.ErrNotFound) {
		// Without git nothing can be staged; the files are written all the same.
		rep.GitMissing = true
		return rep, nil
	}
	if err != nil {
		return rep, err
	}
	rep.GitRoot = root
	if root == "" {
		return rep, nil
	}
	var needed []string // kept files the flake reads that git does not track
	for _, name := range rep.Kept {
		if name != ScaffoldFlakeName && name != ScaffoldTOMLName {
			continue
		}
		tracked, err := gitTracked(ctx, r, filepath.Join(abs, name))
		if err != nil {
			return rep, err
		}
		if !tracked {
			needed = append(needed, name)
		}
	}
	candidates := append(slices.Clone(rep.Created), needed...)
	if len(candidates) == 0 {
		return rep, nil
	}
	ignored, err := scaffoldIgnored(ctx, r, abs, candidates)
	if err != nil {
		return rep, err
	}
	var stage []string
	for _, name := range candidates {
		created := slices.Contains(rep.Created, name)
		switch {
		case slices.Contains(ignored, name) && created:
			rep.Ignored = append(rep.Ignored, name)
		case slices.Contains(ignored, name):
			rep.Untracked = append(rep.Untracked, name)
		case created:
			stage = append(stage, name)
			rep.Staged = append(rep.Staged, name)
		default:
			stage = append(stage, name)
			rep.StagedKept = append(rep.StagedKept, name)
		}
	}
	if len(stage) > 0 {
		if err := gitIntentToAdd(ctx, r, abs, stage); err != nil {
			rep.Staged, rep.StagedKept = nil, nil
			return rep, err
		}
	}
	return rep, nil
}

// scaffoldCreate writes content to path unless something (a file, a
// directory, even a dangling symlink) is there already; it reports whether
// it wrote. The write is atomic and, should the file appear meanwhile,
// Update's re-read keeps the other writer's file.
func scaffoldCreate(path string, content []byte) (bool, error) {
	exists, err := projectExists(path)
	if err != nil {
		return false, fmt.Errorf("init: %w", err)
	}
	if exists {
		return false, nil
	}
	created := false
	_, _, err = atomicfile.Update(path, func(old []byte, exists bool) ([]byte, error) {
		created = !exists
		if exists {
			return old, nil
		}
		return content, nil
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// scaffoldFlakeImportHint tells how a flake.nix builds its dev shell from
// the devshell TOML named name, for a flake that does not mention it.
func scaffoldFlakeImportHint(name string) string {
	return "make its dev shell pkgs.devshell.mkShell { imports = [ (pkgs.devshell.importTOML ./" + name + ") ]; }"
}

// scaffoldKeptNotes checks the kept files against the workflow: the flake
// must import devshell.toml and the .envrc must watch it.
func scaffoldKeptNotes(dir string, kept []string) []string {
	var notes []string
	for _, name := range kept {
		switch name {
		case ScaffoldFlakeName:
			data, _, err := atomicfile.ReadFile(filepath.Join(dir, name))
			if err == nil && !bytes.Contains(data, []byte(ScaffoldTOMLName)) {
				notes = append(notes, "the existing flake.nix does not mention devshell.toml: "+scaffoldFlakeImportHint(ScaffoldTOMLName))
			}
		case ScaffoldEnvrcName:
			data, exists, err := atomicfile.ReadFile(filepath.Join(dir, name))
			if err != nil || !exists {
				continue
			}
			if _, missing, err := envrc.Sync(data, []string{ScaffoldTOMLName}); err == nil && len(missing) > 0 {
				notes = append(notes, "the existing .envrc does not watch devshell.toml before 'use flake': run devsh sync")
			}
		}
	}
	return notes
}

// gitWorkTree returns the top directory of the git work tree holding dir,
// or "" when dir is in none. A missing git is an error wrapping
// exec.ErrNotFound.
func gitWorkTree(ctx context.Context, r Runner, dir string) (string, error) {
	stdout, stderr, err := run.Output(ctx, runnerOrDefault(r), Command{
		Args: scaffoldRevParseArgs(dir),
		// Messages in English, so "not a git repository" can be recognised.
		Env: []string{"LC_ALL=C"},
	})
	if err != nil {
		if gitNotARepo(stderr) {
			return "", nil
		}
		return "", runnerError("git rev-parse in "+dir, err, stderr)
	}
	return strings.TrimSpace(string(stdout)), nil
}

// scaffoldRevParseArgs builds the argv printing the work tree's top directory.
func scaffoldRevParseArgs(dir string) []string {
	return []string{"git", "-C", dir, "rev-parse", "--show-toplevel"}
}

// scaffoldIgnored returns those of names (relative to dir) that git ignores.
func scaffoldIgnored(ctx context.Context, r Runner, dir string, names []string) ([]string, error) {
	stdout, stderr, err := run.Output(ctx, runnerOrDefault(r), Command{Args: scaffoldCheckIgnoreArgs(dir, names)})
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == scaffoldCheckIgnoreNone {
		return nil, nil
	}
	if err != nil {
		return nil, runnerError("git check-ignore", err, stderr)
	}
	var ignored []string
	for _, line := range strings.Split(string(stdout), "\n") {
		if line != "" {
			ignored = append(ignored, line)
		}
	}
	return ignored, nil
}

// scaffoldCheckIgnoreNone is git check-ignore's exit status when none of the
// paths is ignored (it is 0 when some are, 128 on a fatal error).
const scaffoldCheckIgnoreNone = 1

// scaffoldCheckIgnoreArgs builds the argv listing which of names git
// ignores, one per line. The names init creates need no quoting, and
// check-ignore takes paths, not pathspecs (it refuses --literal-pathspecs).
func scaffoldCheckIgnoreArgs(dir string, names []string) []string {
	args := []string{"git", "-C", dir, "check-ignore", "--"}
	return append(args, names...)
}

// gitIntentToAdd records names (relative to dir) in git's index as
// intent-to-add: the flake sees them, and nothing is committed or staged
// with content.
func gitIntentToAdd(ctx context.Context, r Runner, dir string, names []string) error {
	_, stderr, err := run.Output(ctx, runnerOrDefault(r), Command{Args: scaffoldIntentToAddArgs(dir, names)})
	if err != nil {
		return runnerError("git add --intent-to-add "+strings.Join(names, " "), err, stderr)
	}
	return nil
}

// scaffoldIntentToAddArgs builds the argv of `git add --intent-to-add`;
// pathspecs are literal, so a name is never a glob.
func scaffoldIntentToAddArgs(dir string, names []string) []string {
	args := []string{"git", "--literal-pathspecs", "-C", dir, "add", "--intent-to-add", "--"}
	return append(args, names...)
}
