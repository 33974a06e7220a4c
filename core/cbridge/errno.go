package cbridge

import (
	"errors"
	"syscall"
)

// Errno maps an error to the errno value a C caller should see. Errors that
// carry no errno become EIO, so a failure is never reported as success.
func Errno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var e syscall.Errno
	if errors.As(err, &e) && e != 0 {
		return e
	}
	return syscall.EIO
}

// Error is an error that carries both a message for logs and the errno C
// callers are given.
type Error struct {
	Errno syscall.Errno
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Errno }

// Errorf builds an Error.
func Errorf(errno syscall.Errno, msg string) error { return &Error{Errno: errno, Msg: msg} }
