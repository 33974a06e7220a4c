package engine

import (
	"testing"
	"time"

	"netcompat/core/webtp/wire"
)

// FuzzEndpointReceive feeds arbitrary datagrams, spoofed as the peer, to
// both ends of a live connection: nothing may panic, and the connection
// must still carry an ADU afterwards unless the input closed it.
func FuzzEndpointReceive(f *testing.F) {
	hdr := wire.AppendHeader(nil, wire.Header{SrcTag: 1, DstTag: 0, Number: 1})
	f.Add(wire.AppendConnect(append([]byte(nil), hdr...), wire.Handshake{ID: 1, Nonce: 9}))
	f.Add(wire.AppendADU(append([]byte(nil), hdr...), wire.ADU{Ref: 3, ID: 0, Flags: wire.ADUReliable, Total: 10, Offset: 4, Data: []byte("abc")}))
	f.Add(wire.AppendAck(append([]byte(nil), hdr...), wire.Ack{Ranges: []wire.AckRange{{Smallest: 1, Largest: 50}}}))
	f.Add([]byte{wire.Magic, wire.Version})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := newPair(t, 21, Config{})
		c, s := p.connect(t, false)
		// Use the real tags so inputs reach the frame handlers.
		for _, target := range []struct {
			e    *Endpoint
			from *Conn
		}{{p.srv, c}, {p.cli, s}} {
			in := append([]byte(nil), b...)
			if len(in) >= 10 && in[0] == wire.Magic {
				pp := target.from.pipe
				in[2], in[3], in[4], in[5] = byte(pp.tag>>24), byte(pp.tag>>16), byte(pp.tag>>8), byte(pp.tag)
				in[6], in[7], in[8], in[9] = byte(pp.peerTag>>24), byte(pp.peerTag>>16), byte(pp.peerTag>>8), byte(pp.peerTag)
			}
			from := cliAddr
			if target.e == p.cli {
				from = srvAddr
			}
			target.e.Receive(p.net.now, from, in)
		}
		if c.Finished() || s.Finished() {
			return
		}
		_ = c.Send([]byte("after"), wire.ADUReliable)
		p.net.runUntil(30*time.Second, func() bool {
			for {
				a, ok := s.Receive()
				if !ok {
					return s.Finished()
				}
				if string(a.Data) == "after" {
					return true
				}
			}
		})
	})
}
