package transport

import (
	"net"
	"time"
)

// Timing are an association's failure-detection parameters in SCTP's
// terms: rsplib's struct rserpool_session_parameters, which
// rsp_update_session_parameters sets for the associations a socket makes
// afterwards. A zero field keeps the default.
//
// Kernel SCTP takes them as they are (SCTP_RTOINFO, SCTP_ASSOCINFO,
// SCTP_PEER_ADDR_PARAMS). The TCP mapping has no heartbeats or RTO bounds
// of its own to set, so it maps them onto what detects a dead peer there:
// keep-alive probes after HeartbeatInterval of silence, RTOMax apart,
// AssocMaxRxt of them (unless Options.KeepAlive is given), and
// TCP_USER_TIMEOUT = AssocMaxRxt x RTOMax for data left unacknowledged:
// the time SCTP would take to give up after as many retransmissions.
type Timing struct {
	RTOInitial, RTOMin, RTOMax time.Duration
	AssocMaxRxt, PathMaxRxt    int
	HeartbeatInterval          time.Duration
}

// rsplib's session defaults (rsp_socket), used for a Timing's zero fields.
const (
	DefaultRTOInitial        = 2000 * time.Millisecond
	DefaultRTOMin            = 1000 * time.Millisecond
	DefaultRTOMax            = 5000 * time.Millisecond
	DefaultAssocMaxRxt       = 8
	DefaultPathMaxRxt        = 3
	DefaultHeartbeatInterval = 15000 * time.Millisecond
)

// withDefaults fills t's zero fields with rsplib's defaults.
func (t Timing) withDefaults() Timing {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.RTOInitial, DefaultRTOInitial)
	def(&t.RTOMin, DefaultRTOMin)
	def(&t.RTOMax, DefaultRTOMax)
	def(&t.HeartbeatInterval, DefaultHeartbeatInterval)
	if t.AssocMaxRxt <= 0 {
		t.AssocMaxRxt = DefaultAssocMaxRxt
	}
	if t.PathMaxRxt <= 0 {
		t.PathMaxRxt = DefaultPathMaxRxt
	}
	return t
}

// tcpKeepAlive is the TCP mapping's keep-alive for t.
func (t Timing) tcpKeepAlive() net.KeepAliveConfig {
	return net.KeepAliveConfig{Enable: true, Idle: t.HeartbeatInterval, Interval: t.RTOMax, Count: t.AssocMaxRxt}
}

// tcpUserTimeout is the TCP mapping's TCP_USER_TIMEOUT for t.
func (t Timing) tcpUserTimeout() time.Duration {
	return time.Duration(t.AssocMaxRxt) * t.RTOMax
}
