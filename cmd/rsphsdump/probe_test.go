package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/registrar"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// Every wait ends as soon as its condition holds; the limit only bounds a
// failing test.
const waitLimit = 20 * time.Second

var loopback = netip.MustParseAddr("127.0.0.1")

// startRegistrar starts an in-process registrar with ASAP and ENRP on
// loopback and Handle Table pages of pageSize elements.
func startRegistrar(t *testing.T, id uint32, pageSize int, peers ...*registrar.Server) *registrar.Server {
	t.Helper()
	cfg := registrar.ServerConfig{
		ASAP: []netip.AddrPort{netip.AddrPortFrom(loopback, 0)},
		ENRP: []netip.AddrPort{netip.AddrPortFrom(loopback, 0)},
	}
	cfg.Registrar.ServerID = id
	cfg.Registrar.KeepAliveInterval = time.Hour // the test clients need not answer keep-alives
	cfg.Registrar.ENRP.MaxElementsPerHTRequest = pageSize
	for _, p := range peers {
		cfg.Peers = append(cfg.Peers, p.ENRPAddrs())
	}
	s, err := registrar.Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// asapClient is a pool element's ASAP association to a registrar.
type asapClient struct {
	t   *testing.T
	a   transport.Assoc
	buf []byte
}

func dialASAP(t *testing.T, addrs []netip.AddrPort, backend transport.Backend) *asapClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	a, err := transport.Dial(ctx, addrs, &transport.Options{Backend: backend, Framing: transport.FramingBare})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return &asapClient{t: t, a: a, buf: make([]byte, transport.MaxBareMessageSize)}
}

// register registers e in pool handle and waits for the acceptance.
func (c *asapClient) register(handle string, e wire.PoolElement) {
	c.t.Helper()
	b, err := wire.AppendASAP(nil, &wire.Registration{PoolHandle: []byte(handle), Element: e})
	if err == nil {
		err = c.a.Send(b, transport.SendInfo{})
	}
	if err != nil {
		c.t.Fatal(err)
	}
	timer := time.AfterFunc(waitLimit, func() { c.a.Close() })
	defer timer.Stop()
	for {
		n, _, err := c.a.Recv(c.buf)
		if err != nil {
			c.t.Fatalf("registration of %s/$%08x: %v", handle, e.ID, err)
		}
		m, err := wire.ParseASAP(c.buf[:n])
		if err != nil {
			c.t.Fatal(err)
		}
		if resp, ok := m.(*wire.RegistrationResponse); ok {
			if resp.Reject || resp.Error != nil || resp.PEID != e.ID {
				c.t.Fatalf("registration of %s/$%08x answered %+v", handle, e.ID, resp)
			}
			return
		}
	}
}

// element returns a pool element with a loopback TCP user transport.
func element(id uint32, ptype uint32, values ...uint32) wire.PoolElement {
	return wire.PoolElement{
		ID:      id,
		RegLife: 30000,
		User: wire.Transport{
			Kind:  wire.ParamTCPTransport,
			Port:  uint16(10000 + id%50000),
			Use:   wire.UseData,
			Addrs: []netip.Addr{loopback},
		},
		Policy: wire.Policy{Type: ptype, Values: values},
	}
}

// eventually polls cond until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

func probeServer(t *testing.T, s *registrar.Server) *registrar.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	got, err := probe(ctx, probeConfig{Registrar: s.ENRPAddrs(), Backend: s.Backend(), ServerID: 0xd0d0d0d0})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestProbePagedTable dumps 300 elements of a registrar and 12 of its
// peer, in pages of 7, and compares with the registrar's own snapshot.
func TestProbePagedTable(t *testing.T) {
	a := startRegistrar(t, 0x0a0a0001, 7)
	b := startRegistrar(t, 0x0b0b0002, 0, a)

	pools := []struct {
		handle string
		n      int
		ptype  uint32
		values []uint32
	}{
		{"a", 1, policy.RoundRobin, nil},                     // odd-length handles test the checksum's padding
		{"echo", 150, policy.RoundRobin, nil},                // spans many pages
		{"odd", 99, policy.WeightedRoundRobin, []uint32{3}},  // policy values
		{"ping-pong", 50, policy.LeastUsed, []uint32{12345}}, // ends the table
	}
	ca := dialASAP(t, a.Addrs(), a.Backend())
	id := uint32(1)
	for _, p := range pools {
		for range p.n {
			ca.register(p.handle, element(id, p.ptype, p.values...))
			id++
		}
	}
	cb := dialASAP(t, b.Addrs(), b.Backend())
	for i := range uint32(12) {
		cb.register("echo", element(0x10000+i, policy.RoundRobin))
	}
	eventually(t, "peering and the peer's elements", func() bool {
		s := a.Snapshot()
		return s.Elements == 312 && len(s.Peers) == 1
	})
	before := a.Stats().HandleTableRequests

	got := probeServer(t, a)
	want := a.Snapshot()

	if pages := a.Stats().HandleTableRequests - before; pages != 312/7+1 {
		t.Errorf("%d Handle Table Requests, want %d", pages, 312/7+1)
	}
	if got.ServerID != a.ServerID() || got.Checksum != want.Checksum || got.Elements != 312 {
		t.Errorf("got server %s checksum %#04x elements %d, want %s %#04x 312",
			idString(got.ServerID), got.Checksum, got.Elements, idString(a.ServerID()), want.Checksum)
	}
	if g, w := mustJSON(t, got.Pools), mustJSON(t, want.Pools); g != w {
		t.Errorf("pools differ\n got %s\nwant %s", g, w)
	}
	if !reflect.DeepEqual(got.Checksums, want.Checksums) {
		t.Errorf("checksums %v, registrar's %v", got.Checksums, want.Checksums)
	}
	// And from scratch: every home's elements.
	keys := make(map[uint32][]handlespace.Key)
	for _, p := range want.Pools {
		for _, e := range p.Elements {
			keys[e.Home] = append(keys[e.Home], handlespace.Key{Handle: p.Handle, ID: e.ID})
		}
	}
	if len(keys) != 2 {
		t.Fatalf("homes %v, want two", keys)
	}
	for home, k := range keys {
		if c := got.Checksums[idString(home)]; c != handlespace.ChecksumOf(k) {
			t.Errorf("checksum of %s: %#04x, computed %#04x", idString(home), c, handlespace.ChecksumOf(k))
		}
	}
	if err := checkOwn(got); err != nil {
		t.Error(err)
	}
	// The peer list: b, as a knows it (the dump itself is not listed to itself).
	if len(got.Peers) != 1 {
		t.Fatalf("peers %+v, want b only", got.Peers)
	}
	p := got.Peers[0]
	if p.ID != b.ServerID() || !slices.Equal(p.Addrs, b.ENRPAddrs()) || p.Owned != 12 || p.Checksum != want.Checksums[idString(b.ServerID())] {
		t.Errorf("peer %+v, want %s at %v owning 12", p, idString(b.ServerID()), b.ENRPAddrs())
	}
}

// TestProbeEmpty dumps a registrar with no elements: empty lists, the
// checksum of nothing.
func TestProbeEmpty(t *testing.T) {
	s := startRegistrar(t, 0, 0)
	got := probeServer(t, s)
	if got.ServerID != s.ServerID() || got.Checksum != 0xffff || got.Elements != 0 || checkOwn(got) != nil {
		t.Errorf("got %+v", got)
	}
	out, err := encodeSnapshot(got, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"pools":[]`, `"peers":[]`, `"checksums":{}`, `"checksum":65535`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("%s lacks %s", out, want)
		}
	}
}

// freePort returns a loopback TCP port nobody listens on.
func freePort(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	return ap
}

// probeTCP probes addr over the TCP mapping with a timeout and returns
// the error and how long it took.
func probeTCP(addr netip.AddrPort, timeout time.Duration) (error, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	_, err := probe(ctx, probeConfig{Registrar: []netip.AddrPort{addr}, Backend: transport.BackendTCP})
	return err, time.Since(start)
}

func TestProbeRefused(t *testing.T) {
	err, _ := probeTCP(freePort(t), waitLimit)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("got %v, want connection refused", err)
	}
}

// fakeServer accepts TCP connections and runs serve on each; done closes
// when the test ends.
func fakeServer(t *testing.T, serve func(c net.Conn, done <-chan struct{})) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c, done)
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}

// TestProbeGarbage: whatever a wrong server answers ends in an error,
// at once or at the timeout, never in a hang.
func TestProbeGarbage(t *testing.T) {
	const timeout = 700 * time.Millisecond
	cases := []struct {
		name  string
		serve func(net.Conn, <-chan struct{})
		want  string
		fast  bool // the error comes before the timeout
	}{
		{"http then close", func(c net.Conn, done <-chan struct{}) {
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
		}, "registrar at", true},
		{"undecodable message", func(c net.Conn, done <-chan struct{}) {
			c.Write([]byte{0xee, 0, 0, 8, 1, 2, 3, 4})
			<-done // the connection stays open
		}, "undecodable", true},
		{"ASAP instead of ENRP", func(c net.Conn, done <-chan struct{}) {
			b, _ := wire.AppendASAP(nil, &wire.ASAPErrorMessage{Error: wire.OperationError{Causes: []wire.ErrorCause{{Code: wire.CauseUnrecognizedMessage}}}})
			c.Write(b)
		}, "ENRP endpoint", true},
		{"endless message", func(c net.Conn, done <-chan struct{}) {
			c.Write([]byte{0x01, 0, 0xff, 0xff, 1, 2})
			<-done
		}, "time limit", false},
		{"silence", func(c net.Conn, done <-chan struct{}) {
			<-done
		}, "waiting for its Presence", false},
		{"immediate close", func(c net.Conn, done <-chan struct{}) {}, "is it an ENRP endpoint?", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeServer(t, tc.serve)
			err, took := probeTCP(addr, timeout)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
			if took > timeout+2*time.Second || (tc.fast && took >= timeout) {
				t.Errorf("the error took %v (timeout %v)", took, timeout)
			}
			t.Log(err)
		})
	}
}

// fakeRegistrar answers the dump like a registrar would, up to the
// Handle Table Request, which it answers with resp.
func fakeRegistrar(t *testing.T, resp func(ids wire.ServerIDs) wire.Message) netip.AddrPort {
	t.Helper()
	ln, err := transport.Listen([]netip.AddrPort{netip.AddrPortFrom(loopback, 0)},
		&transport.Options{Backend: transport.BackendTCP, Framing: transport.FramingBare, PPID: transport.PPIDENRP})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	const self = 0x5eff
	go func() {
		a, err := ln.Accept()
		if err != nil {
			return
		}
		defer a.Close()
		buf := make([]byte, transport.MaxBareMessageSize)
		send := func(m wire.Message) {
			b, err := wire.AppendENRP(nil, m)
			if err == nil {
				err = a.Send(b, transport.SendInfo{})
			}
			if err != nil {
				t.Error(err)
			}
		}
		for {
			n, _, err := a.Recv(buf)
			if err != nil {
				return
			}
			m, err := wire.ParseENRP(buf[:n])
			if err != nil {
				t.Error(err)
				return
			}
			switch m := m.(type) {
			case *wire.Presence:
				if m.Info == nil || m.Info.Transport.Kind != wire.ParamTCPTransport ||
					!slices.Equal(m.Info.Transport.Addrs, []netip.Addr{a.RemoteAddrs()[0].Addr()}) ||
					m.Info.Transport.Port != a.RemoteAddrs()[0].Port() || m.Checksum != 0xffff || !m.ReplyRequired {
					t.Errorf("Presence %+v (info %+v) does not describe the association %v", m, m.Info, a.RemoteAddrs())
				}
				ids := wire.ServerIDs{Sender: self, Receiver: m.Sender}
				send(&wire.HandleUpdate{ServerIDs: ids, PoolHandle: []byte("x"), Element: element(1, policy.RoundRobin)}) // noise first
				send(&wire.Presence{ServerIDs: ids, Checksum: 0x1234})
			case *wire.ListRequest:
				if m.Receiver != self {
					t.Errorf("List Request to %s", idString(m.Receiver))
				}
				send(&wire.ListResponse{ServerIDs: wire.ServerIDs{Sender: self, Receiver: m.Sender}})
			case *wire.HandleTableRequest:
				if m.Receiver != self || m.OwnChildrenOnly {
					t.Errorf("Handle Table Request %+v", m)
				}
				send(resp(wire.ServerIDs{Sender: self, Receiver: m.Sender}))
			}
		}
	}()
	return ln.Addrs()[0]
}

func TestProbeReject(t *testing.T) {
	addr := fakeRegistrar(t, func(ids wire.ServerIDs) wire.Message {
		return &wire.HandleTableResponse{ServerIDs: ids, Reject: true}
	})
	err, _ := probeTCP(addr, waitLimit)
	if err == nil || !strings.Contains(err.Error(), "reject") {
		t.Fatalf("got %v, want a rejection", err)
	}
}

func TestProbeENRPError(t *testing.T) {
	addr := fakeRegistrar(t, func(ids wire.ServerIDs) wire.Message {
		return &wire.ENRPErrorMessage{ServerIDs: ids, Error: wire.OperationError{Causes: []wire.ErrorCause{{Code: wire.CauseUnrecognizedMessage}}}}
	})
	err, _ := probeTCP(addr, waitLimit)
	if err == nil || !strings.Contains(err.Error(), "reported an error") {
		t.Fatalf("got %v, want the registrar's error", err)
	}
}

// TestProbeFakeRegistrar: the dump takes the checksum from the Presence
// and ignores messages it did not ask for.
func TestProbeFakeRegistrar(t *testing.T) {
	addr := fakeRegistrar(t, func(ids wire.ServerIDs) wire.Message {
		return &wire.HandleTableResponse{ServerIDs: ids, Entries: []wire.PoolEntry{{
			PoolHandle: []byte("p"),
			Elements:   []wire.PoolElement{{ID: 7, HomeServer: 0x5eff, RegLife: 1, User: element(7, 0).User, Policy: wire.Policy{Type: policy.RoundRobin}}},
		}}}
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	got, err := probe(ctx, probeConfig{Registrar: []netip.AddrPort{addr}, Backend: transport.BackendTCP})
	if err != nil {
		t.Fatal(err)
	}
	want := handlespace.ChecksumOf([]handlespace.Key{{Handle: "p", ID: 7}})
	if got.ServerID != 0x5eff || got.Checksum != 0x1234 || got.Elements != 1 || got.Checksums["$00005eff"] != want ||
		len(got.Pools) != 1 || got.Pools[0].Policy != policy.Name(policy.RoundRobin) {
		t.Errorf("got %s", mustJSON(t, got))
	}
	if err := checkOwn(got); err == nil || !strings.Contains(err.Error(), "0x1234") {
		t.Errorf("checkOwn: %v, want the Presence's 0x1234 against the table's %#04x", err, want)
	}
}
