package wire

// The seven messages of RFC 2205 section 3.1, in the RFC's notation
// (square brackets: optional; "...": may repeat). Every message may start
// with an INTEGRITY object, kept in MessageCommon.
//
//	Path     = SESSION RSVP_HOP TIME_VALUES [POLICY_DATA...] [sender descriptor]
//	Resv     = SESSION RSVP_HOP TIME_VALUES [RESV_CONFIRM] [SCOPE] [POLICY_DATA...]
//	           STYLE flow descriptor list
//	PathErr  = SESSION ERROR_SPEC [POLICY_DATA...] [sender descriptor]
//	ResvErr  = SESSION RSVP_HOP ERROR_SPEC [SCOPE] [POLICY_DATA...]
//	           STYLE [error flow descriptor]
//	PathTear = SESSION RSVP_HOP [sender descriptor]
//	ResvTear = SESSION RSVP_HOP [SCOPE] STYLE flow descriptor list
//	ResvConf = SESSION ERROR_SPEC RESV_CONFIRM STYLE flow descriptor list
//
//	sender descriptor = SENDER_TEMPLATE SENDER_TSPEC [ADSPEC]
//
// Flow descriptor lists by style (flowspecs in a ResvTear are ignored by
// the receiver and may be left out):
//
//	WF: FLOWSPEC
//	FF: FLOWSPEC FILTER_SPEC { [FLOWSPEC] FILTER_SPEC }
//	SE: FLOWSPEC FILTER_SPEC { FILTER_SPEC }

// Message is one of *Path, *Resv, *PathErr, *ResvErr, *PathTear,
// *ResvTear and *ResvConf.
type Message interface {
	// Type is the message type.
	Type() MsgType
	// Common returns the parts every message may carry.
	Common() *MessageCommon

	// appendObjects appends the message's objects after INTEGRITY.
	appendObjects(b []byte) ([]byte, error)
}

// MessageCommon is what every message may carry besides its own objects.
type MessageCommon struct {
	// Flags are the common header's four flag bits, kept as received
	// (FlagRefreshReduction).
	Flags uint8
	// SendTTL is the IP TTL the message was sent with. A receiver that
	// sees a different TTL in the IP header knows non-RSVP hops lie
	// between it and the sender.
	SendTTL uint8
	// Integrity, if set, goes first after the common header. To sign a
	// message use AppendSigned, which fills in the digest.
	Integrity *Integrity
	// Forward holds the objects of unknown classes 11bbbbbb (RFC 2205
	// section 3.10), which a node forwards unexamined in the messages
	// that result from this one. Append writes them after the message's
	// own objects.
	Forward []RawObject
}

// Common returns c; the message types get it by embedding.
func (c *MessageCommon) Common() *MessageCommon { return c }

// Sender is a sender descriptor: the sender and its traffic, and the
// path's characterization if the sender asked for one.
type Sender struct {
	Template FilterSpec // the SENDER_TEMPLATE
	TSpec    TSpec      // the SENDER_TSPEC
	Adspec   *Adspec    // nil when absent
}

// FlowDescriptor is one entry of a flow descriptor list: a reservation
// and the senders it applies to. A WF descriptor has no filters, an FF
// descriptor exactly one and an SE descriptor one or more. Flowspec is
// nil only where the message may leave it out (ResvTear, an FF ResvErr).
type FlowDescriptor struct {
	Flowspec *Flowspec
	Filters  []FilterSpec
}

// Path carries a sender's path state downstream.
type Path struct {
	MessageCommon
	Session    Session
	Hop        Hop // PHOP: the node that sent the Path
	TimeValues TimeValues
	Policy     []PolicyData
	Sender     *Sender // nil when the message has no sender descriptor
}

// Resv carries a reservation request upstream.
type Resv struct {
	MessageCommon
	Session    Session
	Hop        Hop // NHOP: the node that sent the Resv
	TimeValues TimeValues
	Confirm    *ResvConfirm // set when the receiver asks for a ResvConf
	Scope      *Scope
	Policy     []PolicyData
	Style      Style
	Flows      []FlowDescriptor // one for WF and SE, one per filter for FF
}

// PathErr reports a Path error to the senders, hop by hop upstream.
type PathErr struct {
	MessageCommon
	Session   Session
	ErrorSpec ErrorSpec
	Policy    []PolicyData
	Sender    *Sender
}

// ResvErr reports a reservation error to the receivers.
type ResvErr struct {
	MessageCommon
	Session   Session
	Hop       Hop // the node that sent the ResvErr
	ErrorSpec ErrorSpec
	Scope     *Scope
	Policy    []PolicyData
	Style     Style
	Flows     []FlowDescriptor // the error flow descriptor: none or one
}

// PathTear removes path state.
type PathTear struct {
	MessageCommon
	Session Session
	Hop     Hop
	Sender  *Sender
}

// ResvTear removes reservation state.
type ResvTear struct {
	MessageCommon
	Session Session
	Hop     Hop
	Scope   *Scope
	Style   Style
	Flows   []FlowDescriptor // flowspecs may be nil; a WF tear may have none
}

// ResvConf confirms a reservation to the receiver that asked. Its
// ERROR_SPEC has code 0 (CodeConfirmation) and names the confirming node.
type ResvConf struct {
	MessageCommon
	Session   Session
	ErrorSpec ErrorSpec
	Confirm   ResvConfirm
	Style     Style
	Flows     []FlowDescriptor
}

func (*Path) Type() MsgType     { return TypePath }
func (*Resv) Type() MsgType     { return TypeResv }
func (*PathErr) Type() MsgType  { return TypePathErr }
func (*ResvErr) Type() MsgType  { return TypeResvErr }
func (*PathTear) Type() MsgType { return TypePathTear }
func (*ResvTear) Type() MsgType { return TypeResvTear }
func (*ResvConf) Type() MsgType { return TypeResvConf }
