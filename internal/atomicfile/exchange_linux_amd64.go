package atomicfile

// sysRenameat2 is renameat2's system call number on linux/amd64 (the
// syscall package lists it only for other architectures).
const sysRenameat2 = 316
