package engine

import (
	"fmt"
	"net/netip"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/wire"
)

// Action is one output of the engine: *Send, *Deliver or *TCAction.
type Action interface{ action() }

// Send asks the daemon to send an RSVP message.
type Send struct {
	Msg   wire.Message
	Iface int        // outgoing interface index; 0: let the routing table choose
	Dst   netip.Addr // IP destination
	// Src is the IP source the RFC asks for: the original sender's
	// address for a Path or PathTear (so that it is routed like the
	// data). Invalid: the outgoing interface's address.
	Src netip.Addr
	// NextHop is the next hop of the route the message follows, when the
	// Router gave one (a UDP-only host sends its Path to its first-hop
	// router, RFC 2205 Appendix C).
	NextHop     netip.Addr
	RouterAlert bool  // Path, PathTear and ResvConf
	TTL         uint8 // IP TTL, equal to the header's Send_TTL
	// UDP says the neighbour was heard over UDP encapsulation only, so
	// the message should go to it the same way.
	UDP bool
}

// Deliver is an event for a local API client: always the complete
// current state of its API session (api.Event).
type Deliver struct {
	Client ClientID
	Event  api.Event
}

// TCOp is what a TCAction does.
type TCOp uint8

const (
	TCInstall TCOp = iota + 1 // a new reservation: create its class and filters
	TCModify                  // change an installed one in place
	TCRemove                  // delete it
)

func (o TCOp) String() string {
	switch o {
	case TCInstall:
		return "install"
	case TCModify:
		return "modify"
	case TCRemove:
		return "remove"
	}
	return fmt.Sprintf("TCOp(%d)", uint8(o))
}

// TCAction installs, modifies or removes one reservation on an outgoing
// interface. ID names the reservation from Install to Remove; the daemon
// maps it to its traffic-control handle. Admission control has been done
// by the engine against the interface's pool; Enforce is the interface's
// setting (install in the kernel or only keep the books).
type TCAction struct {
	Op      TCOp
	ID      uint64
	Iface   int
	IfName  string
	Enforce bool
	Resv    TCReservation // zero for TCRemove
}

// TCReservation is what is installed: the session, the senders whose
// packets are reserved and the merged flowspec, in RSVP's units (bytes
// per second, bytes). It mirrors core/rsvp/tc.Reservation without
// depending on it.
type TCReservation struct {
	Dest    netip.Addr
	Proto   uint8
	DstPort uint16
	Senders []TCSender
	Service wire.Service // ServiceControlledLoad or ServiceGuaranteed

	TokenRate      float64 // r
	BucketDepth    float64 // b
	PeakRate       float64 // p, may be +Inf
	MinPolicedUnit uint32  // m
	MaxPacketSize  uint32  // M
	Rate           float64 // R, Guaranteed only
}

// TCSender is one reserved sender. Port 0 matches any port; senders
// named by flow label or GPI are given by address only.
type TCSender struct {
	Addr netip.Addr
	Port uint16
}

func (*Send) action()     {}
func (*Deliver) action()  {}
func (*TCAction) action() {}

func (s *Send) String() string {
	return fmt.Sprintf("send %v to %v via %d ttl %d", s.Msg.Type(), s.Dst, s.Iface, s.TTL)
}
