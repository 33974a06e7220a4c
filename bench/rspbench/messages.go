package main

import (
	"encoding/binary"
	"fmt"

	"netcompat/bench/internal/asapload"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// element is the pool element with identifier id that the benchmark
// registers: asapload's (one TCP user transport on 127.0.0.1), the policy
// of pool, and for least used a load spread over the whole range (a
// multiplicative hash of id), so that the selector has a real order to
// keep.
func element(id uint32, pool string) wire.PoolElement {
	pe := asapload.Element(id, 300000) // ms; the home registrar goes by keep-alives
	if pool == poolBigLU {
		pe.Policy = wire.Policy{Type: policy.LeastUsed, Values: []uint32{id * 2654435761}}
	}
	return pe
}

// registration encodes the Registration of element id in pool.
func registration(id uint32, pool string) ([]byte, error) {
	return wire.AppendASAP(nil, &wire.Registration{PoolHandle: []byte(pool), Element: element(id, pool)})
}

// regTemplate is an encoded Registration whose PE identifier can be
// rewritten in place (setID), so that a user sends new identifiers without
// encoding each message.
type regTemplate struct {
	b     []byte
	idOff int
}

func newRegTemplate(pool string) (*regTemplate, error) {
	b, err := registration(1, pool)
	if err != nil {
		return nil, err
	}
	// Header, Pool Handle parameter (padded), Pool Element parameter
	// header, then the PE identifier.
	t := &regTemplate{b: b, idOff: wire.HeaderLen + (4+len(pool)+3)&^3 + 4}
	for _, id := range []uint32{1, 0xdeadbeef} {
		t.setID(id)
		m, err := wire.ParseASAP(t.b)
		if r, ok := m.(*wire.Registration); err != nil || !ok || r.Element.ID != id {
			return nil, fmt.Errorf("registration template: PE identifier not at offset %d (%v)", t.idOff, err)
		}
	}
	return t, nil
}

func (t *regTemplate) setID(id uint32) { binary.BigEndian.PutUint32(t.b[t.idOff:], id) }

// resolution encodes a Handle Resolution for pool asking for items
// elements.
func resolution(pool string, items int) ([]byte, error) {
	return wire.AppendASAP(nil, &wire.HandleResolution{PoolHandle: []byte(pool), HasItems: true, Items: uint32(items)})
}

// echoReplies are the baseline's pre-encoded answers, of the sizes the
// registrar's answers have: its Registration Response and, per pool, its
// Handle Resolution Response with items elements (elements as element
// builds them, home server set, no ASAP transport: what the registrar
// returns).
type echoReplies struct {
	reg []byte
	hr  map[string][]byte
	def []byte // Handle Resolution of an unknown pool: the round-robin answer
}

func newEchoReplies(items int) (*echoReplies, error) {
	r := &echoReplies{hr: make(map[string][]byte)}
	var err error
	r.reg, err = wire.AppendASAP(nil, &wire.RegistrationResponse{PoolHandle: []byte(poolReg), PEID: 1})
	if err != nil {
		return nil, err
	}
	for _, pool := range []string{poolHR, poolReg, poolBigRR, poolBigLU} {
		resp := &wire.HandleResolutionResponse{PoolHandle: []byte(pool)}
		for i := range items {
			pe := element(uint32(i+1), pool)
			pe.HomeServer = 0x12345678
			resp.Elements = append(resp.Elements, pe)
		}
		resp.Policy = resp.Elements[0].Policy
		if r.hr[pool], err = wire.AppendASAP(nil, resp); err != nil {
			return nil, err
		}
	}
	r.def = r.hr[poolHR]
	return r, nil
}

// reply returns the answer to the request msg (a whole message), or nil.
func (r *echoReplies) reply(msg []byte) []byte {
	switch wire.ASAPType(msg[0]) {
	case wire.ASAPRegistration:
		return r.reg
	case wire.ASAPHandleResolution:
		// The Pool Handle parameter comes first: type, length, value.
		if len(msg) >= 8 {
			n := int(binary.BigEndian.Uint16(msg[6:8])) - 4
			if n >= 0 && 8+n <= len(msg) {
				if b, ok := r.hr[string(msg[8:8+n])]; ok {
					return b
				}
			}
		}
		return r.def
	}
	return nil
}
