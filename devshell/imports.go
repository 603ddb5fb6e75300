package devshell

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pelletier/go-toml/v2"

	"github.com/devsh/devsh/devshell/internal/textfile"
	"github.com/devsh/devsh/internal/atomicfile"
)

// watchFiles returns the files the shell is built from, as slash paths
// relative to envrcDir: tomlPath first, then, depth first, every local file it
// imports through its top-level `imports` array, recursively through imported
// .toml files. As in numtide/devshell's importTOML, an entry is local when it
// ends in .toml or .nix or starts with "./", and is relative to the importing
// file's directory; a local entry naming a directory stands for its
// default.nix. Other entries ("git.hooks", "language.c", "locale") are
// devshell's built-in extra modules and are skipped. Each file is listed once,
// so import cycles are safe; a missing imported file is still listed so that
// the user notices. Only tomlPath itself must exist.
func watchFiles(tomlPath, envrcDir string) ([]string, error) {
	root, err := filepath.Abs(tomlPath)
	if err != nil {
		return nil, fmt.Errorf("watch files of %s: %w", tomlPath, err)
	}
	base, err := filepath.Abs(envrcDir)
	if err != nil {
		return nil, fmt.Errorf("watch files of %s: %w", tomlPath, err)
	}
	w := importsWalker{base: base, seen: map[string]bool{}}
	if err := w.visit(root, true); err != nil {
		return nil, err
	}
	return w.files, nil
}

type importsWalker struct {
	base  string // the .envrc's directory, absolute
	seen  map[string]bool
	files []string
}

// visit lists file and, when it is a .toml, what it imports.
func (w *importsWalker) visit(file string, isRoot bool) error {
	file = filepath.Clean(file)
	if w.seen[file] {
		return nil
	}
	w.seen[file] = true
	rel, err := filepath.Rel(w.base, file)
	if err != nil {
		rel = file // another volume: only possible on Windows
	}
	w.files = append(w.files, filepath.ToSlash(rel))
	if !strings.HasSuffix(file, ".toml") {
		return nil
	}
	data, exists, err := atomicfile.ReadFile(file)
	if err == nil && !exists {
		if !isRoot {
			return nil
		}
		err = &fs.PathError{Op: "open", Path: file, Err: syscall.ENOENT}
	}
	if err != nil {
		var perr *fs.PathError
		if errors.As(err, &perr) {
			err = perr.Err // the path is already in the message
		}
		return fmt.Errorf("read %s: %w", filepath.ToSlash(rel), err)
	}
	imports, err := importsOf(data)
	if err != nil {
		return fmt.Errorf("%s:%w", filepath.ToSlash(rel), err)
	}
	dir := filepath.Dir(file)
	for _, entry := range imports {
		if !importsIsLocal(entry) {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(entry))
		if !strings.HasSuffix(entry, ".toml") && !strings.HasSuffix(entry, ".nix") {
			if fi, err := os.Stat(target); err == nil && fi.IsDir() {
				target = filepath.Join(target, "default.nix") // what `import ./dir` reads
			}
		}
		if err := w.visit(target, false); err != nil {
			return err
		}
	}
	return nil
}

// importsIsLocal reports whether an imports entry names a file in the
// project rather than one of devshell's extra modules; the rule is the one
// numtide/devshell's importTOML applies.
func importsIsLocal(entry string) bool {
	return strings.HasPrefix(entry, "./") || strings.HasSuffix(entry, ".toml") || strings.HasSuffix(entry, ".nix")
}

// importsOf returns the string entries of a TOML document's top-level
// imports array. The document is only read, never written back.
func importsOf(data []byte) ([]string, error) {
	var doc struct {
		Imports any `toml:"imports"`
	}
	if err := toml.Unmarshal(textfile.TrimBOM(data), &doc); err != nil {
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			row, col := derr.Position()
			return nil, fmt.Errorf("%d:%d: %w", row, col, err)
		}
		return nil, fmt.Errorf(" %w", err)
	}
	if doc.Imports == nil {
		return nil, nil
	}
	list, ok := doc.Imports.([]any)
	if !ok {
		return nil, fmt.Errorf(" imports must be an array of strings, not %T", doc.Imports)
	}
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out, nil
}
