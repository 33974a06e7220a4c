package handlespace

import (
	"net/netip"

	"netcompat/core/rserpool/wire"
)

// validate checks what a registration must satisfy before any pool is
// looked at, returning the cause of the first violation or 0:
//
//   - Invalid Values (0x3): empty pool handle or one longer than
//     MaxHandleLen; PE identifier 0; registration life 0; policy type 0 or
//     policy information ValidPolicy refuses; a user transport that is not
//     a transport parameter, has port 0, a transport use other than data
//     or data+control (SCTP, TCP), no addresses or an invalid address; an
//     ASAP transport that is neither SCTP nor TCP (the TCP mapping's), or
//     has port 0, no addresses or an invalid address.
//   - Lack of Resources (0x6): a transport with more than MaxAddrs
//     addresses.
func (h *Handlespace) validate(handle []byte, pe *wire.PoolElement) wire.Cause {
	if len(handle) == 0 || len(handle) > h.cfg.MaxHandleLen {
		return wire.CauseInvalidValues
	}
	if pe.ID == 0 || pe.RegLife == 0 {
		return wire.CauseInvalidValues
	}
	if pe.Policy.Type == 0 || h.cfg.ValidPolicy != nil && !h.cfg.ValidPolicy(pe.Policy) {
		return wire.CauseInvalidValues
	}
	switch pe.User.Kind {
	case wire.ParamSCTPTransport, wire.ParamTCPTransport:
		if pe.User.Use != wire.UseData && pe.User.Use != wire.UseDataControl {
			return wire.CauseInvalidValues
		}
	case wire.ParamUDPTransport, wire.ParamUDPLiteTransport, wire.ParamDCCPTransport:
	default:
		return wire.CauseInvalidValues
	}
	if c := h.validateTransport(&pe.User); c != 0 {
		return c
	}
	if pe.ASAP != nil {
		// SCTP (RFC 5352), or TCP: the TCP mapping's ASAP endpoint.
		if pe.ASAP.Kind != wire.ParamSCTPTransport && pe.ASAP.Kind != wire.ParamTCPTransport {
			return wire.CauseInvalidValues
		}
		if c := h.validateTransport(pe.ASAP); c != 0 {
			return c
		}
	}
	return 0
}

func (h *Handlespace) validateTransport(t *wire.Transport) wire.Cause {
	if t.Port == 0 || len(t.Addrs) == 0 {
		return wire.CauseInvalidValues
	}
	if len(t.Addrs) > h.cfg.MaxAddrs {
		return wire.CauseLackOfResources
	}
	for _, a := range t.Addrs {
		if !a.IsValid() {
			return wire.CauseInvalidValues
		}
	}
	return 0
}

// normalUse returns the transport use a pool compares: the field is
// reserved (and ignored) for UDP, UDP-Lite and DCCP, so it counts as data.
func normalUse(t *wire.Transport) wire.TransportUse {
	if t.Kind == wire.ParamSCTPTransport || t.Kind == wire.ParamTCPTransport {
		return t.Use
	}
	return wire.UseData
}

// checkScope returns Invalid Values when no user address, or (if the
// element names one) no ASAP address, has at least scope min: rsplib's
// registrar refuses such a registration (with its private codes 0xf008
// and 0xf007, which RFC 5354 does not define).
func checkScope(pe *wire.PoolElement, min Scope) wire.Cause {
	if countInScope(pe.User.Addrs, min) == 0 {
		return wire.CauseInvalidValues
	}
	if pe.ASAP != nil && countInScope(pe.ASAP.Addrs, min) == 0 {
		return wire.CauseInvalidValues
	}
	return 0
}

// storeElement copies pe into m.PE with exact-size slices, keeping only
// addresses of at least scope min (ScopeUnspecified keeps all). The user
// and ASAP addresses share one backing array. The home server is left for
// the caller to set.
func storeElement(m *Member, pe *wire.PoolElement, min Scope) {
	nu, na := countInScope(pe.User.Addrs, min), 0
	if pe.ASAP != nil {
		na = countInScope(pe.ASAP.Addrs, min)
	}
	addrs := make([]netip.Addr, 0, nu+na)
	addrs = FilterAddrs(addrs, pe.User.Addrs, min, nil)

	var values []uint32
	if len(pe.Policy.Values) > 0 {
		values = append([]uint32(nil), pe.Policy.Values...)
	}

	m.PE = *pe
	m.PE.User.Addrs = addrs[:nu:nu]
	m.PE.User.Use = normalUse(&pe.User)
	if pe.User.Kind != wire.ParamDCCPTransport {
		m.PE.User.ServiceCode = 0
	}
	m.PE.Policy = wire.Policy{Type: pe.Policy.Type, Values: values}
	if pe.ASAP != nil {
		addrs = FilterAddrs(addrs, pe.ASAP.Addrs, min, nil)
		m.asap = *pe.ASAP
		m.asap.Addrs = addrs[nu:]
		m.PE.ASAP = &m.asap
	} else {
		m.asap = wire.Transport{}
		m.PE.ASAP = nil
	}
}
