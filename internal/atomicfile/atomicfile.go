// Package atomicfile replaces files atomically and edits them without
// losing anyone else's edit; both devshell (devshell.toml, .envrc,
// .gitignore) and nixsearch (index cache files) write through it. Data flows
// in as a path and new bytes (WriteFile) or an operation on the current
// bytes (Update); out comes the replaced file, never a half-written one. Its
// temporary files are named by TempPattern, so a cleaner recognises them with
// IsTemp.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// TempInfix and TempSuffix frame the random part of a temporary file's
// name: a write to dir/name goes through dir/.name<TempInfix>*<TempSuffix>.
const (
	TempInfix  = ".devsh-"
	TempSuffix = ".tmp"
)

// TempPattern is the os.CreateTemp pattern of the temporary file used to
// replace a file named base.
func TempPattern(base string) string { return "." + base + TempInfix + "*" + TempSuffix }

// IsTemp reports whether name (a base name) is a temporary file of this
// package, and for which file name it was made.
func IsTemp(name string) (base string, ok bool) {
	if !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, TempSuffix) {
		return "", false
	}
	i := strings.LastIndex(name, TempInfix)
	if i < 2 {
		return "", false
	}
	return name[1:i], true
}

// writeNewFileMode is the mode of a file WriteFileAtomic creates: the usual
// mode of a hand-written, non-executable project file.
const writeNewFileMode fs.FileMode = 0o644

// writeMaxSymlinks bounds how many symlinks are followed to reach the file to
// replace; it matches Linux's own limit (MAXSYMLINKS) so a loop is an error.
const writeMaxSymlinks = 40

// updateMaxAttempts bounds how often Update re-applies its operation when
// another writer keeps changing the file: a human edit racing devsh settles
// in one retry, so running out means something rewrites the file in a loop.
const updateMaxAttempts = 5

// writeConflictError reports that the file changed between read and rename.
// It is a type rather than a sentinel variable: no package-level state.
type writeConflictError struct{}

func (writeConflictError) Error() string { return "file changed while being written" }

// WriteFile replaces path (following a symlink to its target) with data:
// temp file in the same directory, fsync, keep the mode (0644 for a new file),
// rename, fsync dir. A failure leaves the original and no temp file. The
// file's owner is not carried over (the new file belongs to the writer).
func WriteFile(path string, data []byte) error {
	target, err := writeResolve(path)
	if err != nil {
		return err
	}
	mode := writeNewFileMode
	if fi, err := os.Stat(target); err == nil {
		mode = writeKeptMode(fi)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return writeReplace(target, data, mode, nil)
}

// Update applies op to the file's current bytes and writes the result
// atomically, without ever overwriting someone else's edit: read -> op -> just
// before rename, re-read; if the file changed since it was read, apply op again
// to the new content (bounded retries, then an error). op gets nil for a
// missing file (exists=false). Returns the bytes before and after the final
// apply. If op returns the input unchanged, nothing is written; for a missing
// file an empty result counts as unchanged, so no empty file is created.
func Update(path string, op func(old []byte, exists bool) ([]byte, error)) (before, after []byte, err error) {
	target, err := writeResolve(path)
	if err != nil {
		return nil, nil, err
	}
	for attempt := 0; attempt < updateMaxAttempts; attempt++ {
		old, exists, mode, err := writeRead(target)
		if err != nil {
			return nil, nil, fmt.Errorf("update %s: %w", path, err)
		}
		out, err := op(old, exists)
		if err != nil {
			// op's error is the caller's own (say an invalid-TOML
			// path:line:col message): pass it through unwrapped.
			return old, nil, err
		}
		if bytes.Equal(old, out) {
			return old, out, nil
		}
		err = writeReplace(target, out, mode, func() error {
			now, nowExists, _, err := writeRead(target)
			if err != nil {
				return err
			}
			if nowExists != exists || !bytes.Equal(now, old) {
				return writeConflictError{}
			}
			return nil
		})
		if errors.Is(err, writeConflictError{}) {
			continue
		}
		if err != nil {
			return old, nil, err
		}
		return old, out, nil
	}
	return nil, nil, fmt.Errorf("update %s: changed by another writer on each of %d attempts", path, updateMaxAttempts)
}

// ReadFile reads path; a missing file is nil, false, nil.
func ReadFile(path string) ([]byte, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// writeResolve follows path through any chain of symlinks to the file that
// is to be replaced; the target need not exist yet.
func writeResolve(path string) (string, error) {
	p, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	for range writeMaxSymlinks {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if fi.IsDir() {
				return "", fmt.Errorf("write %s: is a directory", path)
			}
			return p, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", fmt.Errorf("write %s: more than %d symlinks to follow", path, writeMaxSymlinks)
}

// writeRead reads the (already resolved) file: nil, false for a missing one,
// with the mode a replacement should keep.
func writeRead(target string) (data []byte, exists bool, mode fs.FileMode, err error) {
	f, err := os.Open(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, writeNewFileMode, nil
	}
	if err != nil {
		return nil, false, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, false, 0, err
	}
	if fi.IsDir() {
		return nil, false, 0, fmt.Errorf("%s is a directory", target)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, false, 0, err
	}
	return buf.Bytes(), true, writeKeptMode(fi), nil
}

// writeKeptMode is the part of an existing file's mode a replacement keeps.
func writeKeptMode(fi fs.FileInfo) fs.FileMode {
	return fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

// writeReplace writes data to a temp file next to target, fsyncs it, gives it
// mode, runs beforeRename (when non-nil; its error aborts the write), renames
// it over target and fsyncs the directory. On any failure before the rename
// the temp file is removed and target is untouched.
func writeReplace(target string, data []byte, mode fs.FileMode, beforeRename func() error) (err error) {
	dir, base := filepath.Split(target)
	tmp, err := os.CreateTemp(dir, TempPattern(base))
	if err != nil {
		return fmt.Errorf("write %s: create temp file: %w", target, withoutTempName(err))
	}
	tmpName := tmp.Name()
	renamed := false
	defer func() {
		if !renamed {
			_ = tmp.Close()
			if rmErr := os.Remove(tmpName); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) && err != nil {
				err = fmt.Errorf("%w (and removing temp file: %v)", err, withoutTempName(rmErr))
			}
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", target, withoutTempName(err))
	}
	// Chmod on the open file is not subject to the umask, so the mode is exact.
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: set mode: %w", target, withoutTempName(err))
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: fsync: %w", target, withoutTempName(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", target, withoutTempName(err))
	}
	if beforeRename != nil {
		if err := beforeRename(); err != nil {
			if errors.Is(err, writeConflictError{}) {
				return err
			}
			return fmt.Errorf("write %s: re-read before rename: %w", target, err)
		}
	}
	if err := os.Rename(tmpName, target); err != nil {
		return fmt.Errorf("write %s: %w", target, withoutTempName(err))
	}
	renamed = true
	if err := writeSyncDir(dir); err != nil {
		return fmt.Errorf("write %s: file replaced, but fsync of its directory failed: %w", target, err)
	}
	return nil
}

// withoutTempName drops the temp file's path from err, an *fs.PathError or
// *os.LinkError naming it, keeping the cause (errors.Is still sees the
// errno): the user knows only the file being written, which the caller names.
func withoutTempName(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// writeSyncDir fsyncs a directory so a rename in it is durable.
func writeSyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	err = d.Sync()
	// Some file systems cannot fsync a directory and say so; the rename is
	// then as durable as that file system makes it.
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return err
}
