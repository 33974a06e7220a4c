package wire

import "fmt"

// Names for logs and error messages.

func (p Protocol) String() string {
	switch p {
	case ASAP:
		return "ASAP"
	case ENRP:
		return "ENRP"
	}
	return fmt.Sprintf("Protocol(%d)", uint8(p))
}

var asapNames = [...]string{
	ASAPRegistration:             "Registration",
	ASAPDeregistration:           "Deregistration",
	ASAPRegistrationResponse:     "Registration Response",
	ASAPDeregistrationResponse:   "Deregistration Response",
	ASAPHandleResolution:         "Handle Resolution",
	ASAPHandleResolutionResponse: "Handle Resolution Response",
	ASAPEndpointKeepAlive:        "Endpoint Keep-Alive",
	ASAPEndpointKeepAliveAck:     "Endpoint Keep-Alive Ack",
	ASAPEndpointUnreachable:      "Endpoint Unreachable",
	ASAPServerAnnounce:           "Server Announce",
	ASAPCookie:                   "Cookie",
	ASAPCookieEcho:               "Cookie Echo",
	ASAPBusinessCard:             "Business Card",
	ASAPError:                    "Error",
}

func (t ASAPType) String() string {
	if int(t) < len(asapNames) && asapNames[t] != "" {
		return asapNames[t]
	}
	return fmt.Sprintf("type %#02x", uint8(t))
}

var enrpNames = [...]string{
	ENRPPresence:            "Presence",
	ENRPHandleTableRequest:  "Handle Table Request",
	ENRPHandleTableResponse: "Handle Table Response",
	ENRPHandleUpdate:        "Handle Update",
	ENRPListRequest:         "List Request",
	ENRPListResponse:        "List Response",
	ENRPInitTakeover:        "Init Takeover",
	ENRPInitTakeoverAck:     "Init Takeover Ack",
	ENRPTakeoverServer:      "Takeover Server",
	ENRPError:               "Error",
}

func (t ENRPType) String() string {
	if int(t) < len(enrpNames) && enrpNames[t] != "" {
		return enrpNames[t]
	}
	return fmt.Sprintf("type %#02x", uint8(t))
}

var paramNames = [...]string{
	ParamIPv4Address:      "IPv4 Address",
	ParamIPv6Address:      "IPv6 Address",
	ParamDCCPTransport:    "DCCP Transport",
	ParamSCTPTransport:    "SCTP Transport",
	ParamTCPTransport:     "TCP Transport",
	ParamUDPTransport:     "UDP Transport",
	ParamUDPLiteTransport: "UDP-Lite Transport",
	ParamPolicy:           "Pool Member Selection Policy",
	ParamPoolHandle:       "Pool Handle",
	ParamPoolElement:      "Pool Element",
	ParamServerInfo:       "Server Information",
	ParamOperationError:   "Operation Error",
	ParamCookie:           "Cookie",
	ParamPEIdentifier:     "PE Identifier",
	ParamPEChecksum:       "PE Checksum",
}

func (t ParamType) String() string {
	if int(t) < len(paramNames) && paramNames[t] != "" {
		return paramNames[t]
	}
	if t == ParamHandleResolutionOption {
		return "Handle Resolution Option"
	}
	return fmt.Sprintf("parameter type %#04x", uint16(t))
}

var causeNames = [...]string{
	CauseUnrecognizedParameter:   "Unrecognized Parameter",
	CauseUnrecognizedMessage:     "Unrecognized Message",
	CauseInvalidValues:           "Invalid Values",
	CauseNonUniquePEIdentifier:   "Non-unique PE Identifier",
	CauseInconsistentPolicy:      "Inconsistent Pooling Policy",
	CauseLackOfResources:         "Lack of Resources",
	CauseInconsistentTransport:   "Inconsistent Transport Type",
	CauseInconsistentDataControl: "Inconsistent Data/Control Configuration",
	CauseUnknownPoolHandle:       "Unknown Pool Handle",
	CauseSecurityRejection:       "Rejection due to Security Considerations",
}

func (c Cause) String() string {
	if int(c) < len(causeNames) && causeNames[c] != "" {
		return causeNames[c]
	}
	return fmt.Sprintf("cause %#x", uint16(c))
}
