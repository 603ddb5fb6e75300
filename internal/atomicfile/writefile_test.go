package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The tests drive the replace path (lock, checks, temp file, rename)
// through WriteFile, a whole-file write; devsh itself always edits through
// Update, which re-reads and re-applies its operation.

// WriteFile replaces path (following a symlink to its target) with data:
// under the directory's edit lock, temp file in the same directory, fsync,
// keep the mode (0644 for a new file), rename, fsync dir. A failure leaves
// the original and no temp file. The file's owner is not carried over (the
// new file belongs to the writer). An existing target must be a regular,
// writable file with one link.
func WriteFile(path string, data []byte) error {
	l, err := Acquire(context.Background(), path)
	if err != nil {
		return err
	}
	defer l.Release()
	mode := writeNewFileMode
	if fi, err := os.Stat(l.target); err == nil {
		if err := checkRegular(l.target, fi); err != nil {
			return wrapPath("write", path, err)
		}
		if err := checkReplaceable(l.target, fi); err != nil {
			return err
		}
		mode = writeKeptMode(fi)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return writeReplace(context.Background(), l.target, data, mode, nil, nil)
}
