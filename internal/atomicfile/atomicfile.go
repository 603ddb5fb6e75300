// Package atomicfile reads and replaces files safely and edits them without
// losing anyone else's edit; both devshell (devshell.toml, .envrc,
// .gitignore, imports) and nixsearch (index cache files) go through it.
//
// Data flows in as a path and new bytes (WriteFileNoFollow) or an operation on the
// current bytes (Update); out comes the replaced file, never a half-written
// one. Only regular files are read or replaced: a FIFO, device, socket or
// directory is a one-line error at once (opened without blocking, its type
// checked), as are files over MaxSize, read-only files and files with more
// than one hard link (replacing one by rename would split the links).
//
// Edits of one file serialise: Update holds an flock(2) on the directory the
// file lives in from the read to the rename, so devsh processes editing the
// same directory take turns; against other writers (an editor saving) the
// content is re-read immediately before the rename and the operation applied
// again when it moved, and the rename itself is an atomic exchange (Linux
// renameat2) whose displaced file is checked, so a save in that last instant
// is put back instead of lost. While the lock is held, temporary files a killed
// writer left for the same file are removed. Temporary files are named by
// TempPattern, so a cleaner elsewhere recognises them with IsTemp.
package atomicfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
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

// writeNewFileMode is the mode of a file this package creates: the usual mode
// of a hand-written, non-executable project file.
const writeNewFileMode fs.FileMode = 0o644

// writeMaxSymlinks bounds how many symlinks are followed to reach the file to
// replace; it matches Linux's own limit (MAXSYMLINKS) so a loop is an error.
const writeMaxSymlinks = 40

// updateMaxAttempts bounds how often Update re-applies its operation when
// another writer keeps changing the file: a human edit racing devsh settles
// in one retry, so running out means something rewrites the file in a loop.
const updateMaxAttempts = 5

// MaxSize is the largest file ReadFile and Update read: far above any real
// devshell.toml or .envrc (a 100,000-table devshell.toml is ~2 MB), so a
// larger file, or a symlink to an endless one, is refused instead of filling
// memory.
const MaxSize = 64 << 20

// lockPollMin and lockPollMax bound the pause between attempts to take a
// held lock: short at first (an edit holds it for milliseconds), longer
// while a slow holder (a direnv run) keeps it, so a cancelled wait ends
// within lockPollMax.
const (
	lockPollMin = time.Millisecond
	lockPollMax = 50 * time.Millisecond
)

// writeConflictError reports that the file changed between read and rename.
// It is a type rather than a sentinel variable: no package-level state.
type writeConflictError struct{}

func (writeConflictError) Error() string { return "file changed while being written" }

// noExchangeError reports that the platform cannot swap two files
// atomically; Update then renames after its re-read.
type noExchangeError struct{}

func (noExchangeError) Error() string { return "atomic exchange not supported" }

// NotRegularError reports a path that is not a regular file (a FIFO, a
// device, a socket, a directory, or with NoFollow a symlink).
type NotRegularError struct {
	Path string
	Kind string // "a named pipe (FIFO)", "a device", ...
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file: devsh reads and writes only regular files (remove it or put a regular file there)", e.Path, e.Kind)
}

// TooLargeError reports a file over the size limit.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d MiB: not a file devsh edits (check what it is)", e.Path, e.Limit>>20)
}

// ReadOnlyError reports a file devsh may not replace.
type ReadOnlyError struct {
	Path string
	Mode fs.FileMode
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("%s is read-only (%v): devsh does not replace it; make it writable (chmod u+w) to edit it", e.Path, e.Mode.Perm())
}

// HardLinkError reports a file with more than one hard link: replacing it
// by rename would leave the other names with the old content.
type HardLinkError struct {
	Path  string
	Links uint64
}

func (e *HardLinkError) Error() string {
	return fmt.Sprintf("%s has %d hard links: replacing it would split them; make the other names symlinks to it (devsh follows symlinks)", e.Path, e.Links)
}

// wrapPath adds what was being done to path to err, unless err is one of
// this package's errors, which name the file and the fix themselves (a
// NotRegularError about path's symlink target names path too).
func wrapPath(what, path string, err error) error {
	var (
		notRegular *NotRegularError
		tooLarge   *TooLargeError
		readOnly   *ReadOnlyError
		hardLink   *HardLinkError
	)
	if errors.As(err, &notRegular) {
		abs, _ := filepath.Abs(path)
		if notRegular.Path != path && notRegular.Path != abs && !strings.HasPrefix(notRegular.Path, path+" ") {
			notRegular.Path = path + " (a symlink to " + notRegular.Path + ")"
		}
		return err
	}
	if errors.As(err, &tooLarge) || errors.As(err, &readOnly) || errors.As(err, &hardLink) {
		return err
	}
	return fmt.Errorf("%s %s: %w", what, path, err)
}

// fileKind names the type of a non-regular file for NotRegularError.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m.IsDir():
		return "a directory"
	default:
		return "not a plain file (" + m.Type().String() + ")"
	}
}

// CheckRegular returns a NotRegularError for path unless fi (its stat) is
// a regular file.
func CheckRegular(path string, fi fs.FileInfo) error { return checkRegular(path, fi) }

// checkRegular returns a NotRegularError unless fi is a regular file.
func checkRegular(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	return &NotRegularError{Path: path, Kind: fileKind(fi.Mode())}
}

// checkReplaceable refuses to replace a file that is read-only for the
// writer (or for everyone: root may write anything, but a file with no write
// bit says "do not change me") or has other hard links.
func checkReplaceable(path string, fi fs.FileInfo) error {
	if fi.Mode().Perm()&0o222 == 0 || syscall.Access(path, 2 /* W_OK */) != nil {
		return &ReadOnlyError{Path: path, Mode: fi.Mode()}
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		return &HardLinkError{Path: path, Links: uint64(st.Nlink)}
	}
	return nil
}

// ReadFile reads path (following symlinks), which must be a regular file of
// at most MaxSize bytes; a missing file is nil, false, nil. It never blocks
// on a FIFO or device: those are refused after a non-blocking open.
func ReadFile(path string) ([]byte, bool, error) {
	data, exists, _, err := readRegular(path, false)
	return data, exists, err
}

// ReadFileNoFollow is ReadFile for a file that must not be a symlink (a
// cache file in a directory others may write): a symlink is a
// NotRegularError.
func ReadFileNoFollow(path string) ([]byte, bool, error) {
	data, exists, _, err := readRegular(path, true)
	return data, exists, err
}

// readRegular opens path without blocking, checks that it is a regular file
// and reads at most MaxSize bytes of it; fi is its stat (nil when missing).
func readRegular(path string, noFollow bool) (data []byte, exists bool, fi fs.FileInfo, err error) {
	// Stat first so a device node is not even opened (opening some has
	// side effects), then fstat the open file in case it was swapped.
	stat := os.Stat
	flags := os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY
	if noFollow {
		stat = os.Lstat
		flags |= syscall.O_NOFOLLOW
	}
	pre, err := stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil, nil
	}
	if err != nil {
		return nil, false, nil, err
	}
	if err := checkRegular(path, pre); err != nil {
		return nil, false, nil, err
	}
	f, err := os.OpenFile(path, flags, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil, nil
	}
	if errors.Is(err, syscall.ELOOP) && noFollow {
		return nil, false, nil, &NotRegularError{Path: path, Kind: "a symlink"}
	}
	if err != nil {
		return nil, false, nil, err
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return nil, false, nil, err
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, false, nil, err
	}
	if fi.Size() > MaxSize {
		return nil, false, nil, &TooLargeError{Path: path, Limit: MaxSize}
	}
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
	// One byte more than the limit tells a file that grew past it.
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxSize+1)); err != nil {
		return nil, false, nil, err
	}
	if buf.Len() > MaxSize {
		return nil, false, nil, &TooLargeError{Path: path, Limit: MaxSize}
	}
	return buf.Bytes(), true, fi, nil
}

// WriteFileNoFollow replaces path itself with data, never what a symlink
// there points to (for cache files in a directory others may write): the
// rename replaces the name, and an existing symlink or other non-regular
// file at path is refused. It takes no edit lock; callers that race on the
// same file serialise themselves (the index cache holds its per-key lock).
func WriteFileNoFollow(path string, data []byte) error {
	mode := writeNewFileMode
	if fi, err := os.Lstat(path); err == nil {
		if err := checkRegular(path, fi); err != nil {
			return err
		}
		mode = writeKeptMode(fi)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return writeReplace(context.Background(), path, data, mode, nil, nil)
}

// Update applies op to the file's current bytes and writes the result
// atomically, without ever overwriting someone else's edit; see UpdateContext.
func Update(path string, op func(old []byte, exists bool) ([]byte, error)) (before, after []byte, err error) {
	return UpdateContext(context.Background(), path, op)
}

// UpdateContext applies op to the file's current bytes and writes the
// result atomically, without ever overwriting someone else's edit: it takes
// the edit lock (other devsh processes wait), reads, runs op, and just
// before the rename re-reads; if the file changed since it was read, it
// applies op again to the new content (bounded retries, then an error).
// Returns the bytes before and after the final apply. If op returns the
// input unchanged, nothing is written; for a missing file an empty result
// counts as unchanged, so no empty file is created.
//
// When ctx ends (Ctrl-C) before the rename, nothing is written and ctx's
// error is returned at once, even while op is still running.
func UpdateContext(ctx context.Context, path string, op func(old []byte, exists bool) ([]byte, error)) (before, after []byte, err error) {
	l, err := Acquire(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	defer l.Release()
	return l.Update(ctx, op)
}

// Lock is a held edit lock for one file: an flock(2) on the directory the
// file (after symlinks) lives in. Every devsh writer of a file in that
// directory holds it from its read to its rename.
type Lock struct {
	path, target string
	dir          *os.File // nil when the file system cannot lock
}

// Acquire resolves path through symlinks and takes the edit lock of its
// directory, waiting while another process holds it; it returns ctx's error
// when ctx ends first. On a file system without flock (some network file
// systems) it returns an unlocked Lock: the re-read before each rename still
// keeps other writers' edits. Release it when done.
func Acquire(ctx context.Context, path string) (*Lock, error) {
	target, err := writeResolve(path)
	if err != nil {
		return nil, err
	}
	l := &Lock{path: path, target: target}
	dir, err := os.Open(filepath.Dir(target))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		// No directory, so no file to edit: the read or write reports it
		// (as the caller's own "no devshell.toml" for a missing file).
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	pause := lockPollMin
	for {
		err = syscall.Flock(int(dir.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			l.dir = dir
			l.removeLeftovers()
			return l, nil
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			// ENOLCK, EOPNOTSUPP, EBADF (NFS): no locking here.
			_ = dir.Close()
			return l, nil
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			_ = dir.Close()
			return nil, fmt.Errorf("wait for the edit lock of %s: %w", path, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, lockPollMax)
	}
}

// Release drops the lock.
func (l *Lock) Release() {
	if l.dir != nil {
		_ = syscall.Flock(int(l.dir.Fd()), syscall.LOCK_UN)
		_ = l.dir.Close()
		l.dir = nil
	}
}

// removeLeftovers deletes temporary files of the locked file: every writer
// holds the lock while its temporary file exists, so one found now was left
// by a writer that was killed.
func (l *Lock) removeLeftovers() {
	dir, name := filepath.Split(l.target)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if base, ok := IsTemp(e.Name()); ok && base == name && e.Type().IsRegular() {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Update is UpdateContext for the locked file; the caller holds l.
func (l *Lock) Update(ctx context.Context, op func(old []byte, exists bool) ([]byte, error)) (before, after []byte, err error) {
	path, target := l.path, l.target
	for attempt := 0; attempt < updateMaxAttempts; attempt++ {
		old, exists, mode, err := writeRead(target)
		if err != nil {
			return nil, nil, wrapPath("update", path, err)
		}
		out, err := runOp(ctx, op, old, exists)
		if err != nil {
			// op's error is the caller's own (say an invalid-TOML
			// path:line:col message): pass it through unwrapped.
			return old, nil, err
		}
		if bytes.Equal(old, out) {
			return old, out, nil
		}
		err = writeReplace(ctx, target, out, mode, func() error {
			now, nowExists, _, err := writeRead(target)
			if err != nil {
				return err
			}
			if nowExists != exists || !bytes.Equal(now, old) {
				return writeConflictError{}
			}
			return nil
		}, func(tmp string) (bool, error) { return commitChecked(tmp, target, old, out, exists) })
		if errors.Is(err, writeConflictError{}) {
			continue
		}
		if err != nil {
			return old, nil, err
		}
		return old, out, nil
	}
	return nil, nil, fmt.Errorf("update %s: changed by another writer on each of %d attempts; nothing written (try again when it has saved)", path, updateMaxAttempts)
}

// RemoveIf deletes the file at path (the file a symlink there points to,
// as Update writes it) when it holds exactly want, and reports whether it
// did; a missing file or other content is left alone (false, nil). It holds
// the edit lock, and against other writers it moves the file aside before
// deleting it and checks what it moved: a save that landed after the
// comparison is put back in place instead of deleted.
func RemoveIf(ctx context.Context, path string, want []byte) (removed bool, err error) {
	l, err := Acquire(ctx, path)
	if err != nil {
		return false, err
	}
	defer l.Release()
	now, exists, _, err := writeRead(l.target)
	if err != nil {
		return false, wrapPath("remove", path, err)
	}
	if !exists || !bytes.Equal(now, want) {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("remove %s: %w; nothing removed", path, err)
	}
	dir, base := filepath.Split(l.target)
	aside, err := os.CreateTemp(dir, TempPattern(base))
	if err != nil {
		return false, fmt.Errorf("remove %s: create temp file: %w", path, withoutTempName(err))
	}
	tmp := aside.Name()
	_ = aside.Close()
	if err := os.Rename(l.target, tmp); err != nil {
		_ = os.Remove(tmp)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil // removed meanwhile
		}
		return false, fmt.Errorf("remove %s: %w", path, withoutTempName(err))
	}
	moved, ok, _, rerr := readRegular(tmp, true)
	if rerr == nil && ok && bytes.Equal(moved, want) {
		if err := os.Remove(tmp); err != nil {
			return false, fmt.Errorf("remove %s: %w", path, withoutTempName(err))
		}
		if err := writeSyncDir(dir); err != nil {
			return true, fmt.Errorf("remove %s: removed, but fsync of its directory failed: %w", path, err)
		}
		return true, nil
	}
	// Another writer saved in between: its file goes back, unless yet
	// another save is there by now, which must not be replaced either.
	if err := os.Link(tmp, l.target); err != nil {
		return false, fmt.Errorf("another writer saved %s twice while devsh removed it; the earlier save is kept at %s: %w", path, tmp, withoutTempName(err))
	}
	if err := os.Remove(tmp); err != nil {
		return false, fmt.Errorf("remove %s: put another writer's save back, but %w", path, err)
	}
	return false, nil
}

// runOp runs op, returning early with ctx's error when ctx ends first (op
// is pure, so an abandoned run has no effect).
func runOp(ctx context.Context, op func([]byte, bool) ([]byte, error), old []byte, exists bool) ([]byte, error) {
	if ctx.Done() == nil {
		return op(old, exists)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := op(bytes.Clone(old), exists)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
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

// writeRead reads the (already resolved) file that is to be replaced: nil,
// false for a missing one, with the mode a replacement should keep. It
// refuses what must not be replaced (see checkReplaceable).
func writeRead(target string) (data []byte, exists bool, mode fs.FileMode, err error) {
	data, exists, fi, err := readRegular(target, true)
	if err != nil || !exists {
		return nil, false, writeNewFileMode, err
	}
	if err := checkReplaceable(target, fi); err != nil {
		return nil, false, 0, err
	}
	return data, true, writeKeptMode(fi), nil
}

// writeKeptMode is the part of an existing file's mode a replacement keeps.
func writeKeptMode(fi fs.FileInfo) fs.FileMode {
	return fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

// writeReplace writes data to a temp file next to target, fsyncs it, gives it
// mode, runs beforeRename (when non-nil; its error aborts the write), puts
// it in place with commit (nil: rename it over target) and fsyncs the
// directory. On any failure before the commit, and when ctx ends before it,
// the temp file is removed and target is untouched. commit reports whether
// the temp path must be kept (it then holds another writer's content).
func writeReplace(ctx context.Context, target string, data []byte, mode fs.FileMode, beforeRename func() error, commit func(tmp string) (keep bool, err error)) (err error) {
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
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w; nothing written", target, err)
	}
	if commit == nil {
		commit = func(tmp string) (bool, error) { return false, os.Rename(tmp, target) }
	}
	if keep, err := commit(tmpName); err != nil {
		renamed = keep
		if errors.Is(err, writeConflictError{}) {
			return err
		}
		return fmt.Errorf("write %s: %w", target, withoutTempName(err))
	}
	renamed = true
	if err := writeSyncDir(dir); err != nil {
		return fmt.Errorf("write %s: file replaced, but fsync of its directory failed: %w", target, err)
	}
	return nil
}

// commitChecked puts the temp file tmp, holding data, in place of target,
// which Update read as old (exists false: missing), and makes sure no other
// writer's save is lost in the moment between Update's last re-read and
// this call:
//
//   - target existed: the two are swapped atomically (renameat2
//     RENAME_EXCHANGE), so what was displaced is now at tmp and can be
//     checked. Anything but old is another writer's save: it is swapped
//     back into place (see putBack) and the update retried on it
//     (writeConflictError). Where the file system cannot exchange, a plain
//     rename is the fallback (the re-read just before is then the only
//     check).
//   - target was missing: it is created with link(2), which fails if a
//     file appeared meanwhile (a conflict, retried), never replaces one.
//
// keep reports that tmp must not be removed: it holds another writer's
// content that could not be put back (the error says where it is).
func commitChecked(tmp, target string, old, data []byte, exists bool) (keep bool, err error) {
	if !exists {
		err := os.Link(tmp, target)
		switch {
		case err == nil:
			return false, os.Remove(tmp)
		case errors.Is(err, fs.ErrExist):
			return false, writeConflictError{}
		case errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.EMLINK):
			// No hard links on this file system.
			return false, os.Rename(tmp, target)
		default:
			return false, err
		}
	}
	err = exchange(tmp, target)
	if errors.Is(err, noExchangeError{}) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EOPNOTSUPP) {
		return false, os.Rename(tmp, target)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, writeConflictError{} // removed meanwhile
	}
	if err != nil {
		return false, err
	}
	displaced, ok, _, rerr := readRegular(tmp, true)
	if rerr == nil && ok && bytes.Equal(displaced, old) {
		return false, os.Remove(tmp)
	}
	// Another writer saved in between: its file goes back in place.
	return putBack(tmp, target, displaced, data)
}

// putBackAttempts bounds putBack's swaps: each further one is needed only
// when yet another save lands in the microseconds of the previous swap.
const putBackAttempts = 8

// putBack swaps another writer's save, displaced and now at tmp, back in
// place of target, which holds data, what devsh wrote. The swap displaces
// whatever is at target by then: normally data, and tmp can go; but a save
// that landed meanwhile is newer than the one being put back, so it is
// swapped in instead, until a swap brings back what the previous one put
// there. If that never settles, tmp is kept and the error names it.
func putBack(tmp, target string, displaced, data []byte) (keep bool, err error) {
	atTarget, atTmp := data, displaced
	for range putBackAttempts {
		if err := exchange(tmp, target); err != nil {
			return true, fmt.Errorf("another writer saved %s while devsh wrote it; their version is kept at %s: %w", target, tmp, err)
		}
		back, ok, _, rerr := readRegular(tmp, true)
		if rerr == nil && ok && bytes.Equal(back, atTarget) {
			return false, writeConflictError{}
		}
		atTarget, atTmp = atTmp, back
	}
	return true, fmt.Errorf("other writers kept saving %s while devsh put their version back; one of their versions is kept at %s", target, tmp)
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
