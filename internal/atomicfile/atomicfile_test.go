package atomicfile

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// writeTestFiles lists the names in dir, sorted.
func writeTestFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read dir: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// writeTestInode returns the inode number of path.
func writeTestInode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func writeTestMustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

func TestWriteAtomicKeepsMode(t *testing.T) {
	for _, mode := range []fs.FileMode{0o600, 0o644, 0o755, 0o640} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "devshell.toml")
			if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			ino := writeTestInode(t, path)
			if err := WriteFile(path, []byte("new\n")); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			if got := writeTestMustRead(t, path); got != "new\n" {
				t.Errorf("content = %q, want %q", got, "new\n")
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != mode {
				t.Errorf("mode = %v, want %v", fi.Mode(), mode)
			}
			if writeTestInode(t, path) == ino {
				t.Errorf("inode unchanged: the file was rewritten in place, not replaced by rename")
			}
			if names := writeTestFiles(t, dir); len(names) != 1 {
				t.Errorf("dir holds %v, want only devshell.toml", names)
			}
		})
	}
}

func TestWriteAtomicNewFileMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".envrc")
	if err := WriteFile(path, []byte("use flake\n")); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o644 {
		t.Errorf("mode = %v, want -rw-r--r--", fi.Mode())
	}
	if got := writeTestMustRead(t, path); got != "use flake\n" {
		t.Errorf("content = %q", got)
	}
}

func TestWriteAtomicFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	realDir := filepath.Join(dir, "real")
	if err := os.Mkdir(realDir, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(realDir, "devshell.toml")
	if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// link1 -> link2 (absolute) -> real/devshell.toml (relative to link2's dir).
	link2 := filepath.Join(dir, "link2")
	if err := os.Symlink(filepath.Join("real", "devshell.toml"), link2); err != nil {
		t.Fatal(err)
	}
	link1 := filepath.Join(dir, "link1")
	if err := os.Symlink(link2, link1); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link1, []byte("new\n")); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	for _, l := range []string{link1, link2} {
		fi, err := os.Lstat(l)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink (mode %v)", filepath.Base(l), fi.Mode())
		}
	}
	if got := writeTestMustRead(t, target); got != "new\n" {
		t.Errorf("target content = %q, want %q", got, "new\n")
	}
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o600 {
		t.Errorf("target mode = %v, want -rw-------", fi.Mode())
	}
	if names := writeTestFiles(t, realDir); len(names) != 1 {
		t.Errorf("target dir holds %v, want only devshell.toml", names)
	}
}

func TestWriteAtomicDanglingSymlinkCreatesTarget(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "devshell.toml")
	if err := os.Symlink("shared.toml", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte("x\n")); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	if got := writeTestMustRead(t, filepath.Join(dir, "shared.toml")); got != "x\n" {
		t.Errorf("target content = %q", got)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("link replaced: %v %v", fi, err)
	}
}

func TestWriteAtomicSymlinkLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.Symlink(b, a); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(a, b); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(a, []byte("x")); err == nil {
		t.Fatal("WriteFile through a symlink loop: err = nil")
	}
}

// TestWriteAtomicParentIsFile: the directory part of the path is a regular
// file, so creating the temp file fails (for root too).
func TestWriteAtomicParentIsFile(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(filepath.Join(notDir, "devshell.toml"), []byte("x"))
	if !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("err = %v, want ENOTDIR", err)
	}
	if got := writeTestMustRead(t, notDir); got != "keep" {
		t.Errorf("file changed to %q", got)
	}
	if names := writeTestFiles(t, dir); len(names) != 1 {
		t.Errorf("dir holds %v, want only file", names)
	}
}

// TestWriteAtomicImmutableDir makes the directory immutable with the real
// chattr +i, which stops even root from creating the temp file; the original
// stays and no temp file appears.
func TestWriteAtomicImmutableDir(t *testing.T) {
	chattr, err := exec.LookPath("chattr")
	if err != nil {
		t.Fatalf("chattr (e2fsprogs) is needed for this test: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "proj")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, []byte("original\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(chattr, "+i", dir).CombinedOutput()
	if err != nil {
		// The file system or the container's capabilities (CAP_LINUX_IMMUTABLE)
		// do not allow it; the file-size-limit test covers a real failure then.
		t.Skipf("chattr +i not possible here, immutable-directory failure not exercised: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(chattr, "-i", dir).CombinedOutput(); err != nil {
			t.Errorf("chattr -i: %v: %s", err, out)
		}
	})

	if err := WriteFile(path, []byte("new\n")); err == nil {
		t.Fatal("WriteFile into an immutable dir: err = nil")
	}
	if got := writeTestMustRead(t, path); got != "original\n" {
		t.Errorf("original changed to %q", got)
	}
	if names := writeTestFiles(t, dir); len(names) != 1 || names[0] != "devshell.toml" {
		t.Errorf("dir holds %v, want only devshell.toml", names)
	}

	_, _, err = Update(path, func(old []byte, _ bool) ([]byte, error) {
		return append(old, "more\n"...), nil
	})
	if err == nil {
		t.Fatal("Update into an immutable dir: err = nil")
	}
	if got := writeTestMustRead(t, path); got != "original\n" {
		t.Errorf("original changed to %q", got)
	}
}

// writeTestFSizeEnv names the file the helper process writes.
const writeTestFSizeEnv = "DEVSH_TEST_WRITE_FSIZE_PATH"

// writeTestFSizeLimit is the file-size limit of the helper process; the
// helper writes more than this, after creating its temp file.
const writeTestFSizeLimit = 4096

// TestWriteFSizeHelper is not a test on its own: TestWriteAtomicFileSizeLimit
// runs the test binary again with only this test, in a process whose
// RLIMIT_FSIZE makes writing the temp file fail with EFBIG (for root too).
func TestWriteFSizeHelper(t *testing.T) {
	path := os.Getenv(writeTestFSizeEnv)
	if path == "" {
		t.Skip("helper process for TestWriteAtomicFileSizeLimit")
	}
	// Only the soft limit is lowered, and it is raised again when the checks
	// end: the test binary still writes its coverage profile on exit
	// (go test -cover), which fails with EFBIG under the lowered limit.
	var prev syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &prev); err != nil {
		t.Fatalf("getrlimit: %v", err)
	}
	lim := syscall.Rlimit{Cur: writeTestFSizeLimit, Max: prev.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatalf("setrlimit: %v", err)
	}
	defer func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &prev); err != nil {
			t.Errorf("restore setrlimit: %v", err)
		}
	}()
	big := bytes.Repeat([]byte("x"), 16*writeTestFSizeLimit)
	err := WriteFile(path, big)
	if !errors.Is(err, syscall.EFBIG) {
		t.Fatalf("WriteFile over the size limit: err = %v, want EFBIG", err)
	}
	if want := "write " + path + ": file too large"; err.Error() != want {
		t.Errorf("WriteFile over the size limit: err = %q, want %q (no temp file name)", err, want)
	}
	_, _, err = Update(path, func(old []byte, _ bool) ([]byte, error) { return big, nil })
	if !errors.Is(err, syscall.EFBIG) {
		t.Fatalf("Update over the size limit: err = %v, want EFBIG", err)
	}
}

// TestWriteAtomicFileSizeLimit: writing the temp file fails half-way; the
// original stays and the partial temp file is removed.
func TestWriteAtomicFileSizeLimit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, []byte("original\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), os.Args[0], "-test.run=^TestWriteFSizeHelper$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), writeTestFSizeEnv+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper process failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestWriteFSizeHelper") {
		t.Fatalf("helper process did not run its checks:\n%s", out)
	}
	if got := writeTestMustRead(t, path); got != "original\n" {
		t.Errorf("original changed to %q", got)
	}
	if names := writeTestFiles(t, dir); len(names) != 1 {
		t.Errorf("dir holds %v, want only devshell.toml (temp file left behind)", names)
	}
}

// TestUpdateConcurrentEdit: another writer changes the file after Update read
// it; that edit survives and the operation is applied on top of it.
func TestUpdateConcurrentEdit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, []byte("a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var seen []string
	before, after, err := Update(path, func(old []byte, exists bool) ([]byte, error) {
		if !exists {
			t.Errorf("op called with exists=false")
		}
		seen = append(seen, string(old))
		if len(seen) == 1 {
			// Someone else edits the file while devsh is working on it.
			if err := os.WriteFile(path, []byte("a\nother\n"), 0o600); err != nil {
				return nil, err
			}
		}
		return append(bytes.Clone(old), "added\n"...), nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := []string{"a\n", "a\nother\n"}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Errorf("op saw %q, want %q", seen, want)
	}
	if got := writeTestMustRead(t, path); got != "a\nother\nadded\n" {
		t.Errorf("file = %q, want the other edit with ours on top", got)
	}
	if string(before) != "a\nother\n" || string(after) != "a\nother\nadded\n" {
		t.Errorf("before, after = %q, %q", before, after)
	}
	if names := writeTestFiles(t, dir); len(names) != 1 {
		t.Errorf("dir holds %v, want only devshell.toml", names)
	}
}

// TestUpdateConcurrentCreate: the file appears after Update saw it missing.
func TestUpdateConcurrentCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".envrc")
	calls := 0
	_, after, err := Update(path, func(old []byte, exists bool) ([]byte, error) {
		calls++
		if calls == 1 {
			if exists || old != nil {
				t.Errorf("first call: old=%q exists=%v, want nil,false", old, exists)
			}
			if err := os.WriteFile(path, []byte("theirs\n"), 0o600); err != nil {
				return nil, err
			}
		}
		return append(bytes.Clone(old), "ours\n"...), nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := writeTestMustRead(t, path); got != "theirs\nours\n" || string(after) != got {
		t.Errorf("file = %q, after = %q, want %q", got, after, "theirs\nours\n")
	}
}

// TestUpdateGivesUp: a writer that changes the file every time makes Update
// fail after a bounded number of attempts, leaving that writer's last edit.
func TestUpdateGivesUp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, []byte("0"), 0o644); err != nil {
		t.Fatal(err)
	}
	calls := 0
	_, _, err := Update(path, func(old []byte, _ bool) ([]byte, error) {
		calls++
		if err := os.WriteFile(path, append(bytes.Clone(old), '+'), 0o644); err != nil {
			return nil, err
		}
		return append(bytes.Clone(old), "ours"...), nil
	})
	if err == nil {
		t.Fatal("Update against a writer in a loop: err = nil")
	}
	if calls != updateMaxAttempts {
		t.Errorf("op called %d times, want %d", calls, updateMaxAttempts)
	}
	if got, want := writeTestMustRead(t, path), "0"+strings.Repeat("+", updateMaxAttempts); got != want {
		t.Errorf("file = %q, want the other writer's last edit %q", got, want)
	}
	if names := writeTestFiles(t, dir); len(names) != 1 {
		t.Errorf("dir holds %v, want only devshell.toml", names)
	}
}

func TestUpdateUnchangedWritesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ino := writeTestInode(t, path)
	before, after, err := Update(path, func(old []byte, _ bool) ([]byte, error) {
		return bytes.Clone(old), nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if string(before) != "same\n" || string(after) != "same\n" {
		t.Errorf("before, after = %q, %q", before, after)
	}
	if writeTestInode(t, path) != ino {
		t.Error("file was replaced although the content did not change")
	}

	missing := filepath.Join(dir, ".envrc")
	for _, result := range [][]byte{nil, {}} {
		if _, _, err := Update(missing, func(old []byte, exists bool) ([]byte, error) {
			return result, nil
		}); err != nil {
			t.Fatalf("Update missing: %v", err)
		}
		if _, err := os.Lstat(missing); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("empty result %#v created the missing file: %v", result, err)
		}
	}
}

func TestUpdateCreatesMissingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".envrc")
	before, after, err := Update(path, func(old []byte, exists bool) ([]byte, error) {
		if exists || old != nil {
			t.Errorf("op got old=%q exists=%v for a missing file", old, exists)
		}
		return []byte("watch_file devshell.toml\nuse flake\n"), nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if before != nil || string(after) != "watch_file devshell.toml\nuse flake\n" {
		t.Errorf("before, after = %q, %q", before, after)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o644 {
		t.Errorf("mode = %v, want -rw-r--r--", fi.Mode())
	}
}

func TestUpdateOpError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devshell.toml")
	if err := os.WriteFile(path, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errBoom := errors.New("boom")
	_, _, err := Update(path, func([]byte, bool) ([]byte, error) { return []byte("x"), errBoom })
	// The op's error is passed through as it is: ops name the file
	// themselves (an invalid-TOML error is path:line:col: message).
	if err != errBoom {
		t.Fatalf("err = %v, want the op's error unchanged", err)
	}
	if got := writeTestMustRead(t, path); got != "keep\n" {
		t.Errorf("file changed to %q", got)
	}
}

func TestUpdateFollowsSymlinkAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "shared.toml")
	if err := os.WriteFile(target, []byte("a\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "devshell.toml")
	if err := os.Symlink("shared.toml", link); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Update(link, func(old []byte, _ bool) ([]byte, error) {
		return append(bytes.Clone(old), "b\n"...), nil
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := writeTestMustRead(t, target); got != "a\nb\n" {
		t.Errorf("target = %q", got)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("link is no longer a symlink: %v %v", fi, err)
	}
	if fi, err := os.Stat(target); err != nil || fi.Mode() != 0o640 {
		t.Errorf("target mode = %v (%v), want -rw-r-----", fi.Mode(), err)
	}
}

func TestWriteAtomicRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, []byte("x")); err == nil {
		t.Fatal("WriteFile onto a directory: err = nil")
	}
}

func TestIsTemp(t *testing.T) {
	tests := []struct {
		name, base string
		ok         bool
	}{
		{".devshell.toml.devsh-123.tmp", "devshell.toml", true},
		{".index-x-1.bin.devsh-9.tmp", "index-x-1.bin", true},
		{"devshell.toml.devsh-123.tmp", "", false}, // not hidden
		{".devshell.toml.devsh-123", "", false},    // no suffix
		{".devshell.toml.tmp", "", false},          // no infix
		{"..devsh-1.tmp", "", false},               // no base
	}
	for _, tt := range tests {
		base, ok := IsTemp(tt.name)
		if base != tt.base || ok != tt.ok {
			t.Errorf("IsTemp(%q) = %q, %v, want %q, %v", tt.name, base, ok, tt.base, tt.ok)
		}
	}
	// What CreateTemp makes from TempPattern is recognised.
	f, err := os.CreateTemp(t.TempDir(), TempPattern(".envrc"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if base, ok := IsTemp(filepath.Base(f.Name())); !ok || base != ".envrc" {
		t.Errorf("IsTemp(%q) = %q, %v, want .envrc, true", filepath.Base(f.Name()), base, ok)
	}
}

// TestRemoveIf: the file goes only when it holds exactly the given bytes;
// through a symlink the file it points to goes and the link stays (as
// before Update created that file); a missing file is no error; what is no
// regular file is refused. No temporary file is left either way.
func TestRemoveIf(t *testing.T) {
	const written = "[devshell]\npackages = [\n  \"jq\",\n]\n"
	for _, tt := range []struct {
		name    string
		content string // "" with missing: no file
		missing bool
		symlink bool
		dir     bool
		want    bool
		wantErr string
	}{
		{name: "exactly what was written", content: written, want: true},
		{name: "edited since", content: written + "# mine\n"},
		{name: "emptied", content: ""},
		{name: "missing", missing: true},
		{name: "through a symlink", content: written, symlink: true, want: true},
		{name: "a directory", dir: true, wantErr: "is a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "devshell.toml")
			target := path
			if tt.symlink {
				target = filepath.Join(dir, "real.toml")
				if err := os.Symlink("real.toml", path); err != nil {
					t.Fatal(err)
				}
			}
			switch {
			case tt.dir:
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
			case !tt.missing:
				if err := os.WriteFile(target, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := RemoveIf(context.Background(), path, []byte(written))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("RemoveIf = %v, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("RemoveIf = %v, %v; want %v", got, err, tt.want)
			}
			b, err := os.ReadFile(target)
			switch {
			case tt.want && !errors.Is(err, fs.ErrNotExist):
				t.Errorf("the file is still there (%q, %v)", b, err)
			case !tt.want && !tt.missing && (err != nil || string(b) != tt.content):
				t.Errorf("the file changed: %q, %v; want %q", b, err, tt.content)
			}
			if tt.symlink {
				if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
					t.Errorf("the symlink is gone: %v", err)
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if _, ok := IsTemp(e.Name()); ok {
					t.Errorf("temporary file %s left", e.Name())
				}
			}
		})
	}
}
