package netns

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"
)

// Start starts cmd inside the namespace. Go forks on the calling thread,
// and Do's thread is inside the namespace, so the child is born there: no
// `ip netns exec`, no named namespace, no window in the wrong namespace.
//
// Unless the caller set one, the child gets Pdeathsig SIGKILL so that it
// cannot outlive a crashed test. (Linux sends it when the forking thread
// ends; Do hands that thread back to the scheduler, which keeps it, so
// this fires only when the test process dies or the thread could not be
// moved back, and in both cases the child must go.)
//
// The caller waits for the child and stops it; StartT does both for tests.
func (ns *Namespace) Start(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if cmd.SysProcAttr.Pdeathsig == 0 {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	return ns.Do(cmd.Start)
}

// StartT starts cmd inside the namespace like Start and registers a
// cleanup that kills the child if it is still running and waits for it,
// so the namespace can go away with the test. A child the test already
// waited for is left alone. Cleanup functions run last-in first-out, so
// the child is reaped before the namespace (created earlier) is closed.
func (ns *Namespace) StartT(tb testing.TB, cmd *exec.Cmd) {
	tb.Helper()
	if err := ns.Start(cmd); err != nil {
		tb.Fatalf("%s: start %s: %v", ns.name, cmd.Path, err)
	}
	tb.Cleanup(func() {
		if cmd.ProcessState != nil {
			return
		}
		_ = cmd.Process.Kill()
		err := cmd.Wait()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			tb.Logf("%s: wait %s: %v", ns.name, cmd.Path, err)
		}
	})
}
