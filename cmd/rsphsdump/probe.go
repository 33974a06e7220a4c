package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"

	"netcompat/core/rserpool/registrar"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// The ENRP exchange (RFC 5353), one association, one goroutine:
//
//  1. We send a Presence with the R flag, the checksum of no elements
//     (0xffff) and a Server Information naming the association's local
//     addresses and port: rsplib's registrar drops a Presence whose
//     Server Information does not match the association.
//  2. The registrar's Presence tells its server ID and its own checksum.
//     We then send a List Request and a Handle Table Request without the
//     W flag (the whole table, not only its own elements), both addressed
//     to it.
//  3. Each Handle Table Response with the M flag is followed by another
//     request, until one comes without; the List Response comes
//     meanwhile. A later Presence of the registrar updates its checksum.
//
// Everything else (the registrar's own List and Handle Table Requests to
// its new peer, Handle Updates, Presences of other senders) is ignored.
// A reject flag, an ENRP Error, an undecodable message, the end of the
// association or the context's end fail the exchange. Closing the
// association is how we leave; the registrar forgets us when our
// Presence timers run out.

// probeConfig says whom to ask and how.
type probeConfig struct {
	Registrar []netip.AddrPort  // the registrar's ENRP endpoint
	Backend   transport.Backend // BackendAuto: NETCOMPAT_SCTP, else the probe
	ServerID  uint32            // ours; 0 picks a random one
}

// exchange is the state of one dump.
type exchange struct {
	a    transport.Assoc
	to   string // the registrar's endpoint, for messages
	self uint32
	buf  []byte

	peer     uint32 // the registrar's server ID, from its Presence; 0 before
	checksum uint16 // its own elements' checksum, from its latest Presence
	pages    int    // Handle Table Responses received
	table    bool   // the last page came
	list     bool   // the List Response came
	entries  []wire.PoolEntry
	servers  []wire.ServerInfo
}

// probe runs the exchange with the registrar at cfg.Registrar and returns
// its handlespace. ctx bounds everything, the dial included.
func probe(ctx context.Context, cfg probeConfig) (*registrar.Snapshot, error) {
	backend := cfg.Backend
	if backend == transport.BackendAuto {
		backend = transport.DefaultBackend()
	}
	x := &exchange{self: cfg.ServerID, to: endpointString(cfg.Registrar), buf: make([]byte, transport.MaxBareMessageSize)}
	for x.self == 0 {
		x.self = rand.Uint32()
	}
	a, err := transport.Dial(ctx, cfg.Registrar, &transport.Options{
		Backend:        backend,
		Framing:        transport.FramingBare,
		PPID:           transport.PPIDENRP,
		MaxMessageSize: transport.MaxBareMessageSize,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("cannot connect to the registrar at %s within the time limit: %w", x.to, err)
		}
		return nil, fmt.Errorf("cannot connect to the registrar at %s (%v backend): %w", x.to, backend, err)
	}
	x.a = a
	defer a.Close()
	stop := context.AfterFunc(ctx, func() { a.Close() }) // unblocks Send and Recv
	defer stop()

	kind := wire.ParamTCPTransport
	if backend == transport.BackendKernel {
		kind = wire.ParamSCTPTransport
	}
	err = x.run(kind)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("no complete answer from the registrar at %s within the time limit (-timeout=): still waiting for %s", x.to, x.waitingFor())
	}
	if err != nil {
		return nil, err
	}
	return x.snapshot(), nil
}

// run carries out the exchange on x.a.
func (x *exchange) run(kind wire.ParamType) error {
	info := &wire.ServerInfo{ServerID: x.self, Transport: wire.Transport{Kind: kind, Use: wire.UseData}}
	for _, ap := range x.a.LocalAddrs() {
		info.Transport.Port = ap.Port()
		if a := ap.Addr().Unmap(); a.Zone() == "" { // a link-local address's zone has no wire form
			info.Transport.Addrs = append(info.Transport.Addrs, a)
		}
	}
	if len(info.Transport.Addrs) > wire.MaxAddrs {
		info.Transport.Addrs = info.Transport.Addrs[:wire.MaxAddrs]
	}
	err := x.send(&wire.Presence{
		ServerIDs:     wire.ServerIDs{Sender: x.self},
		ReplyRequired: true,
		Checksum:      0xffff, // no elements
		Info:          info,
	})
	if err != nil {
		return err
	}
	for !x.table || !x.list {
		m, err := x.recv()
		if err != nil {
			return err
		}
		if err := x.handle(m); err != nil {
			return err
		}
	}
	return nil
}

// handle takes one message from the registrar.
func (x *exchange) handle(m wire.Message) error {
	switch m := m.(type) {
	case *wire.Presence:
		if m.Sender == 0 || m.Sender == x.self || (x.peer != 0 && m.Sender != x.peer) {
			return nil
		}
		x.checksum = m.Checksum
		if x.peer != 0 {
			return nil
		}
		x.peer = m.Sender
		if err := x.send(&wire.ListRequest{ServerIDs: x.ids()}); err != nil {
			return err
		}
		return x.send(&wire.HandleTableRequest{ServerIDs: x.ids()})
	case *wire.HandleTableResponse:
		if x.peer == 0 || m.Sender != x.peer || x.table {
			return nil
		}
		if m.Reject {
			return fmt.Errorf("the registrar %s at %s refused our Handle Table Request (reject flag)", idString(x.peer), x.to)
		}
		x.pages++
		x.entries = append(x.entries, m.Entries...)
		if !m.More {
			x.table = true
			return nil
		}
		return x.send(&wire.HandleTableRequest{ServerIDs: x.ids()})
	case *wire.ListResponse:
		if x.peer == 0 || m.Sender != x.peer || x.list {
			return nil
		}
		if m.Reject {
			return fmt.Errorf("the registrar %s at %s refused our List Request (reject flag)", idString(x.peer), x.to)
		}
		x.servers = m.Servers
		x.list = true
	case *wire.ENRPErrorMessage:
		return fmt.Errorf("the registrar at %s reported an error: %v", x.to, m.Error.Error())
	}
	return nil
}

// ids are the server IDs of a message from us to the registrar.
func (x *exchange) ids() wire.ServerIDs { return wire.ServerIDs{Sender: x.self, Receiver: x.peer} }

func (x *exchange) send(m wire.Message) error {
	b, err := wire.AppendENRP(nil, m)
	if err == nil {
		err = x.a.Send(b, transport.SendInfo{})
	}
	if err != nil {
		return fmt.Errorf("sending to the registrar at %s: %w", x.to, err)
	}
	return nil
}

func (x *exchange) recv() (wire.Message, error) {
	n, _, err := x.a.Recv(x.buf)
	switch {
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("the registrar at %s closed the association while we were waiting for %s (is it an ENRP endpoint?)", x.to, x.waitingFor())
	case err != nil:
		return nil, fmt.Errorf("receiving from the registrar at %s (is it an ENRP endpoint?): %w", x.to, err)
	}
	m, err := wire.ParseENRP(x.buf[:n])
	if err != nil {
		return nil, fmt.Errorf("undecodable message from the registrar at %s (is it an ENRP endpoint?): %w", x.to, err)
	}
	return m, nil
}

// waitingFor says what the exchange still lacks.
func (x *exchange) waitingFor() string {
	switch {
	case x.peer == 0:
		return "its Presence"
	case !x.table && !x.list:
		return fmt.Sprintf("its List Response and Handle Table Response (%d pages so far)", x.pages)
	case !x.table:
		return fmt.Sprintf("its Handle Table Response (%d pages so far)", x.pages)
	default:
		return "its List Response"
	}
}

func endpointString(addrs []netip.AddrPort) string {
	s := ""
	for i, a := range addrs {
		if i > 0 {
			s += ","
		}
		s += a.String()
	}
	return s
}

func idString(id uint32) string { return fmt.Sprintf("$%08x", id) }
