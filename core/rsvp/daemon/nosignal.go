package daemon

import (
	"fmt"
	"math"
	"net/netip"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/config"
	"netcompat/core/rsvp/engine"
	"netcompat/core/rsvp/tc"
	"netcompat/core/rsvp/wire"
)

// "No signalling" reservations (qtoq REQ_NOSIGNAL): a client names a flow
// of this host; the matching nosignal rule of the configuration is
// admitted against the outgoing interface's pool (shared with RSVP's
// reservations through the engine) and, where the interface enforces,
// installed in the kernel for the flow's 5-tuple. It goes when the client
// removes it or its connection ends.

// noSignal is one installed no-signalling reservation; its handle is the
// engine's local admission ID.
type noSignal struct {
	client    ClientID
	rule      string
	iface     string
	h         tc.Handle
	installed bool // in the kernel (h is valid)
}

// noSignalRequest carries out an api.OpNoSignal request.
func (d *Daemon) noSignalRequest(c ClientID, n *api.NoSignalSpec, rep *api.Reply) error {
	if !n.Install {
		ns := d.nosig[n.Handle]
		if ns == nil || ns.client != c {
			return &api.Error{RAPI: engine.RAPIErrInval, Reason: api.ReasonNoHandle,
				Text: fmt.Sprintf("no nosignal reservation %d", n.Handle)}
		}
		d.removeNoSignal(n.Handle)
		return nil
	}
	proto := n.Proto
	if proto == 0 {
		proto = tc.ProtoUDP
	}
	r := d.findRule(proto, n)
	if r == nil {
		return &api.Error{RAPI: engine.RAPIErrInval, Reason: api.ReasonNoRule,
			Text: fmt.Sprintf("no nosignal rule for protocol %d local port %d remote %v", proto, n.LocalPort, n.Remote)}
	}
	idx, name, err := d.noSignalIface(r, n.Remote)
	if err != nil {
		return err
	}
	id, err := d.eng.AdmitLocal(idx, r.Rate, r.MaxPacket)
	if err != nil {
		return err
	}
	ns := &noSignal{client: c, rule: r.Name, iface: name}
	if d.cfg.InterfaceConfig(name).Enforce {
		res, err := noSignalReservation(r, proto, n)
		if err == nil {
			ns.h, err = d.enf.Install(name, res)
		}
		if err != nil {
			d.eng.ReleaseLocal(id)
			return &api.Error{Code: uint8(wire.CodeTrafficControlSys),
				Text: fmt.Sprintf("nosignal rule %s on %s: %v", r.Name, name, err)}
		}
		ns.installed = true
	}
	if d.nosig == nil {
		d.nosig = make(map[uint64]*noSignal)
	}
	d.nosig[id] = ns
	rep.Handle, rep.Rule = id, r.Name
	d.log.Info("nosignal rule installed", "rule", r.Name, "iface", name, "handle", id, "client", c)
	return nil
}

// findRule is the rule named in n, or the first matching n's protocol,
// local port, remote address and remote port.
func (d *Daemon) findRule(proto uint8, n *api.NoSignalSpec) *config.NoSignalRule {
	for i := range d.cfg.NoSignal {
		r := &d.cfg.NoSignal[i]
		if n.Rule != "" {
			if r.Name != n.Rule {
				continue
			}
			if r.Protocol != proto || (n.LocalPort != 0 && r.LocalPort != n.LocalPort) {
				return nil
			}
			return r
		}
		if r.Protocol != proto || r.LocalPort != n.LocalPort {
			continue
		}
		if r.Remote.IsValid() && (!n.Remote.IsValid() || !r.Remote.Contains(n.Remote.Unmap())) {
			continue
		}
		if r.RemotePort != 0 && n.RemotePort != 0 && r.RemotePort != n.RemotePort {
			continue
		}
		return r
	}
	return nil
}

// noSignalIface is the rule's interface, or the route's towards remote.
func (d *Daemon) noSignalIface(r *config.NoSignalRule, remote netip.Addr) (int, string, error) {
	if r.Interface != "" {
		for idx, i := range d.ifaces {
			if i.Name == r.Interface {
				return idx, i.Name, nil
			}
		}
		return 0, "", &api.Error{RAPI: engine.RAPIErrInval,
			Text: fmt.Sprintf("nosignal rule %s: RSVP does not run on interface %s", r.Name, r.Interface)}
	}
	if !remote.IsValid() {
		return 0, "", &api.Error{RAPI: engine.RAPIErrInval,
			Text: fmt.Sprintf("nosignal rule %s names no interface and the request no remote address", r.Name)}
	}
	rt, err := lookupRoute(d.nl, remote.Unmap())
	if err == nil {
		if i, ok := d.ifaces[rt.IfIndex]; ok {
			return rt.IfIndex, i.Name, nil
		}
		err = fmt.Errorf("RSVP does not run on the route's interface (index %d)", rt.IfIndex)
	}
	return 0, "", &api.Error{RAPI: engine.RAPIErrInval, Text: fmt.Sprintf("nosignal rule %s: %v", r.Name, err)}
}

// noSignalReservation is the kernel reservation of rule r for the flow:
// from this host's address and port to the remote's.
func noSignalReservation(r *config.NoSignalRule, proto uint8, n *api.NoSignalSpec) (tc.Reservation, error) {
	if !n.Remote.IsValid() {
		return tc.Reservation{}, fmt.Errorf("enforcement needs the remote address")
	}
	port := n.LocalPort
	if port == 0 {
		port = r.LocalPort
	}
	rport := n.RemotePort
	if rport == 0 {
		rport = r.RemotePort
	}
	local := n.Local
	if local.IsValid() {
		local = local.Unmap()
		if local.IsUnspecified() {
			local = netip.Addr{}
		}
	}
	peak := r.Peak
	if peak == 0 {
		peak = math.Inf(1)
	}
	res := tc.Reservation{
		Session:        tc.Session{Dst: n.Remote.Unmap(), Proto: proto, DstPort: rport},
		Senders:        []tc.Sender{{Addr: local, Port: port}},
		Service:        tc.Service(r.Service),
		TokenRate:      r.Rate,
		BucketDepth:    r.Burst,
		PeakRate:       peak,
		MinPolicedUnit: r.MinPoliced,
		MaxPacketSize:  r.MaxPacket,
	}
	if r.Service == config.Guaranteed {
		res.Rate = r.Rate
	}
	return res, nil
}

// removeNoSignal uninstalls and releases one reservation.
func (d *Daemon) removeNoSignal(id uint64) {
	ns := d.nosig[id]
	if ns == nil {
		return
	}
	delete(d.nosig, id)
	if ns.installed {
		if err := d.enf.Remove(ns.h); err != nil {
			d.log.Warn("traffic control: removing a nosignal rule", "rule", ns.rule, "iface", ns.iface, "err", err)
		}
	}
	d.eng.ReleaseLocal(id)
	d.log.Info("nosignal rule removed", "rule", ns.rule, "iface", ns.iface, "handle", id)
}

// dropNoSignal removes every reservation of client c (its connection
// ended).
func (d *Daemon) dropNoSignal(c ClientID) {
	for id, ns := range d.nosig {
		if ns.client == c {
			d.removeNoSignal(id)
		}
	}
}
