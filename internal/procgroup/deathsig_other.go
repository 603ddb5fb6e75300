//go:build !linux

package procgroup

import "syscall"

// setDeathSignal does nothing where the kernel has no parent-death signal;
// the process group is still killed when the context ends.
func setDeathSignal(*syscall.SysProcAttr) {}
