package cbridge

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Non-blocking system calls for the hot paths of caller-driven event loops.
//
// They use RawSyscall, which skips the Go scheduler's entersyscall and
// exitsyscall. That is right only for calls that cannot block, and it
// matters here: the caller is a C thread that enters Go for each dispatch,
// and every scheduler hand-off around a system call invites the runtime to
// take its processor away and wake another thread, which costs more than
// the call itself (see bench/).

func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// EpollPoll is epoll_wait with a zero timeout (as epoll_pwait with no
// signal mask, the call every architecture has).
func EpollPoll(ep int, events []unix.EpollEvent) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(ep),
		uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	return int(n), errnoErr(e)
}

// RecvNB is recv(2) with MSG_DONTWAIT.
func RecvNB(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd),
		uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// SendNB writes the buffers with one sendmsg(2), MSG_DONTWAIT and
// MSG_NOSIGNAL (a C thread must not be killed by SIGPIPE), and returns how
// much the kernel took.
func SendNB(fd int, bufs ...[]byte) (int, error) {
	var iov [4]unix.Iovec
	n := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if n == len(iov) {
			break
		}
		iov[n].Base = &b[0]
		iov[n].SetLen(len(b))
		n++
	}
	if n == 0 {
		return 0, nil
	}
	msg := unix.Msghdr{Iov: &iov[0]}
	msg.SetIovlen(n)
	r, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)),
		unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}
