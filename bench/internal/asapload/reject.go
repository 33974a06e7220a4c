package asapload

import (
	"errors"
	"fmt"

	"netcompat/core/rserpool/wire"
)

// ErrRejected is wrapped by the errors of rejecting answers, so that a
// caller expecting a rejection (a resolution of a pool that does not
// exist yet) can tell it from a failure.
var ErrRejected = errors.New("rejected")

// Rejection describes the rejecting answer m, with the registrar's
// Operation Error when it carries one.
func Rejection(m []byte) error {
	msg, err := wire.ParseASAP(m)
	if err != nil {
		return fmt.Errorf("%v %w (undecodable: %v)", wire.ASAPType(m[0]), ErrRejected, err)
	}
	var oe *wire.OperationError
	switch r := msg.(type) {
	case *wire.RegistrationResponse:
		oe = r.Error
	case *wire.HandleResolutionResponse:
		oe = r.Error
	}
	if oe != nil {
		return fmt.Errorf("%v %w: %v", wire.ASAPType(m[0]), ErrRejected, oe)
	}
	return fmt.Errorf("%v %w", wire.ASAPType(m[0]), ErrRejected)
}
