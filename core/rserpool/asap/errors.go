package asap

import (
	"errors"
	"fmt"
	"syscall"

	"netcompat/core/cbridge"
	"netcompat/core/rserpool/wire"
)

// Errors. Each carries the errno a C caller is given (cbridge.Errno); the
// C API maps them further to rsplib's return conventions.
var (
	// ErrNoRegistrar: the hunt found no registrar (none known, none
	// reachable within the connect trials), or a request lost its
	// association more than MaxFailovers times.
	ErrNoRegistrar = cbridge.Errorf(syscall.EHOSTUNREACH, "asap: no registrar reachable")
	// ErrTimeout: the registrar did not answer within the response
	// timeout, RequestMaxTrials times.
	ErrTimeout = cbridge.Errorf(syscall.ETIMEDOUT, "asap: registrar did not answer in time")
	// ErrClosed: the Client has been closed.
	ErrClosed = cbridge.Errorf(syscall.EBADF, "asap: client closed")
	// ErrInvalid: a bad argument (empty or over-long pool handle, user
	// transport without addresses).
	ErrInvalid = cbridge.Errorf(syscall.EINVAL, "asap: invalid argument")
	// ErrNotRegistered: the client holds no registration of that pool
	// element.
	ErrNotRegistered = cbridge.Errorf(syscall.ENOENT, "asap: pool element not registered by this client")

	// ErrRejected matches every RejectError.
	ErrRejected = cbridge.Errorf(syscall.EINVAL, "asap: request rejected by the registrar")
	// ErrUnknownPoolHandle matches a RejectError with cause 0x9
	// (Unknown Pool Handle).
	ErrUnknownPoolHandle = cbridge.Errorf(syscall.ENOENT, "asap: unknown pool handle")
	// ErrRateLimited matches a RejectError with cause 0xa (Rejection due
	// to security considerations), which rsplib's registrar sends when a
	// pool user exceeds its handle-resolution or failure-report rate.
	ErrRateLimited = cbridge.Errorf(syscall.EACCES, "asap: rejected for security considerations (rate limit)")
)

// RejectError is a registrar's refusal: a Registration Response with the R
// flag or an Operation Error, a Deregistration Response or Handle
// Resolution Response with an Operation Error, or an ASAP Error message in
// answer to a request.
//
// errors.Is matches ErrRejected always, ErrUnknownPoolHandle for cause 0x9
// and ErrRateLimited for cause 0xa; errors.As finds the Operation Error
// (*wire.OperationError) when there is one.
type RejectError struct {
	Request    wire.ASAPType // the request refused
	PoolHandle []byte
	PEID       uint32               // registration and deregistration only
	Cause      wire.Cause           // the first cause; 0 if none was given
	Op         *wire.OperationError // nil: rejected without an Operation Error
}

func (e *RejectError) Error() string {
	var s string
	if e.PEID != 0 {
		s = fmt.Sprintf("asap: %v of PE $%08x in pool %q rejected", e.Request, e.PEID, e.PoolHandle)
	} else {
		s = fmt.Sprintf("asap: %v of pool %q rejected", e.Request, e.PoolHandle)
	}
	if e.Op != nil && len(e.Op.Causes) > 0 {
		return s + ": " + e.Op.Error()
	}
	return s + " without a cause"
}

// Unwrap lets errors.Is and errors.As see the matching sentinel (first,
// so that cbridge.Errno finds its errno) and the Operation Error.
func (e *RejectError) Unwrap() []error {
	errs := []error{sentinelFor(e.Cause)}
	if e.Op != nil {
		errs = append(errs, e.Op)
	}
	return errs
}

// Is makes every RejectError match ErrRejected.
func (e *RejectError) Is(target error) bool { return target == ErrRejected }

func sentinelFor(c wire.Cause) error {
	switch c {
	case wire.CauseUnknownPoolHandle:
		return ErrUnknownPoolHandle
	case wire.CauseSecurityRejection:
		return ErrRateLimited
	}
	return ErrRejected
}

func newRejectError(req wire.ASAPType, handle []byte, id uint32, op *wire.OperationError) *RejectError {
	e := &RejectError{Request: req, PoolHandle: handle, PEID: id, Op: op}
	if op != nil && len(op.Causes) > 0 {
		e.Cause = op.Causes[0].Code
	}
	return e
}

// Internal errors that end an association; requests pending on it see
// errAssocLost wrapping them and are retried elsewhere.
var (
	errAssocLost       = errors.New("registrar association lost")
	errResponseTimeout = errors.New("response timeout")
	errSendTimeout     = errors.New("send timeout")
	errReplaced        = errors.New("replaced by the new home registrar's association")
	errClientClosed    = errors.New("client closed")
)

// lostError is what a pending request receives when its association ends.
type lostError struct{ cause error }

func (e *lostError) Error() string { return "asap: registrar association lost: " + e.cause.Error() }
func (e *lostError) Unwrap() []error {
	return []error{errAssocLost, e.cause}
}
