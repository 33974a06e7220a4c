package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/config"
	"netcompat/core/rsvp/engine"
	"netcompat/core/rsvp/netio"
	"netcompat/core/rsvp/tc"
)

// Options configure a daemon.
type Options struct {
	Config *config.Config // nil: config.Default()
	// APISocket is the local API socket's path; "" means
	// api.SocketPath(Config.APISocket, config.DefaultAPISocket).
	APISocket string
	Log       *slog.Logger // nil: discard
	// Netlink is the routing and traffic-control handle; nil opens one in
	// the current network namespace.
	Netlink *netlink.Handle
	// Do runs f where the daemon's sockets must be made (a test's network
	// namespace); nil runs it directly.
	Do func(f func() error) error
	// Enforcer overrides traffic control (tests); nil uses the kernel
	// (core/rsvp/tc) for interfaces with "enforce on".
	Enforcer tc.Enforcer
	// Ready, when set, is called once the daemon serves its API socket.
	Ready func()
}

// Daemon is one running rsvpd.
type Daemon struct {
	o      Options
	cfg    *config.Config
	log    *slog.Logger
	nl     *netlink.Handle
	eng    *engine.Engine
	io     *netio.Conn
	srv    *apiServer
	enf    tc.Enforcer
	ifaces map[int]Interface // by index
	routes *routeCache
	tc     map[uint64]tc.Handle // engine reservation ID -> kernel handle
	nosig  map[uint64]*noSignal // no-signalling reservations by handle
	stats  counters
	// kill, in tests, stops the loop as a crash would: no teardown.
	kill chan struct{}
}

type counters struct {
	sent, sendErrors, received uint64
}

// Run runs rsvpd until ctx ends; it then tears its reservations down,
// removes what it installed in the kernel and closes its sockets.
func Run(ctx context.Context, o Options) error {
	d, err := start(o)
	if err != nil {
		return err
	}
	defer d.close()
	if o.Ready != nil {
		o.Ready()
	}
	return d.loop(ctx)
}

func start(o Options) (*Daemon, error) {
	d := &Daemon{o: o, cfg: o.Config, log: o.Log, tc: make(map[uint64]tc.Handle)}
	if d.cfg == nil {
		d.cfg = config.Default()
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	do := o.Do
	if do == nil {
		do = func(f func() error) error { return f() }
		d.o.Do = do
	}
	ok := false
	defer func() {
		if !ok {
			d.close()
		}
	}()
	err := do(func() error {
		var err error
		if d.nl = o.Netlink; d.nl == nil {
			if d.nl, err = netlink.NewHandle(); err != nil {
				return fmt.Errorf("netlink: %w", err)
			}
		}
		node, err := d.node()
		if err != nil {
			return err
		}
		d.routes = newRouteCache(d.nl, d.ifaces)
		d.eng, err = engine.New(engine.Options{
			Config: d.cfg,
			Node:   node,
			Router: d.routes,
			Logf:   func(f string, a ...any) { d.log.Debug(fmt.Sprintf(f, a...)) },
		})
		if err != nil {
			return err
		}
		if err := d.openEnforcer(); err != nil {
			return err
		}
		d.io, err = d.openSockets()
		return err
	})
	if err != nil {
		return nil, err
	}
	path := o.APISocket
	if path == "" {
		path = api.SocketPath(d.cfg.APISocket, config.DefaultAPISocket)
	}
	if d.srv, err = listenAPI(path, d.log); err != nil {
		return nil, fmt.Errorf("API socket %s: %w", path, err)
	}
	d.log.Info("rsvpd started", "api", path, "interfaces", len(d.ifaces), "refresh", d.cfg.Refresh,
		"encapsulation", d.cfg.Encapsulation.String())
	ok = true
	return d, nil
}

// openSockets opens raw IP, UDP or both as the configuration asks; with
// "auto" a raw socket that cannot be opened (no CAP_NET_RAW) leaves UDP.
func (d *Daemon) openSockets() (*netio.Conn, error) {
	want := d.cfg.Encapsulation
	udp := want == config.EncapUDP
	raw := want == config.EncapRaw
	for _, i := range d.cfg.Interfaces {
		udp = udp || i.Encapsulation == config.EncapUDP
		raw = raw || i.Encapsulation == config.EncapRaw
	}
	if want == config.EncapAuto {
		c, err := netio.Open(netio.Options{Raw: true, UDP: true, IPv6: true})
		if err == nil {
			return c, nil
		}
		d.log.Warn("raw IP sockets unavailable; using UDP encapsulation only", "err", err)
		d.cfg.Encapsulation = config.EncapUDP
		return netio.Open(netio.Options{UDP: true, IPv6: true})
	}
	// UDP is always listened on: Appendix C hosts may use it to reach us.
	return netio.Open(netio.Options{Raw: raw || !udp, UDP: true, IPv6: true})
}

func (d *Daemon) openEnforcer() error {
	if d.o.Enforcer != nil {
		d.enf = d.o.Enforcer
	} else {
		enforce := false
		for _, i := range d.cfg.Interfaces {
			enforce = enforce || i.Enforce
		}
		if !enforce {
			d.enf = tc.NewNoop()
			return nil
		}
		n, err := tc.NewNetlink(d.nl)
		if err != nil {
			return fmt.Errorf("traffic control: %w", err)
		}
		d.enf = n
	}
	var names []string
	for _, ic := range d.cfg.Interfaces {
		if !ic.Enforce || ic.Disabled {
			continue
		}
		names = append(names, ic.Name)
	}
	if err := d.enf.Reconcile(names); err != nil {
		d.log.Warn("traffic control: reconciling leftovers", "err", err)
	}
	for _, ic := range d.cfg.Interfaces {
		if !ic.Enforce || ic.Disabled {
			continue
		}
		rate := d.linkRate(ic)
		if rate <= 0 {
			return fmt.Errorf("interface %s: enforcement needs its link rate (\"link\" or an absolute \"bandwidth\")", ic.Name)
		}
		if err := d.enf.Attach(ic.Name, tc.IfaceConfig{Rate: rate / 8}); err != nil && !errors.Is(err, tc.ErrAttached) {
			return fmt.Errorf("interface %s: %w", ic.Name, err)
		}
	}
	return nil
}

// linkRate is an interface's link rate in bits per second: configured,
// or the kernel's, or (for links that report none, like veth) the
// absolute admission bandwidth.
func (d *Daemon) linkRate(ic config.Interface) float64 {
	if ic.Link > 0 {
		return ic.Link
	}
	for _, i := range d.ifaces {
		if i.Name == ic.Name && i.Speed > 0 {
			return i.Speed
		}
	}
	return ic.Bandwidth
}

// node describes the local interfaces to the engine: every interface
// that is up, has an address and is not disabled. Loopback is one of
// them: a sender and a receiver on one host (127.0.0.1, ::1) meet there.
func (d *Daemon) node() (engine.Node, error) {
	ifs, err := interfaces(d.nl)
	if err != nil {
		return engine.Node{}, err
	}
	d.ifaces = make(map[int]Interface)
	var n engine.Node
	for _, i := range ifs {
		ic := d.cfg.InterfaceConfig(i.Name)
		if !i.Up || ic.Disabled || len(i.Addrs) == 0 {
			continue
		}
		d.ifaces[i.Index] = i
		pool := ic.Bandwidth
		if ic.BandwidthPercent > 0 {
			link := ic.Link
			if link == 0 {
				link = i.Speed
			}
			if link == 0 {
				return n, fmt.Errorf("interface %s: bandwidth %v%% of an unknown link rate (add \"link\")", i.Name, ic.BandwidthPercent)
			}
			pool = link * ic.BandwidthPercent / 100
		}
		n.Interfaces = append(n.Interfaces, engine.Interface{
			Name: i.Name, Index: i.Index, Addrs: usable(i.Addrs),
			Pool: pool / 8, Enforce: ic.Enforce,
		})
	}
	return n, nil
}

// usable orders addresses for RSVP_HOP: global before link-local.
func usable(addrs []netip.Addr) []netip.Addr {
	var g, ll []netip.Addr
	for _, a := range addrs {
		if a.IsLinkLocalUnicast() {
			ll = append(ll, a)
		} else {
			g = append(g, a)
		}
	}
	return append(g, ll...)
}

// loop is the daemon: one event at a time.
func (d *Daemon) loop(ctx context.Context) error {
	done := make(chan struct{})
	defer close(done)
	var changed <-chan struct{}
	if err := d.o.Do(func() (err error) { changed, err = watchRoutes(done); return err }); err != nil {
		d.log.Warn("not watching routes", "err", err)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.apply()
		d.arm(timer)
		select {
		case <-ctx.Done():
			return nil
		case <-d.kill:
			return errKilled
		case p, ok := <-d.io.Packets():
			if !ok {
				return errors.New("rsvpd: sockets closed")
			}
			d.receive(p)
			// Take what else has arrived before answering: one wake-up
			// for a burst instead of one per message.
		drain:
			for range maxBatch - 1 {
				select {
				case p, ok := <-d.io.Packets():
					if !ok {
						break drain
					}
					d.receive(p)
				default:
					break drain
				}
			}
		case r := <-d.srv.requests:
			d.request(r)
		case c := <-d.srv.gone:
			d.dropNoSignal(c)
			d.eng.CloseClient(time.Now(), engine.ClientID(c))
		case <-changed:
			d.routes.flush()
			d.eng.RouteChanged(time.Now())
		case <-timer.C:
			// Everything due up to the slack runs now.
			d.eng.Tick(time.Now().Add(timerSlack))
		}
	}
}

// maxBatch bounds the packets taken per wake-up, so that API requests
// and timers are not starved by a flood.
const maxBatch = 64

// timerSlack lets refreshes due within it of one another go together,
// one wake-up for many (the refresh period is jittered by +-R/2 anyway,
// RFC 2205 3.7).
const timerSlack = 10 * time.Millisecond

func (d *Daemon) receive(p netio.Packet) {
	d.stats.received++
	d.eng.Receive(time.Now(), engine.Inbound{Raw: p.Data, Iface: p.IfIndex, Src: p.Src, Dst: p.Dst,
		TTL: uint8(max(0, min(p.TTL, 255))), UDP: p.UDP})
}

func (d *Daemon) arm(t *time.Timer) {
	next := d.eng.NextTimer()
	wait := time.Hour
	if !next.IsZero() {
		wait = max(0, time.Until(next))
	}
	t.Reset(wait + timerSlack)
}

// request carries out one API request and answers it.
func (d *Daemon) request(r apiRequest) {
	rep := &api.Reply{Reply: r.req.Seq}
	now := time.Now()
	c := engine.ClientID(r.client)
	err := r.err
	if err == nil {
		switch r.req.Op {
		case api.OpSession:
			rep.SID, err = d.eng.OpenSession(now, c, *r.req.Session)
		case api.OpSender:
			err = d.eng.SetSender(now, c, r.req.SID, r.req.Sender)
		case api.OpReserve:
			err = d.eng.Reserve(now, c, r.req.SID, r.req.Reserve)
		case api.OpRelease:
			err = d.eng.Release(now, c, r.req.SID)
		case api.OpNoSignal:
			err = d.noSignalRequest(r.client, r.req.NoSignal, rep)
		case api.OpStatus:
			var b []byte
			if b, err = json.Marshal(d.status()); err == nil {
				replies := api.StatusReplies(r.req.Seq, b)
				for _, rp := range replies[:len(replies)-1] {
					d.srv.send(r.client, rp)
				}
				rep = replies[len(replies)-1]
			}
		}
	}
	if err != nil {
		var ae *api.Error
		if !errors.As(err, &ae) {
			ae = &api.Error{RAPI: engine.RAPIErrInval, Text: err.Error()}
		}
		rep.Error = ae
	}
	// The reply goes before the events the request caused (they are
	// applied after this), so a client knows its sid first.
	d.srv.send(r.client, rep)
}

// Status is rsvpd's status document.
type Status struct {
	engine.Status
	Daemon struct {
		Received   uint64 `json:"received"`
		Sent       uint64 `json:"sent"`
		SendErrors uint64 `json:"send_errors"`
		Dropped    uint64 `json:"dropped"`
	} `json:"daemon"`
}

func (d *Daemon) status() Status {
	s := Status{Status: d.eng.Status()}
	s.Daemon.Received, s.Daemon.Sent, s.Daemon.SendErrors = d.stats.received, d.stats.sent, d.stats.sendErrors
	s.Daemon.Dropped = d.io.Dropped()
	return s
}

// errKilled ends a loop stopped by a test as if the process died.
var errKilled = errors.New("rsvpd: killed")

func (d *Daemon) close() {
	if d.eng != nil && d.io != nil && !d.killed() {
		// Tell the neighbours: every local session goes, as if every
		// client left, and what is sent now is the teardown.
		for _, c := range d.srv.clientIDs() {
			d.dropNoSignal(c)
			d.eng.CloseClient(time.Now(), engine.ClientID(c))
		}
		d.apply()
	}
	if d.srv != nil {
		d.srv.close()
	}
	if d.io != nil {
		d.io.Close()
	}
	if d.enf != nil {
		if err := d.enf.Close(); err != nil {
			d.log.Warn("traffic control: close", "err", err)
		}
	}
	if d.nl != nil && d.o.Netlink == nil {
		d.nl.Close()
	}
}

func (d *Daemon) killed() bool {
	select {
	case <-d.kill:
		return true
	default:
		return false
	}
}
