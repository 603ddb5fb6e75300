//go:build linux && (amd64 || arm64)

package atomicfile

import (
	"syscall"
	"unsafe"
)

// renameExchange is RENAME_EXCHANGE of linux/fs.h: renameat2 swaps the two
// names atomically.
const renameExchange = 1 << 1

// exchange swaps the files at the absolute paths a and b atomically.
func exchange(a, b string) error {
	pa, err := syscall.BytePtrFromString(a)
	if err != nil {
		return err
	}
	pb, err := syscall.BytePtrFromString(b)
	if err != nil {
		return err
	}
	// Both paths are absolute, so the directory descriptors are ignored.
	_, _, errno := syscall.Syscall6(sysRenameat2, 0, uintptr(unsafe.Pointer(pa)), 0, uintptr(unsafe.Pointer(pb)), renameExchange, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
