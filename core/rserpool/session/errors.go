package session

import (
	"errors"
	"fmt"
	"syscall"

	"netcompat/core/cbridge"
	"netcompat/core/transport"
)

// Errors. Each carries the errno the C API reports (cbridge.Errno).
var (
	// ErrClosed: the socket has been closed.
	ErrClosed = cbridge.Errorf(syscall.EBADF, "session: socket closed")
	// ErrWouldBlock: TryRecv or TryAccept found nothing to return.
	ErrWouldBlock = cbridge.Errorf(syscall.EAGAIN, "session: nothing to receive")
	// ErrNoPoolElement: no element of the pool could be reached within
	// the failover trials. Wrapped by *NoElementError.
	ErrNoPoolElement = cbridge.Errorf(syscall.EIO, "session: no pool element reachable")
	// ErrInvalid: a bad argument (reserved PPID, unknown session, empty
	// cookie, bad pool handle).
	ErrInvalid = cbridge.Errorf(syscall.EINVAL, "session: invalid argument")
	// ErrNotRegistered: Deregister on an element that is not registered.
	ErrNotRegistered = cbridge.Errorf(syscall.EBADF, "session: pool element not registered")
	// ErrNoSession: the session id names no session of this socket.
	ErrNoSession = cbridge.Errorf(syscall.EINVAL, "session: no such session")
)

// NoElementError is the failure of a connect or failover: how many
// resolution trials were made, which elements were tried, and the last
// cause (a resolution error from package asap, or a dial error).
// errors.Is matches ErrNoPoolElement and the cause.
type NoElementError struct {
	PoolHandle []byte
	Trials     int
	Tried      []uint32
	Cause      error
}

func (e *NoElementError) Error() string {
	s := fmt.Sprintf("session: no element of pool %q reachable after %d trial(s)", e.PoolHandle, e.Trials)
	if len(e.Tried) > 0 {
		s += fmt.Sprintf(", tried %d element(s)", len(e.Tried))
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *NoElementError) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrNoPoolElement}
	}
	return []error{ErrNoPoolElement, e.Cause}
}

// refusedSend reports errors of Send that leave the association usable
// (a bad message); every other error means the association is gone.
func refusedSend(err error) bool {
	return errors.Is(err, transport.ErrMessageTooLarge) || errors.Is(err, transport.ErrEmptyMessage) ||
		(errors.Is(err, syscall.EINVAL) && !errors.Is(err, transport.ErrAssociationLost))
}
