package daemon

import (
	"time"

	"netcompat/core/rsvp/config"
	"netcompat/core/rsvp/engine"
	"netcompat/core/rsvp/netio"
	"netcompat/core/rsvp/tc"
	"netcompat/core/rsvp/wire"
)

// apply carries out what the engine asked for since the last call.
func (d *Daemon) apply() {
	for {
		acts := d.eng.Drain()
		if len(acts) == 0 {
			return
		}
		for _, a := range acts {
			switch a := a.(type) {
			case *engine.Send:
				d.send(a)
			case *engine.Deliver:
				ev := a.Event
				d.srv.send(ClientID(a.Client), &ev)
			case *engine.TCAction:
				d.traffic(a)
			}
		}
	}
}

// send encodes and sends one message: raw IP (with Router Alert when the
// engine asks) or UDP encapsulation, hop by hop to the next RSVP hop, as
// the interface's configuration and the neighbour's habits say.
func (d *Daemon) send(s *engine.Send) {
	b, err := wire.Append(nil, s.Msg)
	if err != nil {
		d.log.Error("encoding an outgoing message", "msg", s.Msg.Type().String(), "err", err)
		d.stats.sendErrors++
		return
	}
	out := netio.Out{Data: b, Dst: s.Dst, IfIndex: s.Iface, TTL: int(s.TTL), RouterAlert: s.RouterAlert}
	if s.UDP || d.udpOn(s.Iface) {
		// UDP cannot be intercepted on the way: address the next hop.
		out.UDP, out.RouterAlert = true, false
		if s.NextHop.IsValid() {
			out.Dst = s.NextHop
		}
	}
	// The RFC sends a Path with the data's source address; a router may
	// not own it, and the engine identifies hops by RSVP_HOP anyway, so
	// only a local address is used as the source.
	if s.Src.IsValid() && d.routes.local(s.Src) {
		out.Src = s.Src
	}
	if err := d.io.Send(out); err != nil {
		d.stats.sendErrors++
		d.log.Debug("send failed", "msg", s.Msg.Type().String(), "to", out.Dst, "err", err)
		return
	}
	d.stats.sent++
}

// udpOn says whether messages out of interface idx use UDP.
func (d *Daemon) udpOn(idx int) bool {
	enc := d.cfg.Encapsulation
	if i, ok := d.ifaces[idx]; ok {
		if e := d.cfg.InterfaceConfig(i.Name).Encapsulation; e != config.EncapAuto {
			enc = e
		}
	}
	return enc == config.EncapUDP
}

// traffic installs, changes or removes one reservation in the kernel; a
// failure goes back to the engine, which undoes its admission and tells
// the receivers.
func (d *Daemon) traffic(a *engine.TCAction) {
	if !a.Enforce {
		return
	}
	var err error
	switch a.Op {
	case engine.TCInstall:
		var h tc.Handle
		if h, err = d.enf.Install(a.IfName, tcReservation(a.Resv)); err == nil {
			d.tc[a.ID] = h
		}
	case engine.TCModify:
		if h, ok := d.tc[a.ID]; ok {
			err = d.enf.Modify(h, tcReservation(a.Resv))
		}
	case engine.TCRemove:
		if h, ok := d.tc[a.ID]; ok {
			delete(d.tc, a.ID)
			err = d.enf.Remove(h)
		}
	}
	if err != nil {
		d.log.Warn("traffic control", "op", a.Op.String(), "iface", a.IfName, "err", err)
		if a.Op != engine.TCRemove {
			d.eng.TCFailed(time.Now(), a.ID)
		}
	}
}

func tcReservation(r engine.TCReservation) tc.Reservation {
	out := tc.Reservation{
		Session:        tc.Session{Dst: r.Dest.Unmap(), Proto: r.Proto, DstPort: r.DstPort},
		Service:        tc.Service(r.Service),
		TokenRate:      r.TokenRate,
		BucketDepth:    r.BucketDepth,
		PeakRate:       r.PeakRate,
		MinPolicedUnit: r.MinPolicedUnit,
		MaxPacketSize:  r.MaxPacketSize,
		Rate:           r.Rate,
	}
	for _, s := range r.Senders {
		a := s.Addr
		if a.IsValid() {
			a = a.Unmap()
		}
		out.Senders = append(out.Senders, tc.Sender{Addr: a, Port: s.Port})
	}
	return out
}
