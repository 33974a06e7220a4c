package registrar

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"netcompat/core/rserpool/wire"
)

const testServerID = 0x5e5e0001

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at returns t0 plus ms milliseconds.
func at(ms int64) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// testLogger writes log records to t.Log (with -v they show), at debug
// level.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tbWriter struct{ t testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newReg returns a registrar with a fixed server ID and a seeded random
// source; mod adjusts the configuration.
func newReg(t testing.TB, mod func(*Config)) *Registrar {
	cfg := Config{ServerID: testServerID, Rand: rand.New(rand.NewPCG(1, 2)), Logger: testLogger(t)}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg)
}

// pe returns a pool element with one loopback TCP user address, a 30 s
// registration life and the given policy.
func pe(id uint32, ptype uint32, values ...uint32) wire.PoolElement {
	return wire.PoolElement{
		ID:      id,
		RegLife: 30000,
		User: wire.Transport{
			Kind:  wire.ParamTCPTransport,
			Port:  uint16(10000 + id%50000),
			Use:   wire.UseData,
			Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")},
		},
		Policy: wire.Policy{Type: ptype, Values: values},
	}
}

func regMsg(handle string, e wire.PoolElement) *wire.Registration {
	return &wire.Registration{PoolHandle: []byte(handle), Element: e}
}

func hrMsg(handle string, items ...uint32) *wire.HandleResolution {
	m := &wire.HandleResolution{PoolHandle: []byte(handle)}
	if len(items) > 0 {
		m.HasItems, m.Items = true, items[0]
	}
	return m
}

// only returns the single output of outs, failing otherwise.
func only(t testing.TB, outs []Output) Output {
	t.Helper()
	if len(outs) != 1 {
		t.Fatalf("got %d outputs, want 1: %s", len(outs), describe(outs))
	}
	return outs[0]
}

func describe(outs []Output) string {
	var b strings.Builder
	for i, o := range outs {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "to=%d announce=%v close=%v", o.To, o.Announce, o.Close)
		if o.Msg != nil {
			fmt.Fprintf(&b, " %T%+v", o.Msg, o.Msg)
		}
	}
	return b.String()
}

// mustRegister registers e in handle over assoc and checks the response.
func mustRegister(t testing.TB, r *Registrar, now time.Time, assoc AssocID, handle string, e wire.PoolElement) {
	t.Helper()
	o := only(t, r.Handle(now, assoc, regMsg(handle, e), nil))
	resp, ok := o.Msg.(*wire.RegistrationResponse)
	if !ok || o.To != assoc || o.Close {
		t.Fatalf("registration answered with %s", describe([]Output{o}))
	}
	if resp.Reject || resp.Error != nil || resp.PEID != e.ID || string(resp.PoolHandle) != handle {
		t.Fatalf("registration of %s/$%08x: %+v (error %v)", handle, e.ID, resp, resp.Error)
	}
}

// resolve asks for handle's elements and returns the response.
func resolve(t testing.TB, r *Registrar, now time.Time, assoc AssocID, m *wire.HandleResolution) *wire.HandleResolutionResponse {
	t.Helper()
	o := only(t, r.Handle(now, assoc, m, nil))
	resp, ok := o.Msg.(*wire.HandleResolutionResponse)
	if !ok || o.To != assoc {
		t.Fatalf("handle resolution answered with %s", describe([]Output{o}))
	}
	return resp
}

// ids lists the element identifiers of a response.
func ids(resp *wire.HandleResolutionResponse) []uint32 {
	var out []uint32
	for _, e := range resp.Elements {
		out = append(out, e.ID)
	}
	return out
}

// causes lists an Operation Error's cause codes.
func causes(e *wire.OperationError) []wire.Cause {
	if e == nil {
		return nil
	}
	var out []wire.Cause
	for _, c := range e.Causes {
		out = append(out, c.Code)
	}
	return out
}

// encode encodes an ASAP message.
func encode(t testing.TB, m wire.Message) []byte {
	t.Helper()
	b, err := wire.AppendASAP(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withParam appends a parameter TLV to the encoded message b and fixes
// the message length.
func withParam(b []byte, typ uint16, val []byte) []byte {
	b = append([]byte(nil), b...)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(val)))
	b = append(b, val...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}
