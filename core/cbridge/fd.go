package cbridge

import (
	"golang.org/x/sys/unix"
)

// lowFDs is the range select(2) can watch (FD_SETSIZE). Descriptors only the
// library uses are moved above it so that a legacy program's own select()
// keeps working even when the library holds a thousand sockets.
const lowFDs = 1024

// MoveHigh re-numbers an internal descriptor to 1024 or above, close-on-exec.
// When the process may not open descriptors that high, fd is kept as it is.
func MoveHigh(fd int) int {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, lowFDs)
	if err != nil {
		return fd
	}
	unix.Close(fd)
	return nfd
}

// Notifier is an eventfd that is readable while work is pending. It is the
// "the fd becomes readable" half of the dispatch pattern: Go queues events
// and signals; the C program's select() wakes and calls the dispatch entry.
type Notifier struct{ fd int }

// NewNotifier makes a non-blocking, close-on-exec eventfd.
func NewNotifier() (*Notifier, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, err
	}
	return &Notifier{fd: fd}, nil
}

// Fd is the descriptor to poll.
func (n *Notifier) Fd() int { return n.fd }

// Signal makes the descriptor readable.
func (n *Notifier) Signal() {
	var one = [8]byte{1}
	unix.Write(n.fd, one[:]) // EAGAIN means the counter is already non-zero
}

// Clear makes the descriptor unreadable until the next Signal.
func (n *Notifier) Clear() {
	var buf [8]byte
	unix.Read(n.fd, buf[:])
}

// Close releases the descriptor.
func (n *Notifier) Close() error { return unix.Close(n.fd) }
