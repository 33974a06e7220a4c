package api

import (
	"encoding/json"
	"fmt"
	"net/netip"
)

// Request operations.
const (
	OpSession = "session"
	OpSender  = "sender"
	OpReserve = "reserve"
	OpRelease = "release"
	OpStatus  = "status"
	// OpNoSignal installs (or removes) a "no signalling" reservation:
	// one of rsvpd's configured nosignal rules, admitted and installed
	// locally without RSVP messages (qtoq REQ_NOSIGNAL).
	OpNoSignal = "nosignal"
)

// Event kinds: the RAPI upcall types.
const (
	EventPath        = "path"         // RAPI_PATH_EVENT
	EventResv        = "resv"         // RAPI_RESV_EVENT
	EventPathError   = "path_error"   // RAPI_PATH_ERROR
	EventResvError   = "resv_error"   // RAPI_RESV_ERROR
	EventResvConfirm = "resv_confirm" // RAPI_RESV_CONFIRM
)

// Request is one request of a client.
type Request struct {
	Op  string `json:"op"`
	Seq uint32 `json:"seq"`
	SID uint32 `json:"sid,omitempty"`

	Session  *SessionSpec  `json:"session,omitempty"`  // OpSession
	Sender   *SenderSpec   `json:"sender,omitempty"`   // OpSender; nil withdraws
	Reserve  *ReserveSpec  `json:"reserve,omitempty"`  // OpReserve; nil removes
	NoSignal *NoSignalSpec `json:"nosignal,omitempty"` // OpNoSignal
}

// NoSignalSpec asks for a configured "no signalling" rule for a flow of
// this host (Install), or removes the reservation Handle (!Install). The
// rule is the one named Rule, or else the first whose protocol, local
// port and remote prefix match. The reservation goes on the rule's
// interface, or the route's towards Remote; it lasts until removed or
// until the client's connection ends.
type NoSignalSpec struct {
	Install    bool       `json:"install"`
	Handle     uint64     `json:"handle,omitempty"` // !Install: what to remove
	Rule       string     `json:"rule,omitempty"`
	Proto      uint8      `json:"proto,omitempty"` // 0: UDP
	Local      netip.Addr `json:"local,omitzero"`  // this host's address (the data's source)
	LocalPort  uint16     `json:"local_port,omitempty"`
	Remote     netip.Addr `json:"remote,omitzero"`
	RemotePort uint16     `json:"remote_port,omitempty"`
}

// SessionSpec is an RSVP session: destination address, IP protocol and
// destination port (rapi_session's Dest and Protid).
type SessionSpec struct {
	Dest  netip.Addr `json:"dest"`
	Proto uint8      `json:"proto"`
	Port  uint16     `json:"port"`
	// Police asks for the E_Police flag (police traffic at the edge).
	Police bool `json:"police,omitempty"`
}

// SenderSpec is rapi_sender's: the sender's address and port (the
// unspecified address: the daemon picks the outgoing interface's), its
// Tspec, an optional Adspec to start from, and the TTL of its data.
type SenderSpec struct {
	Host   netip.Addr  `json:"host"`
	Port   uint16      `json:"port"`
	Tspec  TokenBucket `json:"tspec"`
	Adspec *Adspec     `json:"adspec,omitempty"`
	TTL    int         `json:"ttl,omitempty"`
}

// ReserveSpec is rapi_reserve's: the style, the filters and flowspecs in
// the style's pairing (WF: no filter, one flowspec; FF: one flowspec per
// filter; SE: one flowspec, any number of filters), the receiver's
// address (unspecified: the daemon chooses) and whether to ask for a
// ResvConf.
type ReserveSpec struct {
	Style     int        `json:"style"`
	Receiver  netip.Addr `json:"receiver,omitzero"`
	Confirm   bool       `json:"confirm,omitempty"`
	Filters   []Filter   `json:"filters,omitempty"`
	Flowspecs []Flowspec `json:"flowspecs"`
}

// Reply answers request Seq.
type Reply struct {
	Reply  uint32          `json:"reply"`
	SID    uint32          `json:"sid,omitempty"`
	Error  *Error          `json:"error,omitempty"`
	Status json.RawMessage `json:"status,omitempty"`
	// Handle and Rule answer an OpNoSignal install: the reservation's
	// handle (for the removal) and the rule used.
	Handle uint64 `json:"handle,omitempty"`
	Rule   string `json:"rule,omitempty"`
	// A status larger than one datagram comes in pieces: replies with
	// Chunk set and More true, the last with More false. The client
	// joins them (Client.Status).
	Chunk string `json:"chunk,omitempty"`
	More  bool   `json:"more,omitempty"`
}

// StatusChunk is the size of the pieces a large status is sent in, well
// under a Unix socket's default send buffer.
const StatusChunk = 48 << 10

// StatusReplies splits a status document into the replies that carry it
// for request seq: one with Status when it is small, pieces otherwise.
func StatusReplies(seq uint32, status []byte) []*Reply {
	if len(status) <= StatusChunk {
		return []*Reply{{Reply: seq, Status: status}}
	}
	var out []*Reply
	for len(status) > 0 {
		n := min(len(status), StatusChunk)
		out = append(out, &Reply{Reply: seq, Chunk: string(status[:n]), More: n < len(status)})
		status = status[n:]
	}
	return out
}

// Error is a failed request or an error event: a RAPI error code, or an
// RSVP ERROR_SPEC (code, value, the node that detected it, InPlace and
// NotGuilty flags).
type Error struct {
	RAPI  int        `json:"rapi,omitempty"`
	Code  uint8      `json:"code,omitempty"`
	Value uint16     `json:"value,omitempty"`
	Node  netip.Addr `json:"node,omitzero"`
	Flags uint8      `json:"flags,omitempty"`
	Text  string     `json:"text,omitempty"`
	// Reason refines a RAPI error for the library: ReasonNoRule,
	// ReasonNoHandle.
	Reason string `json:"reason,omitempty"`
}

// Reasons of RAPI errors.
const (
	ReasonNoRule   = "norule"   // OpNoSignal: no configured rule matches
	ReasonNoHandle = "nohandle" // OpNoSignal: no such reservation
)

// ERROR_SPEC flags (RFC 2205 A.5).
const (
	ErrorInPlace   = 0x01
	ErrorNotGuilty = 0x02
)

func (e *Error) Error() string {
	if e.RAPI != 0 {
		return fmt.Sprintf("rsvpd: RAPI error %d: %s", e.RAPI, e.Text)
	}
	return fmt.Sprintf("rsvpd: RSVP error code %d value %d from %v: %s", e.Code, e.Value, e.Node, e.Text)
}

// Event is one upcall's worth of state for API session SID.
type Event struct {
	Event string `json:"event"`
	SID   uint32 `json:"sid"`

	Senders   []Sender   `json:"senders,omitempty"`   // path, path_error
	Style     int        `json:"style,omitempty"`     // resv, resv_error, resv_confirm
	Filters   []Filter   `json:"filters,omitempty"`   // resv, resv_error, resv_confirm
	Flowspecs []Flowspec `json:"flowspecs,omitempty"` // resv, resv_error, resv_confirm
	Error     *Error     `json:"error,omitempty"`     // path_error, resv_error
}

// Message is whatever a datagram from rsvpd holds: a reply or an event.
type Message struct {
	Reply *Reply
	Event *Event
}

// decodeMessage tells a reply from an event by its key.
func decodeMessage(b []byte) (Message, error) {
	var probe struct {
		Reply *uint32 `json:"reply"`
		Event *string `json:"event"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return Message{}, fmt.Errorf("api: bad message: %w", err)
	}
	switch {
	case probe.Reply != nil:
		var r Reply
		err := json.Unmarshal(b, &r)
		return Message{Reply: &r}, err
	case probe.Event != nil:
		var e Event
		err := json.Unmarshal(b, &e)
		return Message{Event: &e}, err
	}
	return Message{}, fmt.Errorf("api: message is neither a reply nor an event")
}

// DecodeRequest decodes one request datagram (the daemon's side).
func DecodeRequest(b []byte) (*Request, error) {
	var r Request
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("api: bad request: %w", err)
	}
	switch r.Op {
	case OpSession:
		if r.Session == nil || !r.Session.Dest.IsValid() {
			return &r, fmt.Errorf("api: session request without a destination")
		}
	case OpSender, OpRelease, OpStatus:
	case OpNoSignal:
		n := r.NoSignal
		switch {
		case n == nil:
			return &r, fmt.Errorf("api: nosignal request without its parameters")
		case n.Install && n.LocalPort == 0 && n.Rule == "":
			return &r, fmt.Errorf("api: nosignal request without a local port or a rule name")
		case !n.Install && n.Handle == 0:
			return &r, fmt.Errorf("api: nosignal removal without a handle")
		}
	case OpReserve:
		if r.Reserve != nil && len(r.Reserve.Flowspecs) == 0 {
			r.Reserve = nil // no flowspec: remove, as rapi_reserve
		}
	default:
		return &r, fmt.Errorf("api: unknown operation %q", r.Op)
	}
	return &r, nil
}
