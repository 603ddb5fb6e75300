package atomicfile

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// safetyTestBound is how long an operation on a file that is not a regular
// file may take before the test calls it hung: the refusal is immediate, the
// bound only keeps a regression from blocking the test run forever.
const safetyTestBound = 10 * time.Second

// safetyTestWithin runs f and fails the test if it does not return within
// safetyTestBound.
func safetyTestWithin(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(safetyTestBound):
		t.Fatalf("%s: still blocked after %v", what, safetyTestBound)
	}
}

func safetyTestAppend(old []byte, _ bool) ([]byte, error) {
	return append(bytes.Clone(old), "more\n"...), nil
}

// TestNotRegularRefusedAtOnce: a FIFO, a symlink to a FIFO, a symlink to
// /dev/zero and a symlink to /dev/null are refused by every entry point with
// a NotRegularError, without blocking, and nothing is replaced.
func TestNotRegularRefusedAtOnce(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	cases := map[string]string{"fifo": "", "link-fifo": fifo, "link-zero": "/dev/zero", "link-null": "/dev/null"}
	for name, target := range cases {
		t.Run(name, func(t *testing.T) {
			path := fifo
			if target != "" {
				path = filepath.Join(dir, name)
				if err := os.Symlink(target, path); err != nil {
					t.Fatal(err)
				}
			}
			var notRegular *NotRegularError
			safetyTestWithin(t, "ReadFile", func() {
				if _, _, err := ReadFile(path); !errors.As(err, &notRegular) {
					t.Errorf("ReadFile: err = %v, want NotRegularError", err)
				}
			})
			safetyTestWithin(t, "Update", func() {
				if _, _, err := Update(path, safetyTestAppend); !errors.As(err, &notRegular) {
					t.Errorf("Update: err = %v, want NotRegularError", err)
				}
			})
			safetyTestWithin(t, "WriteFile", func() {
				if err := WriteFile(path, []byte("x")); !errors.As(err, &notRegular) {
					t.Errorf("WriteFile: err = %v, want NotRegularError", err)
				}
			})
			if notRegular == nil || strings.Contains(notRegular.Error(), "\n") || !strings.Contains(notRegular.Error(), path) {
				t.Errorf("error %v is not one line naming %s", notRegular, path)
			}
		})
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("fifo replaced: %v %v", fi, err)
	}
	for _, dev := range []string{"/dev/null", "/dev/zero"} {
		if fi, err := os.Stat(dev); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
			t.Errorf("%s is no longer a character device: %v %v", dev, fi, err)
		}
	}
}

// TestNoFollowRefusesSymlink: the cache's reader and writer never go through
// a symlink: reading one is a NotRegularError, writing one is refused and the
// file it points to keeps its content.
func TestNoFollowRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "index.bin")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	var notRegular *NotRegularError
	if _, _, err := ReadFileNoFollow(link); !errors.As(err, &notRegular) {
		t.Errorf("ReadFileNoFollow: err = %v, want NotRegularError", err)
	}
	if err := WriteFileNoFollow(link, []byte("index")); !errors.As(err, &notRegular) {
		t.Errorf("WriteFileNoFollow: err = %v, want NotRegularError", err)
	}
	if got, _ := os.ReadFile(victim); string(got) != "precious\n" {
		t.Errorf("victim = %q, written through the symlink", got)
	}
	// A regular file is replaced as usual.
	plain := filepath.Join(dir, "plain.bin")
	if err := WriteFileNoFollow(plain, []byte("v1")); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := ReadFileNoFollow(plain); err != nil || !ok || string(got) != "v1" {
		t.Errorf("ReadFileNoFollow = %q, %v, %v", got, ok, err)
	}
}

// TestReadTooLarge: a file over MaxSize is refused, without reading it whole.
func TestReadTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "devshell.toml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: MaxSize+1 bytes without writing them.
	if err := f.Truncate(MaxSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var tooLarge *TooLargeError
	if _, _, err := ReadFile(path); !errors.As(err, &tooLarge) {
		t.Errorf("ReadFile: err = %v, want TooLargeError", err)
	}
	if _, _, err := Update(path, safetyTestAppend); !errors.As(err, &tooLarge) {
		t.Errorf("Update: err = %v, want TooLargeError", err)
	}
}

// TestReadOnlyRefused: a 0444 file in a writable directory is not replaced
// (also for root, who could), and the error says how to allow it.
func TestReadOnlyRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, []byte("keep\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	var readOnly *ReadOnlyError
	if _, _, err := Update(path, safetyTestAppend); !errors.As(err, &readOnly) {
		t.Fatalf("Update: err = %v, want ReadOnlyError", err)
	} else if !strings.Contains(err.Error(), "chmod u+w") {
		t.Errorf("error %q does not name the fix", err)
	}
	if err := WriteFile(path, []byte("x")); !errors.As(err, &readOnly) {
		t.Errorf("WriteFile: err = %v, want ReadOnlyError", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "keep\n" {
		t.Errorf("file = %q, replaced", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o444 {
		t.Errorf("mode = %v", fi.Mode())
	}
	if names := writeTestFiles(t, dir); len(names) != 1 {
		t.Errorf("dir holds %v", names)
	}
}

// TestHardLinkRefused: devsh refuses to split hard links (a rename would
// leave the other name with the old content); both names keep one inode.
func TestHardLinkRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.toml")
	if err := os.Link(path, other); err != nil {
		t.Fatal(err)
	}
	var hardLink *HardLinkError
	if _, _, err := Update(path, safetyTestAppend); !errors.As(err, &hardLink) || hardLink.Links != 2 {
		t.Fatalf("Update: err = %v, want HardLinkError with 2 links", err)
	}
	if writeTestInode(t, path) != writeTestInode(t, other) {
		t.Error("hard link split")
	}
	if got, _ := os.ReadFile(other); string(got) != "keep\n" {
		t.Errorf("other name = %q", got)
	}
}

// TestUpdateRemovesLeftoverTemp: a temp file a killed devsh left for the
// same file is removed by the next edit; others' files are left alone.
func TestUpdateRemovesLeftoverTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(dir, strings.Replace(TempPattern("devshell.toml"), "*", "12345", 1))
	otherTemp := filepath.Join(dir, strings.Replace(TempPattern(".envrc"), "*", "1", 1))
	for _, f := range []string{left, otherTemp, filepath.Join(dir, "notes.tmp")} {
		if err := os.WriteFile(f, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := Update(path, safetyTestAppend); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Base(otherTemp), "devshell.toml", "notes.tmp"}
	if got := writeTestFiles(t, dir); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("dir holds %v, want %v", got, want)
	}
}

// TestUpdateCancelDuringOp: Ctrl-C while a long operation runs returns at
// once with the context's error, and nothing is written.
func TestUpdateCancelDuringOp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		_, _, err := UpdateContext(ctx, path, func(old []byte, _ bool) ([]byte, error) {
			close(started)
			<-release // an edit that takes "forever"
			return append(old, "late\n"...), nil
		})
		errc <- err
	}()
	<-started
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(safetyTestBound):
		t.Fatal("UpdateContext did not return after cancel")
	}
	if got, _ := os.ReadFile(path); string(got) != "a\n" {
		t.Errorf("file = %q, written after cancel", got)
	}
	if names := writeTestFiles(t, dir); len(names) != 1 {
		t.Errorf("dir holds %v", names)
	}
}

// TestLockSerialisesAndHonoursContext: while one holder has the lock, a
// second Acquire waits and gives up with the context's error; many
// concurrent Updates (separate lock descriptors, as separate processes have)
// lose nothing.
func TestLockSerialisesAndHonoursContext(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Acquire(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Acquire: err = %v, want DeadlineExceeded", err)
	}
	l.Release()

	const writers = 40
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			line := []byte("w" + string(rune('A'+i%26)) + string(rune('a'+i/26)) + "\n")
			if _, _, err := Update(path, func(old []byte, _ bool) ([]byte, error) {
				return append(bytes.Clone(old), line...), nil
			}); err != nil {
				t.Errorf("Update %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	got, _ := os.ReadFile(path)
	if n := bytes.Count(got, []byte("\n")); n != writers {
		t.Errorf("file has %d lines, want %d (lost updates)", n, writers)
	}
}

// TestCommitCheckedKeepsLateSave: another writer saves between Update's last
// re-read and its rename. The atomic exchange shows devsh the displaced file;
// being not what devsh read, it goes back in place and the update is retried
// on it. Without a save in between, the exchange is the replacement.
func TestCommitCheckedKeepsLateSave(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "devshell.toml")
	tmp := filepath.Join(dir, strings.Replace(TempPattern("devshell.toml"), "*", "1", 1))
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	write(target, "theirs\n") // saved after devsh read "base\n"
	write(tmp, "ours\n")
	keep, err := commitChecked(tmp, target, []byte("base\n"), []byte("ours\n"), true)
	if !errors.Is(err, writeConflictError{}) || keep {
		t.Fatalf("late save: keep %v, err %v; want a conflict", keep, err)
	}
	if got, _ := os.ReadFile(target); string(got) != "theirs\n" {
		t.Errorf("target = %q, want the other writer's save", got)
	}
	// The temp path holds devsh's own bytes again, which writeReplace
	// removes (keep is false).
	if got, _ := os.ReadFile(tmp); string(got) != "ours\n" {
		t.Errorf("temp path holds %q, want devsh's own bytes", got)
	}

	write(target, "base\n")
	write(tmp, "ours\n")
	ino := writeTestInode(t, tmp)
	if keep, err := commitChecked(tmp, target, []byte("base\n"), []byte("ours\n"), true); err != nil || keep {
		t.Fatalf("no save in between: keep %v, err %v", keep, err)
	}
	if got, _ := os.ReadFile(target); string(got) != "ours\n" || writeTestInode(t, target) != ino {
		t.Errorf("target = %q (inode changed: %v), want ours, replaced", got, writeTestInode(t, target) != ino)
	}
	if names := writeTestFiles(t, dir); len(names) != 1 {
		t.Errorf("dir holds %v", names)
	}

	// Created meanwhile by someone else: not replaced.
	missing := filepath.Join(dir, ".envrc")
	write(missing, "theirs\n")
	write(tmp, "ours\n")
	if _, err := commitChecked(tmp, missing, nil, []byte("ours\n"), false); !errors.Is(err, writeConflictError{}) {
		t.Errorf("created meanwhile: err = %v, want a conflict", err)
	}
	if got, _ := os.ReadFile(missing); string(got) != "theirs\n" {
		t.Errorf(".envrc = %q", got)
	}
	_ = os.Remove(tmp)
}

// TestPutBackKeepsNewestSave: while devsh puts a displaced save back, the
// other writer saves again. The swap brings that newer save out instead of
// devsh's own bytes; it is the one to keep, so it is swapped into place and
// the older one, which it superseded, is what the temp path holds at the end.
func TestPutBackKeepsNewestSave(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "devshell.toml")
	tmp := filepath.Join(dir, strings.Replace(TempPattern("devshell.toml"), "*", "1", 1))
	for p, s := range map[string]string{target: "newer\n", tmp: "theirs\n"} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	keep, err := putBack(tmp, target, []byte("theirs\n"), []byte("ours\n"))
	if !errors.Is(err, writeConflictError{}) || keep {
		t.Fatalf("keep %v, err %v; want a conflict, tmp removable", keep, err)
	}
	if got, _ := os.ReadFile(target); string(got) != "newer\n" {
		t.Errorf("target = %q, want the newest save", got)
	}
	if got, _ := os.ReadFile(tmp); string(got) != "theirs\n" {
		t.Errorf("temp path = %q, want the superseded save", got)
	}
}

// TestUpdateMissingDirectory: a file whose directory does not exist is
// simply missing: op sees exists=false and its own error comes back (no
// lock error in its place).
func TestUpdateMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "devshell.toml")
	errMissing := errors.New("no devshell.toml")
	_, _, err := Update(path, func(old []byte, exists bool) ([]byte, error) {
		if exists || old != nil {
			t.Errorf("op: exists %v, old %q", exists, old)
		}
		return nil, errMissing
	})
	if err != errMissing {
		t.Errorf("err = %v, want the op's own error", err)
	}
}
