package engine

import (
	"fmt"
	"net/netip"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/wire"
)

// Local admission: reservations installed without signalling (the qtoq
// REQ_NOSIGNAL rules of rsvpd's configuration) take their share of an
// interface's pool as RSVP's reservations do, so that the two refuse
// each other once the pool is full.

// localResv is one locally admitted reservation.
type localResv struct {
	oi   int
	rate float64
}

// AdmitLocal admits a reservation of rate bytes per second (packets up
// to maxPacket bytes; 0: unchecked) on interface iface against its pool,
// shared with RSVP's reservations. It returns an ID for ReleaseLocal, or
// an *api.Error: RAPI_ERR_INVAL for an unknown interface or a negative
// rate, RSVP code 1 (admission control failure) with value 2 (bandwidth)
// or 3 (MTU) when the reservation does not fit.
func (e *Engine) AdmitLocal(iface int, rate float64, maxPacket uint32) (uint64, error) {
	ifc := e.ifByIndex[iface]
	if ifc == nil {
		return 0, rapiErr(RAPIErrInval, "interface %d: RSVP does not run on it", iface)
	}
	if rate < 0 || rate != rate {
		return 0, rapiErr(RAPIErrInval, "rate %v", rate)
	}
	var fs wire.Flowspec
	fs.TSpec.MaxPacketSize = maxPacket
	if v, ok := e.admit(iface, 0, fs); !ok {
		return 0, e.localRefusal(ifc, v)
	}
	if ifc.Pool > 0 && ifc.used+rate > ifc.Pool*(1+1e-9) {
		return 0, e.localRefusal(ifc, wire.AdmissionBandwidth)
	}
	ifc.used += rate
	ifc.nres++
	e.lastTCID++
	if e.localResvs == nil {
		e.localResvs = map[uint64]localResv{}
	}
	e.localResvs[e.lastTCID] = localResv{oi: iface, rate: rate}
	e.count("local_admitted")
	return e.lastTCID, nil
}

func (e *Engine) localRefusal(ifc *ifaceState, value uint16) error {
	e.count("admission_failures")
	var node netip.Addr
	if len(ifc.Addrs) > 0 {
		node = ifc.Addrs[0]
	}
	return &api.Error{Code: uint8(wire.CodeAdmission), Value: value, Node: node,
		Text: fmt.Sprintf("interface %s: %s", ifc.Name, admissionText(value))}
}

func admissionText(v uint16) string {
	if v == wire.AdmissionMTU {
		return "packets larger than the MTU"
	}
	return "requested bandwidth unavailable"
}

// ReleaseLocal returns what AdmitLocal's id took from its pool; an
// unknown id is ignored.
func (e *Engine) ReleaseLocal(id uint64) {
	r, ok := e.localResvs[id]
	if !ok {
		return
	}
	delete(e.localResvs, id)
	if ifc := e.ifByIndex[r.oi]; ifc != nil {
		ifc.used -= r.rate
		ifc.nres--
		if ifc.nres == 0 {
			ifc.used = 0
		}
	}
}
