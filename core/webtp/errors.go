package webtp

import (
	"errors"

	"netcompat/core/webtp/engine"
	"netcompat/core/webtp/sched"
)

// ErrBadFlags: flags other than FlagReliable and FlagUrgent.
var ErrBadFlags = errors.New("webtp: invalid ADU flags")

// ErrReset: the peer reset the connection or broke the protocol.
var ErrReset = errors.New("webtp: connection reset")

// mapErr turns engine errors into this package's.
func mapErr(err error) error {
	switch err {
	case nil:
		return nil
	case engine.ErrClosed:
		return ErrClosed
	case engine.ErrWouldBlock:
		return ErrWouldBlock
	case engine.ErrTooLarge:
		return ErrTooLarge
	case engine.ErrADUTooLong:
		return ErrADUTooLong
	case engine.ErrRefused:
		return ErrRefused
	case engine.ErrIdle:
		return ErrTimeout
	case engine.ErrUnknownClass:
		return ErrUnknownClass
	case engine.ErrBadFlags:
		return ErrBadFlags
	case engine.ErrReset, engine.ErrProtocol:
		return ErrReset
	}
	if errors.Is(err, sched.ErrRateUnavailable) {
		return ErrRateUnavailable
	}
	return err
}
