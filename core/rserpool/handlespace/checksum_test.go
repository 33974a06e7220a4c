package handlespace

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"netcompat/core/rserpool/wire"
)

// refChecksum is an independent implementation: for each element the bytes
// handle, zero pad to even length, PE ID big-endian, summed as RFC 1071
// 16-bit big-endian words in 32 bits with end-around carry, inverted.
func refChecksum(elems []Key) uint16 {
	var sum uint32
	for _, e := range elems {
		b := []byte(e.Handle)
		if len(b)%2 == 1 {
			b = append(b, 0)
		}
		b = binary.BigEndian.AppendUint32(b, e.ID)
		for i := 0; i < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
			sum = sum&0xffff + sum>>16
		}
	}
	return ^uint16(sum)
}

// rsplibWire reproduces rsplib on a little-endian host: 16-bit words
// loaded from memory in host order, the odd byte memcpy'd into a zeroed
// word, the folded inverted sum stored into the parameter as is. It
// returns the two bytes on the wire.
func rsplibWire(elems []Key) [2]byte {
	var sum uint32
	for _, e := range elems {
		pe := uint32(0)
		h := []byte(e.Handle)
		for len(h) >= 2 {
			pe += uint32(binary.LittleEndian.Uint16(h))
			h = h[2:]
		}
		if len(h) == 1 {
			pe += uint32(h[0]) // memcpy into a zero word: low byte on LE
		}
		var id [4]byte
		binary.BigEndian.PutUint32(id[:], e.ID) // htonl
		pe += uint32(binary.LittleEndian.Uint16(id[0:])) + uint32(binary.LittleEndian.Uint16(id[2:]))
		sum += pe
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	var out [2]byte
	binary.LittleEndian.PutUint16(out[:], ^uint16(sum))
	return out
}

func TestChecksumKnownValues(t *testing.T) {
	tests := []struct {
		elems []Key
		want  uint16
	}{
		{nil, 0xffff},
		// 0x6162 + 0x0001 + 0x0002 = 0x6165.
		{[]Key{{"ab", 0x00010002}}, ^uint16(0x6165)},
		// Odd handle: "abc" is 0x6162 + 0x6300, then the ID's words.
		{[]Key{{"abc", 0x00010002}}, ^uint16(0x6162 + 0x6300 + 3)},
		// Carries fold: 0xffff + 0xffff + 0xffff + 0xffff.
		{[]Key{{"\xff\xff\xff\xff", 0xffffffff}}, ^uint16(0xffff)},
		// Two elements of one pool.
		{[]Key{{"ab", 1}, {"ab", 2}}, ^uint16(2*0x6162 + 3)},
	}
	for i, tc := range tests {
		if got := ChecksumOf(tc.elems); got != tc.want {
			t.Errorf("%d: ChecksumOf = %#04x, want %#04x", i, got, tc.want)
		}
		if got := refChecksum(tc.elems); got != tc.want {
			t.Errorf("%d: reference = %#04x, want %#04x", i, got, tc.want)
		}
	}
}

// TestChecksumMatchesRsplibBytes checks that sending Checksum big-endian
// gives the bytes rsplib puts on the wire.
func TestChecksumMatchesRsplibBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		elems := make([]Key, r.IntN(20))
		for i := range elems {
			h := make([]byte, 1+r.IntN(32))
			for j := range h {
				h[j] = byte(r.Uint32())
			}
			elems[i] = Key{string(h), r.Uint32()}
		}
		var be [2]byte
		binary.BigEndian.PutUint16(be[:], ChecksumOf(elems))
		if got := rsplibWire(elems); got != be || refChecksum(elems) != ChecksumOf(elems) {
			t.Fatalf("%v: ours %x, rsplib %x", elems, be, got)
		}
	}
}

// TestChecksumProperty applies a long random sequence of operations and
// after each checks the incremental checksum of every owner against a
// from-scratch computation, and the handlespace against a model of which
// elements it holds and who owns them.
func TestChecksumProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(20250101, 5353))
	homes := []uint32{self, peer, 0x33, 0x44}
	handles := []string{"a", "bb", "ccc", "dddd", "a-much-longer-pool-handle-of-32b", "\xff\xfe\xfd"}
	h := newHS(func(c *Config) { c.MaxElements = 400 })
	type state struct {
		home uint32
		conn ConnKey
	}
	model := map[Key]state{}
	now := int64(0)
	life := func() func(*wire.PoolElement) {
		ms := uint32(1000 + r.IntN(60000))
		return func(e *wire.PoolElement) { e.RegLife = ms }
	}
	randKey := func() Key {
		return Key{handles[r.IntN(len(handles))], uint32(1 + r.IntN(120))}
	}
	count := map[string]int{}
	drop := func(ms []*Member) {
		for _, m := range ms {
			count["removed"]++
			if _, ok := model[m.Key()]; !ok {
				t.Fatalf("removed %v, not in model", m.Key())
			}
			delete(model, m.Key())
		}
	}
	const steps = 20000
	for step := range steps {
		now += int64(r.IntN(200))
		tm := at(now)
		op := r.IntN(100)
		switch {
		case op < 40: // ASAP registration
			k := randKey()
			conn := ConnKey(1 + r.IntN(30))
			m, rereg, c := h.Register(tm, []byte(k.Handle), with(elem(k.ID), life()), conn)
			count[fmt.Sprintf("register %#x rereg=%v", c, rereg)]++
			if c == 0 {
				model[k] = state{self, conn}
				if m.Key() != k {
					t.Fatal("wrong element")
				}
			}
		case op < 60: // peer's Handle Update
			k := randKey()
			home := homes[r.IntN(len(homes))]
			_, _, c := h.Update(tm, []byte(k.Handle), with(homed(k.ID, home), life()))
			if c == 0 {
				conn := ConnKey(0)
				if home == self {
					conn = model[k].conn // kept when it stays ours
				}
				model[k] = state{home, conn}
			}
			count[fmt.Sprintf("update %#x", c)]++
		case op < 70: // deregistration
			k := randKey()
			if m, c := h.Deregister([]byte(k.Handle), k.ID, ConnKey(r.IntN(31))); m != nil && c == 0 {
				drop([]*Member{m})
			}
		case op < 75:
			k := randKey()
			if m, removed, _ := h.ReportUnreachable([]byte(k.Handle), k.ID); removed {
				drop([]*Member{m})
			}
		case op < 82: // ownership change
			k := randKey()
			if m := h.Lookup([]byte(k.Handle), k.ID); m != nil {
				home := homes[r.IntN(len(homes))]
				h.SetHome(tm, m, home)
				model[k] = state{home, model[k].conn}
			}
		case op < 84:
			from, to := homes[r.IntN(len(homes))], homes[r.IntN(len(homes))]
			for _, m := range h.TakeOver(tm, from, to) {
				model[m.Key()] = state{to, model[m.Key()].conn}
			}
		case op < 86:
			drop(h.RemoveConn(ConnKey(1 + r.IntN(30))))
		case op < 90:
			drop(h.Expire(tm))
		case op < 95: // keep-alive traffic
			for _, m := range h.KeepAlivesDue(tm, nil) {
				h.KeepAliveSent(tm, m)
			}
			if ms := h.KeepAliveTimeouts(tm, nil); len(ms) > 0 {
				for _, m := range ms {
					h.Remove(m)
				}
				drop(ms)
			}
		default:
			for _, m := range h.Owned(self) {
				if r.IntN(2) == 0 {
					h.KeepAliveAcked(tm, m)
				}
			}
		}

		if h.Len() != len(model) {
			t.Fatalf("step %d: %d elements, model %d", step, h.Len(), len(model))
		}
		byHome := map[uint32][]Key{}
		for k, s := range model {
			m := h.Lookup([]byte(k.Handle), k.ID)
			if m == nil || m.Home() != s.home {
				t.Fatalf("step %d: %v: %v, model home %#x", step, k, m, s.home)
			}
			if m.Conn() != s.conn {
				t.Fatalf("step %d: %v conn %d, model %d", step, k, m.Conn(), s.conn)
			}
			byHome[s.home] = append(byHome[s.home], k)
		}
		for _, home := range homes {
			want := refChecksum(byHome[home])
			if got := h.Checksum(home); got != want {
				t.Fatalf("step %d: checksum of %#x: incremental %#04x, from scratch %#04x", step, home, got, want)
			}
		}
		if step%500 == 0 || step == steps-1 {
			checkInvariants(t, h)
			for _, home := range homes {
				if h.ComputeChecksum(home) != h.Checksum(home) {
					t.Fatalf("step %d: ComputeChecksum(%#x)", step, home)
				}
			}
		}
	}
	t.Logf("final: %d elements in %d pools, homes %x; outcomes %v", h.Len(), h.NumPools(), h.Homes(), count)
}

func ExampleHandlespace_Checksum() {
	h := New(Config{ServerID: 1})
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for id := uint32(1); id <= 3; id++ {
		pe := wire.PoolElement{ID: id, RegLife: 30000, Policy: wire.Policy{Type: 1},
			User: wire.Transport{Kind: wire.ParamSCTPTransport, Port: 7, Addrs: addrs("10.0.0.1")}}
		h.Register(now, []byte("ab"), pe, ConnKey(id))
	}
	fmt.Printf("%#04x %#04x\n", h.OwnChecksum(), h.Checksum(2))
	// Output: 0xdbd2 0xffff
}
