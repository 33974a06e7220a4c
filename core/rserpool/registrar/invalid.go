package registrar

import (
	"errors"
	"time"

	"netcompat/core/rserpool/wire"
)

// ErrTooLarge is the error an I/O layer passes to HandleInvalid for a
// message longer than it accepts, with the head of the message it kept.
var ErrTooLarge = errors.New("registrar: message too large")

// maxCauseInfo is the most information an Unrecognized Message cause can
// carry in an ASAP Error message: 65535 less the message header, the
// Operation Error parameter header and the cause header.
const maxCauseInfo = 0xffff - 12

// HandleBytes decodes one ASAP message received on association from and
// handles it (Handle) or its decoding error (HandleInvalid).
func (r *Registrar) HandleBytes(now time.Time, from AssocID, b []byte) []Output {
	m, reports, err := wire.ParseASAPReport(b)
	if err != nil {
		return r.HandleInvalid(now, from, b, err, reports)
	}
	return r.Handle(now, from, m, reports)
}

// HandleInvalid handles a message that could not be decoded: b is the
// message as received (or, with ErrTooLarge, its head), err the decoder's
// error, reports the parameters to report (wire.ParseASAPReport). See
// doc.go, "Errors", for the answers and for when the association is
// closed.
func (r *Registrar) HandleInvalid(now time.Time, from AssocID, b []byte, err error, reports []wire.RawParam) []Output {
	return r.flush(r.handleInvalid(now, from, b, err, reports))
}

func (r *Registrar) handleInvalid(now time.Time, from AssocID, b []byte, err error, reports []wire.RawParam) []Output {
	a := r.assoc(now, from)
	a.lastActive = now
	typ := uint8(0)
	if len(b) > 0 {
		typ = b[0]
	}
	var (
		causes  []wire.ErrorCause
		answer  = isRequest(typ)
		garbage = true
		ue      *wire.UnrecognizedParamError
	)
	switch {
	case errors.Is(err, wire.ErrUnrecognizedMessage):
		causes = append(causes, wire.UnrecognizedMessageCause(b[:min(len(b), maxCauseInfo)]))
		answer = true
	case errors.As(err, &ue):
		// A parameter whose type bits say stop: the sender follows the
		// protocol, the message is discarded, and reported if the bits
		// say so.
		garbage = false
		answer = ue.Report
	case errors.Is(err, ErrTooLarge):
		causes = append(causes, wire.ErrorCause{Code: wire.CauseLackOfResources})
		answer = answer || !knownASAPType(typ)
	default:
		causes = append(causes, wire.ErrorCause{Code: wire.CauseInvalidValues})
	}
	if typ == uint8(wire.ASAPError) {
		answer = false // never answer an error with an error
	}
	e := withReports(&wire.OperationError{Causes: causes}, reports)
	if len(e.Causes) == 0 {
		answer = false
	}
	r.log.Debug("undecodable message", "assoc", a.id, "type", wire.ASAPType(typ).String(), "bytes", len(b), "err", err, "answered", answer)

	var out []Output
	if answer {
		r.stats.Errors++
		out = r.send(now, out, a.id, &wire.ASAPErrorMessage{Error: *e})
	}
	if garbage {
		r.stats.Garbage++
		a.garbage++
		if a.garbage >= r.cfg.MaxGarbage {
			r.stats.GarbageCloses++
			if sparse(r.stats.GarbageCloses) {
				r.log.Warn("closing association after repeated garbage", "assoc", a.id, "messages", a.garbage, "last_err", err,
					"closed_so_far", r.stats.GarbageCloses)
			}
			r.dropAssoc(a, "association closed for garbage")
			out = append(out, Output{To: a.id, Close: true})
		}
	}
	return out
}

// isRequest reports whether an ASAP message type asks the registrar for
// an answer.
func isRequest(typ uint8) bool {
	switch wire.ASAPType(typ) {
	case wire.ASAPRegistration, wire.ASAPDeregistration, wire.ASAPHandleResolution:
		return true
	}
	return false
}

func knownASAPType(typ uint8) bool {
	return typ >= uint8(wire.ASAPRegistration) && typ <= uint8(wire.ASAPError)
}

// sparse reports whether the n-th occurrence of something frequent is
// logged: the 1st, 2nd, 4th, 8th, ... so that a flood cannot flood the log.
func sparse(n uint64) bool { return n&(n-1) == 0 }
