// Package wire encodes and decodes ASAP (RFC 5352) and ENRP (RFC 5353)
// messages and their parameters (RFC 5354). It only turns bytes into
// values and back; meaning lives in the handlespace, registrar and asap
// packages.
//
// Messages are one Go type each (*Registration, *HandleResolution, ...,
// *Presence, *HandleUpdate, ...), all implementing Message. AppendASAP and
// AppendENRP encode, ParseASAP and ParseENRP decode one message (one SCTP
// or UDP payload, or one frame cut from a byte stream with MessageLen);
// ParseASAPReport and ParseENRPReport also return the unrecognized
// parameters to report. Decoding errors wrap the sentinels in errors.go.
// See header.go for how message and parameter lengths treat padding.
//
// This file holds the parameter values the other RSerPool packages share.
package wire

import "net/netip"

// Well-known numbers (RFC 5352, 5353; IANA).
const (
	PPIDASAP = 11 // SCTP payload protocol identifier of ASAP
	PPIDENRP = 12 // ... of ENRP

	ASAPPort = 3863
	ENRPPort = 9901
)

// Announce groups (admin-scoped defaults used by rsplib, not IANA).
var (
	ASAPAnnounceGroup = netip.MustParseAddrPort("239.0.0.50:3863")
	ENRPAnnounceGroup = netip.MustParseAddrPort("239.0.0.51:9901")
)

// ParamType is a parameter's 16-bit type code (RFC 5354).
type ParamType uint16

const (
	ParamIPv4Address            ParamType = 0x0001
	ParamIPv6Address            ParamType = 0x0002
	ParamDCCPTransport          ParamType = 0x0003
	ParamSCTPTransport          ParamType = 0x0004
	ParamTCPTransport           ParamType = 0x0005
	ParamUDPTransport           ParamType = 0x0006
	ParamUDPLiteTransport       ParamType = 0x0007
	ParamPolicy                 ParamType = 0x0008 // Pool Member Selection Policy
	ParamPoolHandle             ParamType = 0x0009
	ParamPoolElement            ParamType = 0x000a
	ParamServerInfo             ParamType = 0x000b
	ParamOperationError         ParamType = 0x000c
	ParamCookie                 ParamType = 0x000d
	ParamPEIdentifier           ParamType = 0x000e
	ParamPEChecksum             ParamType = 0x000f
	ParamHandleResolutionOption ParamType = 0x803f // draft-dreibholz-rserpool-asap-hropt
)

// TransportUse says what a transport carries (SCTP and TCP transports).
type TransportUse uint16

const (
	UseData        TransportUse = 0
	UseDataControl TransportUse = 1
)

// Transport is a transport parameter: the protocol (its parameter type),
// the port, and the addresses it is reachable at.
type Transport struct {
	Kind        ParamType // ParamSCTPTransport, ParamTCPTransport, ParamUDPTransport, ParamUDPLiteTransport or ParamDCCPTransport
	Port        uint16
	Use         TransportUse // SCTP and TCP only
	ServiceCode uint32       // DCCP only
	Addrs       []netip.Addr // IPv4 and IPv6 address parameters, in order
}

// Policy is a Pool Member Selection Policy parameter: the policy type and
// the 32-bit values that follow it, in wire order (weight, load,
// degradation, ... as package policy defines per type).
type Policy struct {
	Type   uint32
	Values []uint32
}

// PoolElement is the Pool Element parameter.
type PoolElement struct {
	ID         uint32     // PE identifier
	HomeServer uint32     // home ENRP server (registrar) ID; 0 when unknown
	RegLife    uint32     // registration life, milliseconds
	User       Transport  // the transport users reach the element at
	Policy     Policy     // the element's policy information
	ASAP       *Transport // optional ASAP transport (the element's control channel)
}

// ServerInfo is the Server Information parameter: a registrar's ID and the
// transport it serves ENRP or ASAP on.
type ServerInfo struct {
	ServerID  uint32
	Transport Transport
}

// Cause is an Operation Error cause code (RFC 5354 section 2.2.11).
type Cause uint16

const (
	CauseUnrecognizedParameter   Cause = 0x1
	CauseUnrecognizedMessage     Cause = 0x2
	CauseInvalidValues           Cause = 0x3
	CauseNonUniquePEIdentifier   Cause = 0x4
	CauseInconsistentPolicy      Cause = 0x5
	CauseLackOfResources         Cause = 0x6
	CauseInconsistentTransport   Cause = 0x7
	CauseInconsistentDataControl Cause = 0x8
	CauseUnknownPoolHandle       Cause = 0x9
	CauseSecurityRejection       Cause = 0xa
)

// ErrorCause is one cause of an Operation Error, with its cause-specific
// information (for instance the unrecognized parameter or message).
type ErrorCause struct {
	Code Cause
	Info []byte
}
