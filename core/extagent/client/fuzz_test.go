package client

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"netcompat/core/extagent"
	"netcompat/core/extagent/wire"
)

// countingAlloc checks that every buffer Read allocates is either handed
// to the caller or freed.
type countingAlloc struct {
	mu            sync.Mutex
	allocs, frees int
}

func (a *countingAlloc) Alloc(n int) []byte {
	a.mu.Lock()
	a.allocs++
	a.mu.Unlock()
	return make([]byte, n)
}

func (a *countingAlloc) Free(b []byte) {
	a.mu.Lock()
	a.frees++
	a.mu.Unlock()
}

// socketConn is a Conn over one end of a stream socketpair, the other end
// playing the server. Read's state machine works on any stream socket; a
// socketpair makes every write arrive at once, so the test is exact.
func socketConn(t *testing.T, maxLen int, alloc Allocator) (*Conn, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Room for the largest input tried (64 KiB), written at once.
	unix.SetsockoptInt(fds[1], unix.SOL_SOCKET, unix.SO_SNDBUF, 1<<20)
	t.Cleanup(func() { unix.Close(fds[1]) })
	return &Conn{fd: fds[0], cfg: extagent.Config{MaxPacket: maxLen}, alloc: alloc}, fds[1]
}

// expected is what an agent must make of a server's byte stream.
type expected struct {
	packets [][]byte
	starts  []int         // stream offset where each packet's body starts
	ends    []int         // stream offset where each packet ends
	errno   syscall.Errno // how the stream fails; ECONNRESET when it just stops
	// The data packet in progress when the stream stops: where its body
	// starts and how long it is (0: none).
	bodyAt, bodyLen int
}

// model reads the stream by the letter of extagent-protocol.h.
func model(maxLen int, in []byte) expected {
	var e expected
	greeted := false
	off := 0
	for {
		if len(in)-off < wire.HeaderLen {
			e.errno = syscall.ECONNRESET
			return e
		}
		l := binary.BigEndian.Uint32(in[off:])
		body := in[off+wire.HeaderLen:]
		if l == 0 {
			if len(body) < wire.ControlLen {
				e.errno = syscall.ECONNRESET
				return e
			}
			cmd, arg := wire.ParseControl(body)
			off += wire.ControlPacketLen
			switch {
			case !greeted:
				if extagent.CheckServerGreeting(wire.Frame{Kind: wire.KindControl, Command: cmd, Arg: arg}) != nil {
					e.errno = syscall.ECONNREFUSED
					return e
				}
				greeted = true
			case cmd == wire.CmdClose:
				e.errno = syscall.ECONNRESET
				return e
			default:
				e.errno = syscall.EPROTO
				return e
			}
			continue
		}
		if l > uint32(maxLen) {
			e.errno = syscall.EMSGSIZE
			return e
		}
		if !greeted { // refused on its length field alone
			e.errno = syscall.EPROTO
			return e
		}
		if uint64(len(body)) < uint64(l) {
			e.errno = syscall.ECONNRESET
			e.bodyAt, e.bodyLen = off+wire.HeaderLen, int(l)
			return e
		}
		off += wire.HeaderLen + int(l)
		e.packets = append(e.packets, bytes.Clone(body[:l]))
		e.starts = append(e.starts, off-int(l))
		e.ends = append(e.ends, off)
	}
}

// FuzzClientReader plays arbitrary server bytes at Conn.Read, delivered in
// arbitrary pieces, and checks it against the model: the same packets, the
// same failure, partial packets that are prefixes of the real ones, never
// more taken from the kernel than the packet and the next length field,
// and every allocated buffer accounted for.
func FuzzClientReader(f *testing.F) {
	g := extagent.Greeting(wire.Version)
	f.Add(true, uint16(0), uint64(0), []byte{})
	f.Add(true, uint16(0), uint64(1), wire.AppendData(nil, []byte("hello")))
	f.Add(true, uint16(10), uint64(2), wire.AppendControl(wire.AppendData(nil, []byte("a")), wire.CmdClose, 0))
	f.Add(true, uint16(4), uint64(3), wire.AppendData(wire.AppendData(nil, []byte("abcd")), []byte("abcdef")))
	f.Add(true, uint16(0), uint64(4), wire.AppendControl(nil, wire.CmdOpen, 1))
	f.Add(true, uint16(0), uint64(5), []byte{0, 0, 0, 9, 1, 2})
	f.Add(false, uint16(0), uint64(6), wire.AppendData(nil, []byte("x")))
	f.Add(false, uint16(0), uint64(7), wire.AppendControl(nil, wire.CmdClose, wire.CloseHandshake))
	f.Add(false, uint16(0), uint64(8), wire.AppendControl(nil, wire.CmdOpen, 2))
	f.Add(false, uint16(3), uint64(9), append(append([]byte(nil), g...), 0, 0, 0, 4))
	// Found by fuzzing: partial octets of a packet that was complete in the
	// end, and of data sent before the greeting.
	f.Add(true, uint16(92), uint64(92), []byte("\x00\x00\x00\x0500000"))
	f.Add(false, uint16(92), uint64(92), []byte("\x00\x00\x00\x0500000"))
	f.Fuzz(func(t *testing.T, greet bool, maxArg uint16, seed uint64, in []byte) {
		if len(in) > 64<<10 {
			t.Skip() // the blocking mode writes it all at once, before reading
		}
		if greet {
			in = append(append([]byte(nil), g...), in...)
		}
		limit := 1 + int(maxArg) // small limits, so large packets are refused rather than allocated
		want := model(limit, in)
		alloc := &countingAlloc{}
		c, srv := socketConn(t, limit, alloc)
		r := rand.New(rand.NewPCG(seed, 7))
		block := seed%5 == 0

		var got [][]byte
		var gotErr error
		written := 0
		check := func(data []byte, complete bool, err error) bool {
			t.Helper()
			queued, qerr := unix.IoctlGetInt(c.fd, unix.SIOCINQ)
			if qerr != nil {
				t.Fatal(qerr)
			}
			taken := written - queued
			switch {
			case err != nil:
				gotErr = err
				return false
			case complete:
				i := len(got)
				if i >= len(want.packets) {
					t.Fatalf("packet %d (%d octets) beyond the %d expected", i, len(data), len(want.packets))
				}
				if !bytes.Equal(data, want.packets[i]) {
					t.Fatalf("packet %d = % x, want % x", i, data, want.packets[i])
				}
				if taken > want.ends[i]+wire.HeaderLen {
					t.Fatalf("packet %d ends at %d, but %d octets were taken from the kernel", i, want.ends[i], taken)
				}
				got = append(got, data)
				return true
			default:
				if queued != 0 {
					t.Fatalf("unfinished read left %d octets in the kernel: select would lie", queued)
				}
				if len(data) > 0 {
					// A prefix of the body of the packet in progress.
					at, size := want.bodyAt, want.bodyLen
					if i := len(got); i < len(want.packets) {
						at, size = want.starts[i], len(want.packets[i])
					}
					if len(data) >= size || at+len(data) > written || !bytes.Equal(data, in[at:at+len(data)]) {
						t.Fatalf("partial packet % x is not what the server sent", data)
					}
				}
				return false
			}
		}
		if block {
			// Everything at once, then the end of the stream, read with
			// blocking reads.
			if len(in) > 0 {
				if _, err := unix.Write(srv, in); err != nil {
					t.Fatal(err)
				}
			}
			written = len(in)
			unix.Shutdown(srv, unix.SHUT_WR)
			for gotErr == nil {
				data, complete, err := c.Read(true)
				if err == nil && !complete {
					t.Fatal("blocking read returned an unfinished packet")
				}
				check(data, complete, err)
			}
		} else {
			for off := 0; off < len(in) && gotErr == nil; {
				n := 1 + r.IntN(min(len(in)-off, 1+r.IntN(64)))
				if _, err := unix.SendmsgN(srv, in[off:off+n], nil, nil, unix.MSG_DONTWAIT); err != nil {
					t.Fatal(err)
				}
				off += n
				written = off
				for check(c.Read(false)) {
				}
			}
			if gotErr == nil {
				unix.Shutdown(srv, unix.SHUT_WR)
				for check(c.Read(false)) {
				}
				if gotErr == nil {
					t.Fatal("no error after the end of the stream")
				}
			}
		}
		if len(got) != len(want.packets) {
			t.Fatalf("%d packets, want %d", len(got), len(want.packets))
		}
		if !errors.Is(gotErr, want.errno) {
			t.Fatalf("failed with %v, want errno %v", gotErr, want.errno)
		}
		if want.errno == syscall.ECONNRESET && !errors.Is(gotErr, ErrClosed) {
			t.Fatalf("failed with %v, want ErrClosed", gotErr)
		}
		if _, _, err := c.Read(false); err != gotErr {
			t.Fatalf("failure not sticky: %v then %v", gotErr, err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if alloc.allocs != len(got)+alloc.frees {
			t.Fatalf("%d buffers allocated, %d handed out, %d freed", alloc.allocs, len(got), alloc.frees)
		}
	})
}
