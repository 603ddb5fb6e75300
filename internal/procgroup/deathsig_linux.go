package procgroup

import "syscall"

// setDeathSignal asks Linux to SIGKILL the child when devsh dies, also by a
// SIGKILL that no handler sees (PR_SET_PDEATHSIG). Linux sends it when the
// OS thread that started the child exits; Go keeps its threads for the
// process's life unless a goroutine exits while locked to one, which devsh
// does not do.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
